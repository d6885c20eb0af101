"""The electricity grid whose carbon intensity turns measured energy into emissions: a setting
of the machine that trains, not of the data (a Spanish series trained in Milan emits on the
Italian grid).

Chosen, first that applies: for one run (the dashboard's sidebar, `--grid-country`), the
environment variable `IMPORTANCE_GRID_COUNTRY`, the country of this machine's time zone, else
Italy as the lab's default. Every run stores the country and where it came from
(`TrainConfig.grid_source`), and the energy method of every run says both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

GRID_ENV = "IMPORTANCE_GRID_COUNTRY"
DEFAULT_GRID = "ITA"
ZONE_FILES = (Path("/etc/timezone"), Path("/etc/localtime"))


@dataclass(frozen=True)
class GridCountry:
    """An ISO 3166 alpha-3 country for the grid's carbon intensity, and how it was chosen."""

    code: str
    source: str  # e.g. "IMPORTANCE_GRID_COUNTRY", "--grid-country", "this machine's time zone ..."

    def words(self) -> str:
        """"Italy's grid (ITA; set by IMPORTANCE_GRID_COUNTRY)"."""
        return f"{_name(self.code)}'s grid ({self.code}; {self.source})"


def _name(code: str) -> str:
    from importance.data.holidays import country_name  # the holidays table: on demand

    try:
        return country_name(code)
    except ValueError:  # a valid code without a holiday table: the code is the name
        return code


def check_code(code: str, where: str) -> str:
    """`code` upper-cased when it is an ISO 3166 alpha-3 code; ValueError naming `where`."""
    text = str(code).strip().upper()
    if not (len(text) == 3 and text.isalpha()):
        raise ValueError(f"{where}: the grid country must be an ISO 3166 alpha-3 code like ITA "
                         f"or ESP, got {code!r}")
    return text


def machine_zone() -> str | None:
    """This machine's IANA time zone: $TZ, /etc/timezone, else /etc/localtime's link target."""
    tz = os.environ.get("TZ", "").lstrip(":").strip()
    if tz:
        return tz
    timezone, localtime = ZONE_FILES
    try:
        if timezone.is_file():
            return timezone.read_text(encoding="utf-8").strip() or None
        if localtime.is_symlink():
            target = str(localtime.resolve())
            return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else None
    except OSError:
        return None
    return None


def grid_country(chosen: str | None = None, chosen_by: str = "--grid-country") -> GridCountry:
    """The grid of this machine: `chosen` (by `chosen_by`) when given, else $GRID_ENV, else the
    country of the machine's time zone, else `DEFAULT_GRID`, said as not set."""
    if chosen:
        return GridCountry(check_code(chosen, chosen_by), f"set by {chosen_by}")
    env = os.environ.get(GRID_ENV, "").strip()
    if env:
        return GridCountry(check_code(env, GRID_ENV), f"set by {GRID_ENV}")
    from importance.data.holidays import zone_country

    zone = machine_zone()
    country = zone_country(zone)
    if country is not None:
        return GridCountry(country, f"from this machine's time zone {zone}")
    return GridCountry(DEFAULT_GRID, f"the lab's default: set {GRID_ENV} or --grid-country to "
                                     "where this machine runs")

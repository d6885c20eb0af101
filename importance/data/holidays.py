"""Public holidays of a country, from the `holidays` package (a maintained code table; nothing
is downloaded): a 0/1 input feature per time step and the dated names for charts.

Countries are ISO 3166 codes, alpha-3 ("ITA", as the carbon intensity uses) or alpha-2
("IT"). A step's holiday is decided by its own local date: the wall-clock date of a naive
index, the date in the index's zone for an aware one.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import zoneinfo
from functools import cache, lru_cache
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
from holidays.registry import COUNTRIES

EMBEDDED_COUNTRY = "ITA"  # the embedded default data is Milan's
LANGUAGE = "en_US"  # names in English where the country's table has them
SUPPORTED_HINT = ('python -c "import holidays; print(sorted(holidays.list_supported_countries('
                  'include_aliases=False)))"')


@cache
def _codes() -> dict[str, tuple[str, str]]:
    """alpha-2 and alpha-3 code -> (the package's alpha-2 code, the country's name)."""
    out = {}
    for class_name, alpha2, alpha3, *_ in COUNTRIES.values():
        name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)  # "UnitedStates" -> "United States"
        out[alpha2] = out[alpha3] = (alpha2, name)
    return out


def country_code(country: str) -> str:
    """The package's alpha-2 code for an alpha-2 or alpha-3 code; ValueError when unsupported."""
    code = country.strip().upper()
    if code not in _codes():
        raise ValueError(f"no public-holiday table for country {country!r}: use an ISO 3166 "
                         f"alpha-3 or alpha-2 code the `holidays` package supports (list them "
                         f"with {SUPPORTED_HINT}), or switch the holiday feature off")
    return _codes()[code][0]


def country_name(country: str) -> str:
    """The country's English name, e.g. 'Italy' for 'ITA' or 'IT'."""
    return _codes()[country_code(country)][1]


@lru_cache(maxsize=64)
def _table(alpha2: str, years: tuple[int, ...]) -> dict[dt.date, str]:
    """The country's public holidays in `years` (date -> name), cached per (country, years)."""
    entity = holidays.country_holidays(alpha2, years=years)
    language = LANGUAGE if LANGUAGE in entity.supported_languages else None
    if language is not None:
        entity = holidays.country_holidays(alpha2, years=years, language=language)
    return dict(sorted(entity.items()))


def _local_days(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Each step's local date at midnight, naive."""
    local = index.tz_localize(None) if index.tz is not None else index
    return local.normalize()


def _holidays_in(index: pd.DatetimeIndex, country: str) -> dict[dt.date, str]:
    if len(index) == 0:
        return {}
    days = _local_days(index)
    years = tuple(range(days.min().year, days.max().year + 1))
    return _table(country_code(country), years)


def holiday_flags(index: pd.DatetimeIndex, country: str) -> np.ndarray:
    """1.0 at steps whose local date is a public holiday of `country`, else 0.0; shape (T,)."""
    index = pd.DatetimeIndex(index)
    table = _holidays_in(index, country)
    if not table:
        return np.zeros(len(index))
    dates = pd.DatetimeIndex([pd.Timestamp(d) for d in table]).as_unit(index.unit)
    return _local_days(index).isin(dates).astype(np.float64)


def holiday_dates(index: pd.DatetimeIndex, country: str) -> list[tuple[dt.date, str]]:
    """The public holidays of `country` within the index's local dates, oldest first."""
    index = pd.DatetimeIndex(index)
    table = _holidays_in(index, country)
    if not table:
        return []
    days = _local_days(index)
    first, last = days.min().date(), days.max().date()
    return [(d, name) for d, name in table.items() if first <= d <= last]


# --- the country of a zone ---------------------------------------------------------------------

def _zone_table() -> str:
    """The IANA zone.tab (zone -> ISO 3166 alpha-2 country): the system's, else tzdata's."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(
            encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return ""


@cache
def _zone_countries() -> dict[str, str]:
    """Zone name -> the alpha-3 code of its country, for the countries with a holiday table."""
    alpha3 = {alpha2: code for _, alpha2, code, *_ in COUNTRIES.values()}
    out = {}
    for line in _zone_table().splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3 or fields[0] not in alpha3:
            continue
        out[fields[2]] = alpha3[fields[0]]
    return out


def zone_country(tz: str | None) -> str | None:
    """The ISO 3166 alpha-3 country of an IANA zone ("Europe/Paris" -> "FRA"); None for no
    zone, UTC, a fixed offset or a country without a public-holiday table."""
    return _zone_countries().get(tz) if tz else None


def series_country(tz: str | None, embedded: bool) -> tuple[str | None, str]:
    """The country whose public holidays a series gets when none is chosen, and why in words:
    the embedded Milan data's Italy, else the country of the series' zone `tz` (named by the
    data or the user: `LoadedSeries.named_zone`); None (no holiday feature) for a series on
    wall-clock time, UTC or a zone fitted to UTC offsets, which name no country."""
    if embedded:
        return EMBEDDED_COUNTRY, "the embedded data is from Milan"
    country = zone_country(tz)
    if country is not None:
        return country, f"the country of the series' time zone {tz}"
    clock = (f"the series' zone {tz} names no country with a holiday table" if tz else
             "the series has no time zone that names its country")
    return None, f"{clock}; choose one for a holiday feature"

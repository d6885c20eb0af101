"""The loaded-series contract shared by every loader."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

DEFAULT_SOURCE = "embedded default"  # a loaded series' `source` when it is the embedded data
# How a zone fitted to UTC offsets that change with daylight saving is said (several zones
# fit; the one taken names no country)
FITTED_ZONE = "a zone whose daylight-saving changes fit the UTC offsets written in the data"


class DataError(ValueError):
    """Unusable input: the message names the file, column, row or value."""


@dataclass(frozen=True)
class QualityNote:
    """One kind of dirty value found in the source, how many, and what was done with them."""

    issue: str  # e.g. "missing values"
    count: int
    rule: str  # e.g. "filled by linear interpolation"
    example: str = ""  # where the first one is, e.g. "line 57: 'n/a'"

    def text(self) -> str:
        where = f"; first: {self.example}" if self.example else ""
        return f"{self.issue}: {self.count:,}, {self.rule}{where}"


@dataclass(frozen=True)
class SourceInfo:
    """What a file offers before one series is picked from it."""

    path: str
    kind: str  # "milan_raw" | "milan_aggregates" | "generic"
    series: list[str]  # square ids / series ids (empty when the file holds one series)
    columns: list[str]  # activities / numeric value columns
    default_series: str | None
    default_column: str
    labels: dict[str, str] = field(default_factory=dict)  # series id -> human name
    layout: str = ""  # the layout in words, e.g. "long format: one row per time and BS"
    lengths: dict[str, int] = field(default_factory=dict)  # series id -> rows in the source
    detected: tuple[tuple[str, str], ...] = ()  # (what, found) e.g. ("encoding", "UTF-16")
    naive: bool = False  # timestamps carry no zone (wall-clock time)
    year: int | None = None  # the year assumed for dates written without one


@dataclass(frozen=True)
class LoadedSeries:
    """One regular, gap-filled univariate series ready for windowing."""

    values: pd.Series  # float64, DatetimeIndex named "time", regular, sorted, no NaN
    freq: pd.Timedelta
    filled: pd.DatetimeIndex  # timestamps absent (or NaN) in the source and filled
    fill_method: str  # how `filled` was filled, in words
    source: str  # file path(s) or DEFAULT_SOURCE
    label: str  # e.g. "square 5060 (Duomo) · internet"
    series: str | None = None
    column: str = "value"
    notes: tuple[QualityNote, ...] = ()  # dirty values found and the rule applied to each
    detected: tuple[tuple[str, str], ...] = ()  # (what, found): layout, encoding, zone, ...

    @property
    def tz(self) -> str | None:
        """The series' zone name, or None for wall-clock time without a zone."""
        tz = self.values.index.tz
        return str(tz) if tz is not None else None

    @property
    def named_zone(self) -> str | None:
        """The series' zone when the data or the user named it; None on wall-clock time and
        for a zone fitted to changing UTC offsets (`FITTED_ZONE`: it names no country)."""
        fitted = FITTED_ZONE in dict(self.detected).get("time zone", "")
        return None if fitted else self.tz

    @property
    def embedded(self) -> bool:
        """The series is the embedded default data (Milan's, Italian holidays)."""
        return self.source == DEFAULT_SOURCE

    @property
    def constant(self) -> bool:
        """Every value is the same: nothing to forecast."""
        return bool(len(self.values)) and self.values.min() == self.values.max()

"""The loaded-series contract shared by every loader."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


class DataError(ValueError):
    """Unusable input: the message names the file, column, row or value."""


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


@dataclass(frozen=True)
class LoadedSeries:
    """One regular, gap-filled univariate series ready for windowing."""

    values: pd.Series  # float64, DatetimeIndex named "time", regular, sorted, no NaN
    freq: pd.Timedelta
    filled: pd.DatetimeIndex  # timestamps absent (or NaN) in the source and filled
    fill_method: str  # how `filled` was filled, in words
    source: str  # file path(s) or "embedded default"
    label: str  # e.g. "square 5060 (Duomo) · internet"
    series: str | None = None
    column: str = "value"

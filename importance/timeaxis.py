"""A series' clock: aware (any zone; times stored in UTC) or naive (the data's own wall-clock
time, no zone; times stored as that wall-clock time). No code path assumes an aware index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def tz_name(index: pd.Index) -> str | None:
    """The time zone of a datetime index, or None when naive."""
    tz = getattr(index, "tz", None)
    return str(tz) if tz is not None else None


def to_ns(index: pd.Index | pd.Series) -> np.ndarray:
    """int64 nanoseconds: since the epoch in UTC when aware, of the wall-clock time when naive."""
    return pd.DatetimeIndex(index).as_unit("ns").asi8


def from_ns(ns: np.ndarray, tz: str | None) -> pd.DatetimeIndex:
    """`to_ns` undone: aware in `tz` (the ns are UTC), or naive wall-clock when `tz` is None."""
    t = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("M8[ns]"))
    return t.tz_localize("UTC").tz_convert(tz) if tz else t


def stored(index: pd.Index | pd.Series) -> pd.DatetimeIndex:
    """Times as a run stores them: in UTC when aware, unchanged (wall-clock) when naive."""
    t = pd.DatetimeIndex(index)
    return t.tz_convert("UTC") if t.tz is not None else t


def wall_clock(times: pd.Index | pd.Series, tz: str | None) -> pd.DatetimeIndex:
    """Stored times as naive wall-clock times of the clock `tz` (Plotly cannot show zones).

    Aware times are converted to `tz` (UTC when None); naive times already are wall-clock.
    """
    t = pd.DatetimeIndex(times)
    return t.tz_convert(tz or "UTC").tz_localize(None) if t.tz is not None else t

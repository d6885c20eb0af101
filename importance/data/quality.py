"""Dirty values in real exports, one documented rule each, and the notes that report them.

- missing values (empty cells, NaN, markers such as n/a): filled by linear interpolation;
- missing timestamps (gaps in the regular grid): filled the same way;
- timestamps polled with jitter, every one within 20% of a step from a regular clock grid
  (10:00:47, 10:09:58, ...): moved to the nearest grid point, the largest shift said;
- rows that repeat an earlier row exactly: dropped;
- timestamps that appear more than once with different values (e.g. the repeated autumn hour
  of a wall-clock export): averaged into one; when they are too common to be that, the file is
  refused (it is most likely long format without its id column);
- negative values: kept, and the log1p scaling is switched off for the series;
- a constant series: shown, but refused for training (there is nothing to forecast);
- a last value below half the median of the same point in the 4 cycles before it (a day back
  for sub-daily data, a week back for daily data), where that point is not a trough below
  half the series' median: kept, and flagged as a partial last
  period (`partial_last`), a caveat on every accuracy verdict of runs tested on it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from importance.data.steps import duration
from importance.data.types import DataError, QualityNote

FILL_METHOD = "linear interpolation between neighbouring values (nearest value at the ends)"
MAX_GRID_FACTOR = 20  # a filled grid may be at most this many times the rows given
JITTER_SHARE = 0.2  # timestamps within this share of a step from its grid are snapped to it
MAX_DUPLICATE_SHARE = 0.05  # more conflicting repeated timestamps than this: a layout problem
ONE_DAY = pd.Timedelta(days=1)
PARTIAL_SHARE = 0.5  # a last value below this share of its usual level looks partial
PARTIAL_CYCLES = 4


def merge_duplicates(values: pd.Series, name: str,
                     where: Callable[[int], str]) -> tuple[pd.Series, list[QualityNote]]:
    """Drop exact repeats and average conflicting values per timestamp (see module rules).

    `values` has a DatetimeIndex in file order; `where(i)` names positional row i.
    """
    frame = pd.DataFrame({"time": values.index, "value": values.to_numpy()})
    notes = []
    repeat = frame.duplicated(keep="first").to_numpy()
    if repeat.any():
        notes.append(QualityNote("rows repeating an earlier row exactly", int(repeat.sum()),
                                 "dropped", where(int(np.flatnonzero(repeat)[0]))))
    kept = frame.loc[~repeat]
    clash = kept["time"].duplicated(keep=False).to_numpy()
    if clash.any():
        times = kept["time"][clash]
        share = clash.sum() / len(kept)
        first = int(kept.index[clash][0])
        if share > MAX_DUPLICATE_SHARE and clash.sum() > 4:
            raise DataError(
                f"{name}: {clash.sum():,} of {len(kept):,} rows share their timestamp with "
                f"another row holding a different value (first at {where(first)}: "
                f"{times.iloc[0]}). This looks like long format (one row per time and cell) "
                "without its id column: choose the series/id column (series_column, "
                "--series-column, or the sidebar), or give one series per file")
        notes.append(QualityNote(
            "timestamps given more than once with different values", int(times.nunique()),
            f"averaged ({int(clash.sum())} rows)", where(first)))
        kept = kept.groupby("time", sort=False, as_index=False)["value"].mean()
    out = pd.Series(kept["value"].to_numpy(), index=pd.DatetimeIndex(kept["time"]),
                    name=values.name)
    return out, notes


def snap_jitter(values: pd.Series, where: Callable[[int], str]
                ) -> tuple[pd.Series, list[QualityNote]]:
    """Timestamps polled around a regular step (an SNMP-style collector writing 10:00:47,
    10:09:58, ...) moved to the nearest point of that step's clock grid, when every one lies
    within `JITTER_SHARE` of a step of it; otherwise `values` unchanged (the grid check then
    says which timestamp is off). The step is the median step rounded to a whole second (a
    whole minute from a minute up); steps of a day or more are left alone.

    `values` has a DatetimeIndex in file order; `where(i)` names positional row i.
    """
    index = pd.DatetimeIndex(values.index)
    if len(index) < 3:
        return values, []
    ns = np.sort(index.asi8)
    unit = pd.Timedelta(1, unit=index.unit)
    median = pd.Timedelta(int(np.median(np.diff(ns))) * unit)
    step = median.round("1min" if median >= pd.Timedelta(minutes=1) else "1s")
    if step <= pd.Timedelta(0) or step >= ONE_DAY:
        return values, []
    at = index.asi8  # on the UTC clock for aware times (no ambiguous wall-clock hour)
    n = int(step / unit)
    grid = (at + n // 2) // n * n
    shift = np.abs(at - grid) * (unit / pd.Timedelta(seconds=1))
    moved = shift > 0
    if not moved.any() or shift.max() > JITTER_SHARE * step.total_seconds():
        return values, []
    snapped = pd.DatetimeIndex(pd.to_datetime(grid, unit=index.unit, utc=index.tz is not None))
    if index.tz is not None:
        snapped = snapped.tz_convert(index.tz)
    first = int(np.flatnonzero(moved)[0])
    note = QualityNote(
        f"timestamps jittered around a {duration(step)} step", int(moved.sum()),
        f"moved to the nearest {duration(step)} grid point (largest shift {shift.max():g} s)",
        f"{where(first)}: {index[first]}")
    return pd.Series(values.to_numpy(), index=snapped, name=values.name), [note]


def infer_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The most common step between sorted timestamps (the smallest one on ties)."""
    counts = pd.Series(np.diff(index.asi8)).value_counts()
    step = int(counts.index[counts == counts.max()].min())
    return pd.Timedelta(step, unit=index.unit)


def regular_grid(index: pd.DatetimeIndex, name: str, where: Callable[[pd.Timestamp], str]
                 ) -> tuple[pd.DatetimeIndex, pd.Timedelta]:
    """The regular grid from the first to the last timestamp, and its step.

    Steps of whole days follow the calendar (a day is 23 or 25 hours across a daylight-saving
    change); shorter steps are regular in absolute time.
    """
    wall = index.tz_localize(None) if index.tz is not None else index
    step = infer_step(wall)
    calendar = step >= ONE_DAY and step % ONE_DAY == pd.Timedelta(0)
    if not calendar:
        step = infer_step(index)
    base = wall if calendar else index
    off = (base - base[0]) % step != pd.Timedelta(0)
    if off.any():
        raise DataError(f"{name}: irregular timestamps: {index[off][0]} ({where(index[off][0])}) "
                        f"is not on the {_words(step)} grid that starts at {index[0]} (the most "
                        "common step); resample the export to one step")
    points = (base[-1] - base[0]) // step + 1  # counted first: a typo year makes billions
    if points > MAX_GRID_FACTOR * len(index):
        gaps = index.to_series().diff()
        raise DataError(f"{name}: {len(index):,} timestamps from {index[0]} to {index[-1]} at a "
                        f"{_words(step)} step would need {points:,} filled points; the largest "
                        f"gap ends at {gaps.idxmax()} ({where(gaps.idxmax())}): a mistyped date?")
    if calendar:
        grid = pd.date_range(wall[0], wall[-1], freq=f"{step // ONE_DAY}D")
        if index.tz is not None:
            grid = grid.tz_localize(index.tz, ambiguous=True, nonexistent="shift_forward")
    else:
        grid = pd.date_range(index[0], index[-1], freq=step)
    return grid.rename("time").as_unit(index.unit), step


def fill(values: pd.Series, grid: pd.DatetimeIndex) -> tuple[pd.Series, pd.DatetimeIndex,
                                                                 pd.DatetimeIndex]:
    """(values on `grid` with gaps and NaNs interpolated, absent timestamps, NaN cells)."""
    regular = values.reindex(grid)
    absent = grid[~grid.isin(values.index)]
    empty = grid[regular.isna().to_numpy() & grid.isin(values.index)]
    if regular.isna().all():
        raise DataError(f"column {values.name!r} has no values (all empty or NaN)")
    regular = regular.interpolate(method="linear", limit_direction="both")
    return regular.rename(values.name), absent, empty


def gap_count(absent: pd.DatetimeIndex, step: pd.Timedelta) -> int:
    """Number of contiguous runs of absent timestamps."""
    if len(absent) == 0:
        return 0
    return int(1 + (np.diff(absent.asi8) != int(step / pd.Timedelta(1, unit=absent.unit))).sum())


def value_notes(values: pd.Series) -> list[QualityNote]:
    """Negative values and constant series (see the module rules)."""
    v = values.to_numpy(dtype=np.float64)
    notes = []
    negative = v < 0
    if negative.any():
        first = values.index[int(np.flatnonzero(negative)[0])]
        notes.append(QualityNote("negative values", int(negative.sum()),
                                 "kept; log1p scaling is off for this series",
                                 f"{first}: {v[negative][0]:g}"))
    if len(v) and v.min() == v.max():
        notes.append(QualityNote("constant series", len(v),
                                 "shown, but refused for training (nothing to forecast)",
                                 f"every value is {v[0]:g}"))
    return notes


def _words(step: pd.Timedelta) -> str:
    return str(step).removeprefix("0 days ")


def partial_last(values: pd.Series, freq: pd.Timedelta) -> bool:
    """Whether the last value looks like a partial period (an export cut mid-day): below
    `PARTIAL_SHARE` of the median of the same point in the `PARTIAL_CYCLES` cycles before it
    (a cycle: a day below daily steps, a week at daily steps, one step above).

    >>> day = pd.date_range("2024-01-01", periods=40, freq="D")
    >>> partial_last(pd.Series([100.0] * 39 + [30.0], index=day), pd.Timedelta(days=1))
    True
    >>> partial_last(pd.Series([100.0] * 39 + [90.0], index=day), pd.Timedelta(days=1))
    False
    """
    cycle = (int(ONE_DAY / freq) if freq < ONE_DAY else 7 if freq == ONE_DAY else 1) or 1
    v = values.to_numpy(dtype=float)
    back = [len(v) - 1 - k * cycle for k in range(1, PARTIAL_CYCLES + 1)]
    if back[-1] < 0:
        return False
    usual = float(np.median(v[back]))
    # a trough (night traffic near 0) is too small a level to call its noise a cut
    meaningful = usual > PARTIAL_SHARE * float(np.median(v))
    return bool(meaningful and v[-1] < PARTIAL_SHARE * usual)

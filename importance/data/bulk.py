"""Many series of one parsed generic file at once: the per-series rules of
`importance.data.generic.series_of` (gaps and empty values filled, notes), in arrays.

A panel of 1,000 cells took ~25 ms per series through `series_of` (pandas objects built per
series); here each series is a few array operations over the file's rows, taken once. Only the
plain case is taken this way: one file, naive timestamps kept as they are (no zone asked),
each series with at least `generic.MIN_ROWS` distinct timestamps on one regular grid, no
repeated timestamp, no value that fails to parse or is too large, and a value somewhere.
Any other series (and every series of several files or with a zone) goes through
`series_of`, which applies the remaining rules and raises their errors: both paths give the
same series (tests/data/test_bulk.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from importance.data import numbers, quality
from importance.data.generic import (
    MIN_ROWS,
    MISSING_VALUES,
    Part,
    fill_notes,
    loaded_series,
    series_column_of,
    series_of,
)
from importance.data.types import LoadedSeries, QualityNote


def load_series(parts: Sequence[Part], series: Sequence[str | None], column: str | None,
                tz: str | None) -> list[LoadedSeries]:
    """`series_of` for each of `series` (in order), the plain ones in arrays."""
    part = parts[0]
    plain = len(parts) == 1 and tz is None and part.times.dt.tz is None and (
        part.series_col is not None or part.layout == "wide")
    if not plain:
        return [series_of(parts, series=s, column=column, tz=tz) for s in series]
    times = pd.DatetimeIndex(part.times)
    stamps = times.asi8
    columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    grids: dict[tuple[int, int, int], pd.DatetimeIndex] = {}  # most cells share one grid
    out = []
    for s in series:
        found = None
        if s is not None:
            value_col = series_column_of(part, s, column)
            if value_col not in columns:
                columns[value_col] = _column(part, value_col)
            found = _plain(part, stamps, times.unit, str(s), value_col, *columns[value_col],
                           grids)
        out.append(found or series_of(parts, series=s, column=column, tz=tz))
    return out


def _column(part: Part, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(the column's values, mask of cells that fail to parse or are too large)."""
    values, bad = numbers.parse_numbers(part.table.frame[name], part.table.decimal)
    return values, bad | numbers.too_large(values)


def _plain(part: Part, times: np.ndarray, unit: str, series: str, value_col: str,
           column: np.ndarray, bad: np.ndarray,
           grids: dict[tuple[int, int, int], pd.DatetimeIndex]) -> LoadedSeries | None:
    """The series in arrays (`times`: the part's timestamps as integers in `unit`; `grids`:
    the regular grids made so far, by start, step and length), or None when it is not plain
    (module docstring)."""
    if part.series_col is None:
        rows = np.arange(len(column))
    else:
        rows = part.rows_by_id.get(series)
        if rows is None:
            return None
    if len(rows) < MIN_ROWS or bad[rows].any():
        return None
    stamps, values = times[rows], column[rows]
    order = np.argsort(stamps, kind="stable")
    sorted_stamps = stamps[order]
    steps = np.diff(sorted_stamps)
    if not steps.all():  # a repeated timestamp: merged by quality.merge_duplicates
        return None
    found, counts = np.unique(steps, return_counts=True)
    step = int(found[np.argmax(counts)])  # the most common step, the smallest on ties
    offsets = sorted_stamps - sorted_stamps[0]
    points = int(offsets[-1] // step) + 1
    if (offsets % step).any() or points > quality.MAX_GRID_FACTOR * len(rows):
        return None
    at = offsets // step
    regular = np.full(points, np.nan)
    regular[at] = values[order]
    given = np.zeros(points, dtype=bool)
    given[at] = True
    missing = np.isnan(regular)
    if missing.all():
        return None
    if missing.any():
        known = np.flatnonzero(~missing)
        regular[missing] = np.interp(np.flatnonzero(missing), known, regular[known])
    freq = pd.Timedelta(step, unit=unit)
    whole_days = freq >= quality.ONE_DAY and freq % quality.ONE_DAY == pd.Timedelta(0)
    start = int(sorted_stamps[0])
    grid = grids.get((start, step, points))
    if grid is None:
        grid = grids[start, step, points] = pd.date_range(
            pd.Timestamp(start, unit=unit), periods=points, name="time", unit=unit,
            freq=f"{freq // quality.ONE_DAY}D" if whole_days else freq)  # as regular_grid
    notes: list[QualityNote] = list(part.notes)
    empty = np.isnan(values)
    if empty.any():
        notes.append(QualityNote(MISSING_VALUES, int(empty.sum()),
                                 "filled by linear interpolation",
                                 part.where(int(rows[np.flatnonzero(empty)[0]]))))
    return loaded_series([part], series, value_col,
                         pd.Series(regular, index=grid, name=value_col), freq,
                         _at(grid, missing), notes + fill_notes(_at(grid, ~given), freq), None)


def _at(grid: pd.DatetimeIndex, mask: np.ndarray) -> pd.DatetimeIndex:
    """The grid's timestamps where `mask` holds (faster than boolean indexing)."""
    return pd.DatetimeIndex(grid.asi8[mask].view(grid.dtype), name=grid.name)

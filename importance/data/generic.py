"""Generic CSV/Parquet time series: one timestamp column, numeric value columns, and an
optional series-id column (long format).

The frequency is inferred from the most common step between timestamps; missing
timestamps and NaN values are filled by linear interpolation and recorded in `filled`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import (
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_integer_dtype,
    is_numeric_dtype,
)

from importance.data import files
from importance.data.types import DataError, LoadedSeries, SourceInfo

TIME_NAMES = ("time", "timestamp", "date", "datetime", "ds")
ID_NAMES = ("id", "series", "unique_id", "cellid", "cell", "square", "key", "name")
TIME_FORMATS = (
    "ISO8601",
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y",
)
EPOCH_SECONDS = (1e8, 1e10)  # 1973 .. 2286
EPOCH_MILLISECONDS = (1e11, 1e13)
MIN_ROWS = 10
MAX_GRID_FACTOR = 20  # a filled grid may be at most this many times the rows given
FILL_METHOD = "linear interpolation between neighbouring values (nearest value at the ends)"


@dataclass(frozen=True)
class _Table:
    """A generic file's frame, and how to name its rows in messages."""

    frame: pd.DataFrame
    name: str
    parquet: bool

    def number(self, row: int) -> int:
        """1-based number of positional row `row`: Parquet row, or CSV line incl. header."""
        return row + 1 if self.parquet else row + 2

    def at(self, row: int) -> str:
        return f"{'row' if self.parquet else 'line'} {self.number(row)}"

    def rows(self, rows: np.ndarray) -> str:
        shown = ", ".join(str(self.number(int(r))) for r in rows[:5])
        return f"{'rows' if self.parquet else 'lines'} {shown}" + (", ..." if len(rows) > 5 else "")


def describe_generic(path: str | Path) -> SourceInfo:
    """Series ids and value columns of a generic file."""
    table = _read(Path(path))
    time_col = _time_column(table, None)
    times = _parse_times(table, time_col)
    series_col = _series_column(table, None, time_col, times)
    ids = _series_ids(table.frame[series_col]) if series_col else []
    columns = _value_columns(table, exclude={time_col, series_col})
    if not columns:
        raise DataError(f"{table.name}: no numeric value column; columns: {_names(table)}")
    return SourceInfo(path=str(path), kind="generic", series=ids, columns=columns,
                      default_series=ids[0] if ids else None, default_column=columns[0])


def load_generic(path: str | Path, *, series: str | None = None, column: str | None = None,
                 time_column: str | None = None,
                 series_column: str | None = None) -> LoadedSeries:
    """One regular, gap-filled series from a generic CSV or Parquet file."""
    table = _read(Path(path))
    time_col = _time_column(table, time_column)
    times = _parse_times(table, time_col)
    series_col = _series_column(table, series_column, time_col, times)
    value_col = _value_column(table, column, exclude={time_col, series_col})
    if series_col and series is None:
        series = _series_ids(table.frame[series_col])[0]
    rows = _series_rows(table, series_col, series)
    what = f" for {series_col} {series}" if series_col else ""
    if len(rows) < MIN_ROWS:
        raise DataError(f"{table.name}: only {len(rows)} rows{what}; at least {MIN_ROWS} "
                        "are needed")
    values = _numeric(table, value_col, rows)
    _check_unique_times(table, time_col, times.iloc[rows], what)
    regular, filled, step = _regularise(table, pd.Series(values, index=pd.DatetimeIndex(
        times.iloc[rows]), name=value_col))
    label = f"{series_col} {series} · {value_col}" if series_col else value_col
    return LoadedSeries(values=regular, freq=step, filled=filled,
                        fill_method=FILL_METHOD, source=str(path), label=label,
                        series=series, column=value_col)


def _read(path: Path) -> _Table:
    if files.is_parquet(path):
        try:
            frame = pd.read_parquet(path)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"{path.name}: unreadable Parquet file ({exc})") from None
        if not isinstance(frame.index, pd.RangeIndex):  # e.g. a saved DatetimeIndex
            frame = frame.reset_index()
        return _non_empty(_Table(frame.reset_index(drop=True), path.name, parquet=True))
    header = files.first_line(path)
    delimiter = max(",\t;", key=header.count)
    try:
        frame = pd.read_csv(path, sep=delimiter, low_memory=False,
                            compression="gzip" if files.is_gzip(path) else None)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path.name}: unreadable CSV ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return _non_empty(_Table(frame, path.name, parquet=False))


def _non_empty(table: _Table) -> _Table:
    if table.frame.empty:
        raise DataError(f"{table.name}: no data rows (columns: {_names(table)})")
    return table


def _names(table: _Table) -> str:
    return ", ".join(map(str, table.frame.columns))


def _require(table: _Table, column: str, role: str) -> str:
    if column not in table.frame.columns:
        raise DataError(f"{table.name}: no {role} column {column!r}; "
                        f"the columns are: {_names(table)}")
    return column


def _time_column(table: _Table, given: str | None) -> str:
    if given:
        return _require(table, given, "time")
    names = [str(name) for name in table.frame.columns]
    for name in names:
        if name.lower() in TIME_NAMES:
            return name
    named = [n for n in names if "time" in n.lower() or "date" in n.lower()]
    for name in named + [n for n in names if n not in named]:
        if _to_times(table.frame[name], automatic=True) is not None:
            return name
    raise DataError(f"{table.name}: no timestamp column: none is named "
                    f"{'/'.join(TIME_NAMES)} and none parses as timestamps "
                    f"(columns: {_names(table)}); pick one with time_column")


def _parse_times(table: _Table, column: str) -> pd.Series:
    """The column as datetimes, or a DataError naming the first unparseable value."""
    values = table.frame[column]
    times = _to_times(values, automatic=False)
    if times is not None:
        return times
    if is_numeric_dtype(values):
        row = int(np.flatnonzero(~_in_epoch_range(values))[0])
        problem = "is neither epoch seconds nor milliseconds"
    else:
        best = max((_coerce(values, f) for f in TIME_FORMATS), key=lambda t: t.notna().sum())
        row = int(np.flatnonzero(best.isna().to_numpy())[0])
        problem = "is not a timestamp"
    value = values.iloc[row]
    shown = "the empty value" if pd.isna(value) or not str(value).strip() else repr(value)
    raise DataError(f"{table.name}: column {column!r}, {table.at(row)}: {shown} {problem}")


def _to_times(values: pd.Series, *, automatic: bool) -> pd.Series | None:
    """Datetimes if every value parses in one form, else None.

    `automatic` (guessing the time column) accepts numbers only in the epoch range.
    """
    if is_datetime64_any_dtype(values):
        return None if values.isna().any() else values
    if is_bool_dtype(values):
        return None
    if is_numeric_dtype(values):
        if not _in_epoch_range(values).all():
            return None
        unit = "ms" if values.abs().median() >= EPOCH_MILLISECONDS[0] else "s"
        return pd.to_datetime(values, unit=unit, utc=True)
    if automatic and values.isna().all():
        return None
    for fmt in TIME_FORMATS:
        times = _coerce(values, fmt)
        if times.notna().all():
            return times
    return None


def _in_epoch_range(values: pd.Series) -> np.ndarray:
    size = values.abs().to_numpy(dtype=float, na_value=np.nan)
    return ((size >= EPOCH_SECONDS[0]) & (size < EPOCH_SECONDS[1])) | (
        (size >= EPOCH_MILLISECONDS[0]) & (size < EPOCH_MILLISECONDS[1]))


def _coerce(values: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format (NaT where it does not fit); mixed UTC offsets go to UTC."""
    text = values.astype("str").str.strip()
    try:
        return pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:  # mixed UTC offsets
        return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)


def _is_id_name(name: str) -> bool:
    name = str(name).lower()
    return name in ID_NAMES or name.endswith("_id")


def _series_column(table: _Table, given: str | None, time_col: str,
                   times: pd.Series) -> str | None:
    """The series-id column: the given one or, when timestamps repeat, the first id-like,
    text or integer column that makes (time, id) unique (id-like names first)."""
    if given:
        return _require(table, given, "series")
    if not times.duplicated().any():
        return None
    frame = table.frame
    rank = {name: 0 if _is_id_name(name) else 1 if not is_numeric_dtype(frame[name]) else 2
            for name in frame.columns
            if name != time_col and (_is_id_name(name) or is_integer_dtype(frame[name])
                                     or not is_numeric_dtype(frame[name]))}
    candidates = sorted(rank, key=rank.get)
    for name in candidates:
        pairs = pd.DataFrame({"time": times.to_numpy(), "id": frame[name].to_numpy()})
        if not pairs.duplicated().any():
            return name
    return candidates[0] if candidates else None


def _series_ids(values: pd.Series) -> list[str]:
    """Distinct ids as strings, numerically sorted when they are all integers."""
    ids = _id_strings(values).unique().tolist()
    return sorted(ids, key=lambda s: (0, int(s), "") if s.lstrip("-").isdigit() else (1, 0, s))


def _id_strings(values: pd.Series) -> pd.Series:
    if is_numeric_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("str")


def _series_rows(table: _Table, series_col: str | None, series: str | None) -> np.ndarray:
    """Positional rows of the chosen series (all rows without a series column)."""
    if series_col is None:
        return np.arange(len(table.frame))
    ids = _id_strings(table.frame[series_col])
    rows = np.flatnonzero((ids == str(series)).to_numpy())
    if rows.size == 0:
        known = _series_ids(table.frame[series_col])
        shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        raise DataError(f"{table.name}: unknown series {series!r} in column {series_col!r}; "
                        f"it has {len(known)}: {shown}")
    return rows


def _value_columns(table: _Table, exclude: set[str | None]) -> list[str]:
    return [name for name in table.frame.columns
            if name not in exclude and not _is_id_name(name)
            and is_numeric_dtype(table.frame[name]) and not is_bool_dtype(table.frame[name])]


def _value_column(table: _Table, given: str | None, exclude: set[str | None]) -> str:
    if given:
        return _require(table, given, "value")
    columns = _value_columns(table, exclude)
    if not columns:
        raise DataError(f"{table.name}: no numeric value column; columns: {_names(table)}")
    return columns[0]


def _numeric(table: _Table, column: str, rows: np.ndarray) -> np.ndarray:
    """The value column as float64 (NaN kept), or a DataError naming a non-number."""
    raw = table.frame[column].iloc[rows]
    if is_bool_dtype(raw):
        raise DataError(f"{table.name}: column {column!r} holds true/false, not numbers")
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    if not is_numeric_dtype(raw):
        bad = values.isna() & raw.notna() & (raw.astype("str").str.strip() != "")
        if bad.any():
            row = int(rows[np.flatnonzero(bad.to_numpy())[0]])
            raise DataError(f"{table.name}: column {column!r} is not numeric: {table.at(row)} "
                            f"has {table.frame[column].iloc[row]!r}")
    if values.isna().all():
        raise DataError(f"{table.name}: column {column!r} has no values (all empty or NaN)")
    return values.to_numpy()


def _check_unique_times(table: _Table, column: str, times: pd.Series, what: str) -> None:
    repeated = times.duplicated(keep=False).to_numpy()
    if repeated.any():
        first = times.iloc[int(np.flatnonzero(repeated)[0])]
        positions = times.index.to_numpy()[repeated & (times == first).to_numpy()]
        raise DataError(f"{table.name}: duplicate timestamp {first} in column {column!r}{what} "
                        f"on {table.rows(positions)}; each timestamp must appear once")


def _regularise(table: _Table,
                values: pd.Series) -> tuple[pd.Series, pd.DatetimeIndex, pd.Timedelta]:
    """Sort, put on the inferred regular grid, and fill gaps and NaNs by interpolation."""
    values = values.sort_index()
    step = _infer_step(values.index)
    start, end = values.index[0], values.index[-1]
    off_grid = (values.index - start) % step != pd.Timedelta(0)
    if off_grid.any():
        raise DataError(f"{table.name}: irregular timestamps: {values.index[off_grid][0]} is not "
                        f"on the {step} grid that starts at {start} (the most common step)")
    grid = pd.date_range(start, end, freq=step, name="time")
    if len(grid) > MAX_GRID_FACTOR * len(values):
        gaps = values.index.to_series().diff()
        raise DataError(f"{table.name}: {len(values)} timestamps from {start} to {end} at a "
                        f"{step} step would need {len(grid)} filled points; the largest gap "
                        f"ends at {gaps.idxmax()}")
    regular = values.reindex(grid)
    filled = grid[regular.isna().to_numpy()]
    regular = regular.interpolate(method="linear", limit_direction="both")
    return regular.rename(values.name), filled, step


def _infer_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The most common step between timestamps (the smallest one on ties)."""
    counts = pd.Series(np.diff(index.asi8)).value_counts()
    step = int(counts.index[counts == counts.max()].min())
    return pd.Timedelta(step, unit=index.unit)


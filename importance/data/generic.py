"""Generic CSV/Parquet time series, in the layouts real exports use.

Layouts (detected from the content; one or several files of the same layout):
- single series: a timestamp column and one or more numeric KPI columns (pick one);
- long format: timestamp, a station/cell id column and value columns (pick the id);
- wide format: a timestamp column and one numeric column per cell (pick the column);
- transposed: one row per cell and one column per date (`Row Labels,1-Jun,2-Jun,...`), with
  the year assumed (and stated) when the headers have none.

Dialects, encodings and number formats: `importance.data.dialect`, `importance.data.numbers`.
Timestamps and zones: `importance.data.timestamps`. Dirty values: `importance.data.quality`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype, is_numeric_dtype

from importance.data import cache, dialect, layouts, numbers, quality, timestamps
from importance.data.numbers import parse_numbers
from importance.data.table import Table, read_table
from importance.data.types import FITTED_ZONE, DataError, LoadedSeries, QualityNote, SourceInfo

TIME_NAMES = ("time", "timestamp", "date", "datetime", "ds", "period", "start time",
              "start_time", "starttime", "date/time", "zeit", "datum", "fecha", "data", "heure")
ID_NAMES = ("id", "series", "unique_id", "cellid", "cell", "square", "key", "name", "bs",
            "station", "site", "enodeb", "enb", "gnb", "sector", "node")
SUMMARY_ROWS = ("total", "grand total", "sum", "average", "avg", "mean", "subtotal")
MIN_ROWS = 10
WIDE_WORDS = "wide format: one column per cell"  # the wide layout in words (SourceInfo.layout)
MISSING_VALUES = "missing values (empty, NaN or a marker such as n/a)"  # the note's issue
FILL_METHOD = quality.FILL_METHOD


@dataclass(frozen=True)
class Part:
    """One file in a known layout: its rows, their parsed times, and what the columns are."""

    table: Table
    times: pd.Series  # parsed timestamps, aligned with table.frame's rows
    layout: str  # "single" | "long" | "wide" | "transposed"
    time_col: str
    series_col: str | None
    columns: list[str]  # value columns
    notes: tuple[QualityNote, ...] = ()
    cells: np.ndarray | None = None  # transposed: the header of each row's cell
    year: int | None = None  # transposed: the year given to dates written without one

    @functools.cached_property
    def rows_by_id(self) -> dict[str, np.ndarray]:
        """The positional rows of each series id (long and transposed layouts), found once
        for every series taken from the part."""
        if self.series_col is None:
            return {}
        codes, ids = pd.factorize(_id_strings(self.table.frame[self.series_col]))
        order = np.argsort(codes, kind="stable")
        bounds = np.cumsum(np.bincount(codes[codes >= 0], minlength=len(ids)))
        return {str(i): rows for i, rows in zip(ids, np.split(order[(codes < 0).sum():],
                                                                bounds[:-1]), strict=True)}

    def where(self, row: int) -> str:
        """File and line (and column, for transposed files) of positional row `row`."""
        cell = f", column {self.cells[row]!r}" if self.cells is not None else ""
        return f"{self.table.name}, {self.table.at(row)}{cell}"


def describe_generic(paths: Sequence[Path], *, time_column: str | None = None,
                     series_column: str | None = None, year: int | None = None) -> SourceInfo:
    """What one or several generic files of the same layout offer."""
    parts = parsed(paths, time_column, series_column, year)
    first = parts[0]
    ids, lengths = _ids_and_lengths(parts)
    naive = all(p.times.dt.tz is None for p in parts)
    return SourceInfo(path=", ".join(map(str, paths)), kind="generic", series=ids,
                      columns=first.columns, default_series=ids[0] if ids else None,
                      default_column=first.columns[0], layout=_layout_words(first),
                      lengths=lengths, detected=_detected(parts, naive), naive=naive,
                      year=first.year)


def load_generic(paths: Sequence[Path], *, series: str | None = None, column: str | None = None,
                 time_column: str | None = None, series_column: str | None = None,
                 tz: str | None = None, year: int | None = None) -> LoadedSeries:
    """One regular, gap-filled series from generic CSV/Parquet file(s) (parsed once while
    they are unchanged: `parsed`)."""
    return series_of(parsed(paths, time_column, series_column, year), series=series,
                     column=column, tz=tz)


def series_of(parts: Sequence[Part], *, series: str | None = None, column: str | None = None,
              tz: str | None = None) -> LoadedSeries:
    """One regular, gap-filled series from parsed files (`parsed`). In a wide file the
    series may name a cell's column (its value column, when `column` names none)."""
    first = parts[0]
    value_col = series_column_of(first, series, column)
    if first.series_col and series is None:
        series = _ids_and_lengths(parts)[0][0]
    values, where, notes = _gather(parts, value_col, series)
    name = ", ".join(p.table.name for p in parts)
    what = f" for {first.series_col} {series}" if first.series_col else ""
    if len(values) < MIN_ROWS:
        raise DataError(f"{name}: only {_rows(len(values))}{what}; at least {MIN_ROWS} are "
                        "needed")
    local, dropped = timestamps.to_zone(values.index.to_series(), tz)
    if dropped.any():
        notes.append(QualityNote(f"rows at local times that do not exist in {tz} (the hour "
                                 "skipped when clocks go forward)", int(dropped.sum()),
                                 "dropped", where(int(np.flatnonzero(dropped)[0]))))
    values = pd.Series(values.to_numpy()[~dropped], index=pd.DatetimeIndex(local),
                       name=value_col)
    keep = np.flatnonzero(~dropped)
    values, snapped = quality.snap_jitter(values, lambda i: where(int(keep[i])))
    stamps = pd.DatetimeIndex(values.index)  # as written, or snapped: row order kept
    values, merged = quality.merge_duplicates(values, name, lambda i: where(int(keep[i])))
    notes += snapped + merged
    if len(values) < MIN_ROWS:
        distinct = values.index.unique()
        raise DataError(f"{name}: every row{what} has the same timestamp, {distinct[0]}" if
                        len(distinct) == 1 else f"{name}: only {len(distinct)} distinct "
                        f"timestamps{what}; at least {MIN_ROWS} are needed")
    values = values.sort_index()

    def first_row(t: pd.Timestamp) -> str:  # where a timestamp was first given (messages)
        return where(int(keep[int(np.argmax(stamps == t))]))

    grid, step = quality.regular_grid(pd.DatetimeIndex(values.index), name, first_row)
    regular, absent, empty = quality.fill(values, grid)
    return loaded_series(parts, series, value_col, regular, step, absent.union(empty),
                         notes + fill_notes(absent, step), tz)


def loaded_series(parts: Sequence[Part], series: str | None, value_col: str,
                  regular: pd.Series, step: pd.Timedelta, filled: pd.DatetimeIndex,
                  notes: list[QualityNote], tz: str | None) -> LoadedSeries:
    """The series taken from `parts`, once on its regular grid (`filled`: its timestamps that
    were absent or empty): its label, quality notes (`quality.value_notes` added) and what
    was detected."""
    first = parts[0]
    label = (f"{series} · {value_col}" if first.layout == "transposed" else
             f"{first.series_col} {series} · {value_col}" if first.series_col else value_col)
    naive = regular.index.tz is None
    unit = dict(first.table.units).get(value_col)
    if unit:  # numbers written with their unit: read as numbers, the unit on the axis
        notes = [*notes, QualityNote(f"values written with their unit ({unit})", len(regular),
                                     f"read as numbers in {unit}; the axis says {unit}")]
    return LoadedSeries(values=regular.rename(f"{value_col} ({unit})" if unit else value_col),
                        freq=step, filled=filled,
                        fill_method=FILL_METHOD, source=", ".join(p.table.name for p in parts),
                        label=label, series=series,
                        column=value_col, notes=(*notes, *quality.value_notes(regular)),
                        detected=_detected(parts, naive, tz))


# --- files -> parts ---------------------------------------------------------------------------

def parsed(paths: Sequence[Path], time_column: str | None = None,
           series_column: str | None = None, year: int | None = None) -> tuple[Part, ...]:
    """The files read and their layout found: once per process while they are unchanged
    (`importance.data.cache`), however many series are then taken from them."""
    key = ("generic", cache.source_key([Path(p) for p in paths]), time_column, series_column,
           year)
    return cache.PARSED.through(
        key, lambda: tuple(_parts(paths, time_column, series_column, year)),
        lambda parts: sum(cache.frame_bytes(p.table.frame, p.times) for p in parts))


def _parts(paths: Sequence[Path], time_column: str | None, series_column: str | None,
           year: int | None) -> list[Part]:
    parts = [_in_range(_part(read_table(Path(p)), time_column, series_column, year))
             for p in paths]
    first = parts[0]
    for other in parts[1:]:
        if (other.layout, other.series_col, other.columns) != (first.layout, first.series_col,
                                                                 first.columns):
            raise DataError(
                f"{other.table.name} cannot be combined with {first.table.name}: "
                f"{_layout_words(other)} with value columns {', '.join(other.columns)}, against "
                f"{_layout_words(first)} with {', '.join(first.columns)}; combine only files "
                "of the same layout and columns")
    return parts


def _part(table: Table, time_column: str | None, series_column: str | None,
          year: int | None) -> Part:
    """Find the layout of one file and parse its timestamps."""
    if time_column is None and layouts.is_transposed(table):
        m = layouts.melt_transposed(table, year)
        return Part(m.table, m.times, "transposed", "column headers", m.series_col, ["value"],
                    m.notes, m.cells, m.year)
    time_col = _time_column(table, time_column)
    table, summary = _drop_summary_rows(table, time_col)
    times = _parse_times(table, time_col)
    times, clock = _with_clock(table, time_col, times)
    series_col = _series_column(table, series_column, {time_col, clock}, times)
    columns = _value_columns(table, exclude={time_col, clock, series_col})
    if not columns:
        raise DataError(f"{table.name}: no numeric value column; columns: {table.names()}")
    if series_col:
        layout = "long"
    else:
        layout = "wide" if layouts.looks_like_cells(columns) else "single"
    return Part(table, times, layout, time_col if clock is None else f"{time_col} + {clock}",
                series_col, columns, summary)


def _in_range(part: Part) -> Part:
    """The part, or a DataError naming its first time outside the dates the lab handles."""
    bad = timestamps.out_of_range(part.times)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        column = "" if part.layout == "transposed" else f" (column {part.time_col!r})"
        raise DataError(f"{part.where(row)}: {part.times.iloc[row]}{column} is outside the "
                        f"dates this lab handles ({timestamps.FIRST_DATE:%Y-%m-%d} to "
                        f"{timestamps.LAST_DATE:%Y-%m-%d}): a mistyped year?")
    return part


def _require(table: Table, column: str, role: str) -> str:
    if column not in table.frame.columns:
        raise DataError(f"{table.name}: no {role} column {column!r}; "
                        f"the columns are: {table.names()}")
    return column


def _time_column(table: Table, given: str | None) -> str:
    if given:
        return _require(table, given, "time")
    names = [str(name) for name in table.frame.columns]
    named = [n for n in names if n.lower() in TIME_NAMES]
    named += [n for n in names if n not in named and ("time" in n.lower() or "date" in n.lower())]
    for name in named + [n for n in names if n not in named]:
        values = table.frame[name]
        if is_numeric_dtype(values) and not timestamps.in_epoch_range(values).all():
            continue  # numbers are timestamps only as epoch seconds or milliseconds
        if timestamps.parse_times(values) is not None:
            return name
    if named:
        return named[0]  # _parse_times names the value that is not a timestamp
    raise DataError(f"{table.name}: no timestamp column: none is named "
                    f"{'/'.join(TIME_NAMES[:5])} and none parses as timestamps "
                    f"(columns: {table.names()}); pick one with time_column (--time-column)")


def _drop_summary_rows(table: Table, time_col: str) -> tuple[Table, tuple[QualityNote, ...]]:
    """Footer rows such as "Total" or "Grand Total" in the time column are dropped (noted)."""
    values = table.frame[time_col]
    if is_numeric_dtype(values):
        return table, ()
    summary = values.astype("string").str.strip().str.lower().isin(SUMMARY_ROWS).to_numpy()
    if not summary.any():
        return table, ()
    row = int(np.flatnonzero(summary)[0])
    note = QualityNote("summary rows (Total, Average, ...)", int(summary.sum()), "dropped",
                       f"{table.name}, {table.at(row)}: {values.iloc[row]!r}")
    kept = Table(table.frame.loc[~summary].reset_index(drop=True), table.name,
                 table.lines[~summary], table.dialect, table.dirty)
    return kept, (note,)


def _parse_times(table: Table, column: str) -> pd.Series:
    """The column as datetimes, or a DataError naming the first unparseable value."""
    values = table.frame[column]
    times = timestamps.parse_times(values)
    if times is not None:
        return times.reset_index(drop=True)
    if is_numeric_dtype(values):
        row = int(np.flatnonzero(~timestamps.in_epoch_range(values))[0])
        problem = "is neither epoch seconds nor milliseconds"
    else:
        best = timestamps.best_effort(values)
        row = int(np.flatnonzero(best.isna().to_numpy())[0])
        problem = "is not a timestamp"
    value = values.iloc[row]
    shown = ("the empty value" if pd.isna(value) or not str(value).strip()
             else f"{value:g}" if isinstance(value, float) else repr(value))
    raise DataError(f"{table.name}: column {column!r}, {table.at(row)}: {shown} {problem}"
                    f"{_other_delimiter(table, value)}")


def _other_delimiter(table: Table, value: object) -> str:
    """A hint when a bad value holds another delimiter: lines split differently."""
    if table.dialect is None or not isinstance(value, str):
        return ""
    found = [d for d in dialect.DELIMITERS if d != table.dialect.delimiter and d in value]
    if not found:
        return ""
    names = dialect.DELIMITER_NAMES
    return (f" (this line is {names[found[0]]}-separated, the file "
            f"{names[table.dialect.delimiter]}-separated: use one delimiter throughout)")


def _with_clock(table: Table, time_col: str, times: pd.Series) -> tuple[pd.Series, str | None]:
    """Dates-only times plus a separate clock column ("Date","Time" exports) combined."""
    if times.dt.tz is not None or (times != times.dt.normalize()).any():
        return times, None
    for name in table.frame.columns:
        if name == time_col:
            continue
        clock = timestamps.parse_clock(table.frame[name])
        if clock is not None and clock.nunique() > 1:
            return times + clock.reset_index(drop=True), name
    return times, None


def _is_id_name(name: str) -> bool:
    name = str(name).lower()
    return name in ID_NAMES or name.endswith("_id") or name.endswith(" id")


def _series_column(table: Table, given: str | None, exclude: set[str | None],
                   times: pd.Series) -> str | None:
    """The series-id column: the given one or, when timestamps repeat in more rows than a few
    repeated rows or a repeated autumn hour explain (`quality.MAX_DUPLICATE_SHARE`), the first
    id-like, text or integer column that makes (time, id) unique (id-like names first)."""
    if given:
        return _require(table, given, "series")
    if times.duplicated(keep=False).mean() <= quality.MAX_DUPLICATE_SHARE:
        return None  # one series: quality.merge_duplicates handles its repeats
    frame = table.frame
    rank = {name: (0 if _is_id_name(name) else 1 if not is_numeric_dtype(frame[name]) else 2,
                   frame[name].nunique())
            for name in frame.columns
            if name not in exclude and name not in table.dirty
            and (_is_id_name(name) or _whole(frame[name]) or not is_numeric_dtype(frame[name]))}
    at = pd.factorize(times, use_na_sentinel=False)[0].astype(np.int64)
    for name in sorted(rank, key=rank.get):
        if rank[name][1] > len(frame) // 2:
            continue  # an id repeats once per timestamp
        ids, distinct = pd.factorize(frame[name], use_na_sentinel=False)
        pairs = pd.Series(at * (len(distinct) + 1) + ids)  # one number per (time, id)
        if pairs.duplicated().mean() < quality.MAX_DUPLICATE_SHARE:
            return name
    return None


def _whole(values: pd.Series) -> bool:
    """Integer dtype, or floats that are all whole numbers (ids read from text)."""
    if is_integer_dtype(values):
        return True
    if not is_numeric_dtype(values):
        return False
    v = values.dropna()
    return bool(len(v)) and bool((v % 1 == 0).all())


def _id_strings(values: pd.Series) -> pd.Series:
    if is_numeric_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("str").str.strip()


def _ids_and_lengths(parts: Sequence[Part]) -> tuple[list[str], dict[str, int]]:
    """Distinct ids (numerically sorted when all integers) and their row counts."""
    col = parts[0].series_col
    if col is None:
        return [], {}
    counts = pd.concat([_id_strings(p.table.frame[col]) for p in parts]).value_counts()
    ids = sorted(counts.index, key=lambda s: (0, int(s), "") if s.lstrip("-").isdigit()
                 else (1, 0, s))
    return ids, {i: int(counts[i]) for i in ids}


def _value_columns(table: Table, exclude: set[str | None]) -> list[str]:
    frame = table.frame
    return [name for name in frame.columns
            if name not in exclude and not _is_id_name(name)
            and (is_numeric_dtype(frame[name]) or name in table.dirty)
            and frame[name].dtype != bool]


def series_column_of(part: Part, series: str | None, given: str | None) -> str:
    """The value column of `series`: the given column (parsed as numbers, with a clear error
    if it is not), else the series' own in a wide file (a cell's column), else the first."""
    if given is None and part.layout == "wide" and series in part.columns:
        return str(series)
    if given and part.layout == "transposed":
        if given not in part.columns:
            raise DataError(f"{part.table.name}: a transposed export has one value per cell "
                            f"and date (column 'value'), not {given!r}")
        return given
    return _require(part.table, given, "value") if given else part.columns[0]


# --- parts -> one series ----------------------------------------------------------------------

def _gather(parts: Sequence[Part], column: str, series: str | None
            ) -> tuple[pd.Series, Callable[[int], str], list[QualityNote]]:
    """The chosen series' values over every file, in file order, with where each row is."""
    chunks, places = [], []
    missing_rows: list[str] = []
    missing = 0
    for k, part in enumerate(parts):
        rows = _series_rows(part, series, parts)
        raw = part.table.frame[column].iloc[rows]
        values, bad = parse_numbers(raw, part.table.decimal)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            cell = raw.iloc[first]
            raise DataError(
                f"{part.where(int(rows[first]))}: {cell!r} in column {column!r} "
                f"{numbers.problem(cell)} ({int(bad.sum())} such cells; empty cells and "
                "markers such as n/a or #N/A are read as missing values)")
        huge = numbers.too_large(values)
        if huge.any():
            first = int(np.flatnonzero(huge)[0])
            raise DataError(
                f"{part.where(int(rows[first]))}: {values[first]:g} in column {column!r} is "
                f"too large ({int(huge.sum())} values beyond {numbers.MAX_MAGNITUDE:g}, where "
                "statistics and training overflow); rescale the column, e.g. to MB or GB")
        nan = np.isnan(values)
        missing += int(nan.sum())
        if nan.any() and not missing_rows:
            missing_rows.append(part.where(int(rows[np.flatnonzero(nan)[0]])))
        chunks.append(pd.Series(values, index=pd.DatetimeIndex(part.times.iloc[rows])))
        places += [(k, int(r)) for r in rows]
    if len(parts) > 1 and len({str(c.index.tz) for c in chunks}) > 1:
        chunks = [c.tz_convert("UTC") if c.index.tz is not None else c for c in chunks]
        if any(c.index.tz is None for c in chunks):
            raise DataError("the files cannot be combined: some have time zones and some not")
    values = pd.concat(chunks) if len(chunks) > 1 else chunks[0]
    if values.isna().all():
        names = ", ".join(p.table.name for p in parts)
        raise DataError(f"{names}: column {column!r} has no values (all empty or NaN)")
    notes = [n for p in parts for n in p.notes]
    if missing:
        notes.append(QualityNote(MISSING_VALUES, missing, "filled by linear interpolation",
                                 missing_rows[0]))
    return values.rename(column), lambda i: parts[places[i][0]].where(places[i][1]), notes


def _series_rows(part: Part, series: str | None, parts: Sequence[Part]) -> np.ndarray:
    """Positional rows of the chosen series (all rows without a series column)."""
    if part.series_col is None:
        return np.arange(len(part.table.frame))
    rows = part.rows_by_id.get(str(series), np.empty(0, dtype=np.int64))
    if rows.size == 0 and len(parts) == 1:
        known = _ids_and_lengths(parts)[0]
        shown = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
        raise DataError(f"{part.table.name}: unknown series {series!r} in column "
                        f"{part.series_col!r}; it has {len(known)}: {shown}")
    return rows


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


def fill_notes(absent: pd.DatetimeIndex, step: pd.Timedelta) -> list[QualityNote]:
    if len(absent) == 0:
        return []
    gaps = quality.gap_count(absent, step)
    return [QualityNote(f"missing timestamps in {gaps:,} gap{'s' if gaps > 1 else ''}",
                        len(absent), "filled by linear interpolation", f"{absent[0]}")]


def _layout_words(part: Part) -> str:
    n = len(part.columns)
    if part.layout == "long":
        return f"long format: one row per time and {part.series_col}"
    if part.layout == "wide":
        return f"{WIDE_WORDS} ({n} columns)"
    if part.layout == "transposed":
        return f"transposed: one row per cell ({part.series_col}), one column per date"
    return "one series" + (f" with {n} value columns" if n > 1 else "")


def _detected(parts: Sequence[Part], naive: bool, tz: str | None = None) -> tuple[tuple[str, str],
                                                                                ...]:
    first = parts[0]
    found = [("layout", _layout_words(first))]
    if len(parts) > 1:
        found.append(("files", f"{len(parts)} combined: "
                      + ", ".join(p.table.name for p in parts)))
    dialects = {p.table.dialect.describe() if p.table.dialect else "Parquet" for p in parts}
    found.append(("format", "; ".join(sorted(dialects))))
    found.append(("time column", first.time_col))
    if first.series_col:
        found.append(("series column", first.series_col))
    if tz:
        found.append(("time zone", f"{tz} (chosen)"))
    elif naive:
        found.append(("time zone", timestamps.WALL_CLOCK))
    elif first.table.dialect is not None and "/" in str(first.times.dt.tz):
        # text names no zone: this one fits the UTC offsets written (timestamps.offset_zones)
        found.append(("time zone", f"{first.times.dt.tz}, {FITTED_ZONE} (the local clock "
                      "kept); choose the series' own zone with --tz or the sidebar"))
    else:
        found.append(("time zone", f"{first.times.dt.tz} (from the data)"))
    return tuple(found)

"""A generic file read into a frame, with where each row came from (for messages).

CSV/TSV text is read as strings in its detected dialect; columns whose every non-missing cell
is a number become float64 (missing markers -> NaN). Parquet keeps its own types.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from importance.data import dialect, files
from importance.data.dialect import Dialect
from importance.data.numbers import parse_numbers, split_unit, with_units
from importance.data.types import DataError

NUMBER_SAMPLE = 1000  # rows looked at to tell number columns from text columns
NUMERIC_LIKE = 0.5  # a text column is a (dirty) value column when this share of cells are numbers
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


@dataclass(frozen=True)
class Table:
    """One file's rows. `lines[i]` is row i's line (CSV, header = `dialect.header_line`) or
    1-based row number (Parquet)."""

    frame: pd.DataFrame
    name: str
    lines: np.ndarray  # (rows,) int64
    dialect: Dialect | None  # None for Parquet
    dirty: tuple[str, ...] = ()  # text columns that are mostly numbers (value columns with junk)
    units: tuple[tuple[str, str], ...] = ()  # (column, unit): numbers written with a unit

    @property
    def parquet(self) -> bool:
        return self.dialect is None

    @property
    def decimal(self) -> str:
        return self.dialect.decimal if self.dialect else "."

    def at(self, row: int) -> str:
        """Where positional row `row` is, e.g. "line 12"."""
        return f"{'row' if self.parquet else 'line'} {int(self.lines[row])}"

    def rows(self, rows: np.ndarray) -> str:
        """Several rows in words, at most five shown."""
        shown = ", ".join(str(int(self.lines[int(r)])) for r in rows[:5])
        return f"{'rows' if self.parquet else 'lines'} {shown}" + (", ..." if len(rows) > 5 else "")

    def names(self) -> str:
        return ", ".join(map(str, self.frame.columns))


def read_table(path: Path) -> Table:
    """A generic CSV/TSV (any dialect, optionally gzipped) or Parquet file."""
    if files.is_parquet(path):
        return _parquet(path)
    text, found = dialect.read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text, newline=""), sep=found.delimiter, dtype=str,
                            keep_default_na=False, skiprows=found.header_line - 1,
                            skip_blank_lines=False, engine="python" if len(found.delimiter) > 1
                            else "c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(f"{path.name}: {_parser_problem(str(exc), found)}") from None
    frame.columns = _clean_names(frame.columns)
    lines = np.arange(len(frame), dtype=np.int64) + found.header_line + 1
    blank = (frame.apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
    frame, lines = frame.loc[~blank].reset_index(drop=True), lines[~blank]
    frame = frame.loc[:, [c for c in frame.columns if not _empty_filler(c, frame[c])]]
    table = Table(frame, path.name, lines, found)
    return _typed(_non_empty(table))


def _parser_problem(error: str, found: Dialect) -> str:
    """pandas' tokenizer error in the user's words: the line and what is wrong with it."""
    what = found.describe()
    fields = _FIELDS.search(error)
    if fields:
        expected, line, saw = (int(g) for g in fields.groups())
        return (f"line {line}: {saw:,} fields where the header (line {found.header_line}) has "
                f"{expected:,} (the file reads as {what}); every line needs one field per "
                "column")
    quote = _QUOTE.search(error)
    if quote:
        return (f"line {int(quote.group(1)) + 1}: a quote (\") opens a field that is never "
                "closed; remove the stray quote or close it")
    return f"unreadable as {what} ({error.strip()})"


def _parquet(path: Path) -> Table:
    try:
        rows = pq.ParquetFile(path).metadata
        size = sum(rows.row_group(i).total_byte_size for i in range(rows.num_row_groups))
        if size > files.MAX_DECOMPRESSED_BYTES:
            raise DataError(f"{path.name}: {files.size_words(size)} of data once decompressed, "
                            f"more than the {files.size_words(files.MAX_DECOMPRESSED_BYTES)} "
                            "this lab reads (a compression bomb, or an export to split)")
        frame = pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path.name}: unreadable Parquet file ({str(exc).strip()})") from None
    if not isinstance(frame.index, pd.RangeIndex):  # e.g. a saved DatetimeIndex
        frame = frame.reset_index()
    frame = frame.reset_index(drop=True)
    frame.columns = _clean_names(frame.columns)
    return _non_empty(Table(frame, path.name, np.arange(1, len(frame) + 1, dtype=np.int64), None))


def _clean_names(columns: pd.Index) -> list[str]:
    """Header names without surrounding spaces, quotes or a stray byte-order mark."""
    return [str(c).replace("\ufeff", "").strip().strip('"').strip() for c in columns]


def _empty_filler(name: str, values: pd.Series) -> bool:
    """A column created by a trailing delimiter: no name and no values."""
    return name.startswith("Unnamed:") and bool((values.str.strip() == "").all())


def _non_empty(table: Table) -> Table:
    if table.frame.empty:
        raise DataError(f"{table.name}: no data rows (columns: {table.names()})")
    return table


def _typed(table: Table) -> Table:
    """Text columns that are all numbers (or missing markers) become float64.

    Columns with only text among their first NUMBER_SAMPLE rows stay text; the others are
    parsed in one pass (wide and transposed exports have hundreds of columns).
    """
    frame = table.frame.copy()
    head = frame.iloc[:NUMBER_SAMPLE]
    sampled, junk = (a.reshape(head.shape) for a in parse_numbers(
        pd.Series(head.to_numpy(dtype=object).ravel()), table.decimal))
    maybe = np.isfinite(sampled).any(axis=0) | ~junk.any(axis=0)  # numbers, or all missing
    candidates = [name for name, m in zip(frame.columns, maybe, strict=True) if m]
    cells = pd.Series(frame[candidates].to_numpy(dtype=object).ravel())
    parsed = parse_numbers(cells, table.decimal)
    values, bad = (a.reshape(len(frame), len(candidates)) for a in parsed)
    numbers, junk = np.isfinite(values).sum(axis=0), bad.sum(axis=0)
    dirty = []
    for j, name in enumerate(candidates):
        if not junk[j]:
            frame[name] = values[:, j]
        elif numbers[j] / (numbers[j] + junk[j]) >= NUMERIC_LIKE:
            dirty.append(name)
    units = []
    for name in frame.columns.difference(candidates, sort=False):  # text: numbers with a unit?
        if frame[name].dtype.kind != "O" and not pd.api.types.is_string_dtype(frame[name]):
            continue
        if not with_units(frame[name].iloc[:NUMBER_SAMPLE]):
            continue
        found = split_unit(frame[name])
        number, bad = (None, None) if found is None else parse_numbers(found[0], table.decimal)
        if found is None or bad.any():  # units differ: a value column refused cell by cell
            dirty.append(name)
            continue
        frame[name] = number
        units.append((str(name), found[1]))
    return Table(frame, table.name, table.lines, table.dialect, tuple(dirty), tuple(units))

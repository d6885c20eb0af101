"""Layouts beyond "a timestamp column": transposed daily exports and wide per-cell columns.

A transposed export has one row per cell and one column per date, as pivot tables write them:
`Row Labels,1-Jun,2-Jun,...,Grand Total`. Leading non-date columns identify the cell; trailing
total columns and total rows are dropped (and reported). Dates without a year get the year
given, or else the latest year that puts every date in the past (stated as assumed); a
December -> January turn moves to the next year.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from importance.data import timestamps
from importance.data.numbers import parse_numbers, problem
from importance.data.table import Table
from importance.data.types import DataError, QualityNote

NO_YEAR_FORMATS = ("%d-%b", "%b-%d", "%d %b", "%b %d", "%d-%B", "%B %d", "%d %B", "%d.%m.",
                   "%d/%m", "%m/%d")
LEAP = 2000  # a leap year: 29-Feb parses before the real year is known
MIN_DATE_COLUMNS = 3
TOTALS = ("total", "grand total", "sum", "average", "avg", "mean", "subtotal")
_CELL_NAME = re.compile(r"(\D*?)[ _.-]?(\d+)")


@dataclass(frozen=True)
class Melted:
    """A transposed file as long rows: one per (cell, date)."""

    table: Table  # columns: the id column and "value" (float64)
    times: pd.Series
    series_col: str
    notes: tuple[QualityNote, ...]
    cells: np.ndarray  # the date header each row's value came from
    year: int | None  # the year used for dates written without one


def looks_like_cells(columns: list[str]) -> bool:
    """Three or more value columns named like cells: numbers, or one prefix plus a number."""
    if len(columns) < 3:
        return False
    found = [_CELL_NAME.fullmatch(str(c).strip()) for c in columns]
    prefixes = Counter(m.group(1).lower() for m in found if m)
    return bool(prefixes) and prefixes.most_common(1)[0][1] >= 0.8 * len(columns)


def header_dates(headers: list[str]) -> tuple[pd.Series, bool]:
    """(dates parsed from column headers, NaT where not a date; True if they name no year).

    The form that reads the most headers wins; forms with a year win ties.
    """
    names = pd.Series([str(h).strip() for h in headers])
    best = pd.Series(pd.NaT, index=names.index, dtype="datetime64[ns]")
    no_year = False
    for fmt in timestamps.TIME_FORMATS:
        t = timestamps.coerce(names, fmt)
        if t.dt.tz is None and t.notna().sum() > best.notna().sum():
            best = t
    for fmt in NO_YEAR_FORMATS:
        t = pd.to_datetime(names + f" {LEAP}", format=f"{fmt} %Y", errors="coerce")
        if t.notna().sum() > best.notna().sum():
            best, no_year = t, True
    return best, no_year


def is_transposed(table: Table) -> bool:
    """At least three column headers, and most of them, are dates."""
    dates, _ = header_dates(list(table.frame.columns))
    n = int(dates.notna().sum())
    return n >= MIN_DATE_COLUMNS and n >= 0.5 * len(table.frame.columns) and pd.isna(dates[0])


def melt_transposed(table: Table, year: int | None) -> Melted:
    """One row per (cell, date) from a transposed export; values parsed as numbers."""
    headers = list(table.frame.columns)
    dates, no_year = header_dates(headers)
    is_date = dates.notna().to_numpy()
    first = int(np.argmax(is_date))
    ids = headers[:first]
    trailing = [h for h in headers[first:] if not is_date[headers.index(h)]]
    odd = [h for h in trailing if h.strip().lower() not in TOTALS]
    if odd:
        raise DataError(f"{table.name}: a transposed export (one row per cell, one column per "
                        f"date) but column {odd[0]!r} is neither a date nor a total; keep only "
                        "the id column(s) and the date columns")
    notes: list[QualityNote] = []
    if trailing:
        notes.append(QualityNote("total columns", len(trailing), "dropped", repr(trailing[0])))
    date_cols = [h for h, d in zip(headers, is_date, strict=True) if d]
    when = dates[is_date].reset_index(drop=True)
    if no_year:
        year = year if year is not None else assume_year(when)
        when = with_years(when, year, table.name)
        notes.append(QualityNote("dates without a year in the column headers", len(date_cols),
                                 f"read as {year}",
                                 f"{date_cols[0]!r} = {when.iloc[0]:%Y-%m-%d}"))
    key = _cell_ids(table, ids)
    total = key.str.strip().str.lower().isin(TOTALS).to_numpy()
    if total.any():
        row = int(np.flatnonzero(total)[0])
        notes.append(QualityNote("total rows", int(total.sum()), "dropped",
                                 f"{table.at(row)}: {key.iloc[row]!r}"))
    rows = np.flatnonzero(~total)
    values = np.empty((len(rows), len(date_cols)))
    for j, col in enumerate(date_cols):
        raw = table.frame[col].iloc[rows]
        values[:, j], bad = parse_numbers(raw, table.decimal)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{table.name}, {table.at(int(rows[i]))}, column {col!r}: "
                            f"{raw.iloc[i]!r} {problem(raw.iloc[i])} ({int(bad.sum())} such "
                            "cells in this column)")
    n_dates = len(date_cols)
    series_col = ids[0] if ids else "row"
    frame = pd.DataFrame({series_col: np.repeat(key.to_numpy()[rows], n_dates),
                          "value": values.ravel()})
    lines = np.repeat(table.lines[rows], n_dates)
    times = pd.Series(np.tile(when.to_numpy(), len(rows)))
    cells = np.tile(np.array(date_cols, dtype=object), len(rows))
    return Melted(Table(frame, table.name, lines, table.dialect), times, series_col,
                  tuple(notes), cells, year if no_year else None)


def _cell_ids(table: Table, ids: list[str]) -> pd.Series:
    """Each row's cell id: its leading non-date cells joined, or its row number."""
    if not ids:
        return pd.Series([str(n) for n in table.lines])
    parts = [table.frame[c].astype("string").fillna("").str.strip() for c in ids]
    key = parts[0]
    for p in parts[1:]:
        key = key + " · " + p
    return key.astype(str)


def assume_year(dates: pd.Series, today: pd.Timestamp | None = None) -> int:
    """The latest year (from today's back) that makes every date valid and not in the future."""
    today = today or pd.Timestamp.today().normalize()
    for year in range(today.year, today.year - 9, -1):
        try:
            placed = with_years(dates, year, "")
        except DataError:
            continue
        if placed.iloc[-1] <= today:
            return year
    return today.year - 1


def with_years(dates: pd.Series, year: int, name: str) -> pd.Series:
    """Dates parsed in a leap placeholder year, moved to `year` (the next year after a turn
    from December back to January)."""
    months = dates.dt.month.to_numpy()
    turns = np.concatenate([[0], np.cumsum(np.diff(months) < 0)])
    out = []
    for d, k in zip(dates, turns, strict=True):
        try:
            out.append(d.replace(year=year + int(k)))
        except ValueError:
            raise DataError(f"{name}: {d:%d %b} does not exist in {year + int(k)}; give the "
                            "year of the dates") from None
    return pd.Series(pd.DatetimeIndex(out))

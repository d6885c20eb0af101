"""Readers for the Telecom Italia Milan "SMS, Call, Internet - MI" files.

Raw daily files are TAB-separated without a header, one row per (square, 10-minute slot,
country code). Aggregate files are CSV with a `square_id,time_interval,<values...>` header,
one row per (square, slot). Both become a wide frame: one float64 column per square, one
row per 10-minute slot (Europe/Rome), activity summed over country codes, and (square, slot)
pairs without any row set to 0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from importance.data import files, numbers
from importance.data.types import DataError

ACTIVITIES = ("sms_in", "sms_out", "call_in", "call_out", "internet")
TOTAL = "total"
RAW_COLUMNS = ("square_id", "time_interval", "country_code", *ACTIVITIES)
KEY_COLUMNS = ("square_id", "time_interval")
INT_COLUMNS = ("square_id", "time_interval", "country_code")
SLOT_MS = 600_000
SLOT = pd.Timedelta(minutes=10)
TZ = "Europe/Rome"
LANDMARKS = {5060: "Duomo", 4259: "Bocconi", 4456: "Navigli"}  # cellIds of milano-grid
FILL_METHOD = "absent 10-minute slots set to 0 (no activity recorded)"
MAX_GRID_CELLS = 200_000_000  # squares x slots; all 62 days x 10,000 squares is 89 M
BLOCK_SIZE = 8 << 20  # bytes per pyarrow parse block

PathLike = str | Path
Squares = Iterable[int | str] | int | str | None


@dataclass(frozen=True)
class MilanGrid:
    """Activity per square per slot, and which (slot, square) pairs had no row at all."""

    values: pd.DataFrame  # float64; index "time" (Europe/Rome); columns: int square ids
    absent: pd.DataFrame  # bool, same shape: no row in the source, so 0 in `values`


@dataclass(frozen=True)
class _Pairs:
    """Activity per (square, slot), one entry per pair."""

    square: np.ndarray  # int64
    ms: np.ndarray  # int64: slot start, ms since the epoch (UTC)
    value: np.ndarray  # float64


def read_milan_raw(paths: PathLike | Sequence[PathLike], *, squares: Squares = None,
                   activity: str = "internet") -> pd.DataFrame:
    """Activity per square (columns) and 10-minute slot (rows) from raw daily files."""
    return milan_raw_grid(paths, squares=squares, activity=activity).values


def milan_raw_grid(paths: PathLike | Sequence[PathLike], *, squares: Squares = None,
                   activity: str = "internet") -> MilanGrid:
    """`read_milan_raw`, also recording the absent (square, slot) pairs."""
    paths = _as_paths(paths)
    where = ", ".join(p.name for p in paths)
    _check_activity(activity, [*ACTIVITIES, TOTAL], where)
    parts = [_raw_pairs(p, activity) for p in paths]
    pairs = _Pairs(*(np.concatenate([getattr(part, field) for part in parts])
                     for field in ("square", "ms", "value")))
    return _grid(pairs, squares, where)


def read_milan_aggregates(path: PathLike, *, squares: Squares = None,
                          activity: str | None = None) -> pd.DataFrame:
    """Activity per square and slot from a `square_id,time_interval,<values...>` CSV.

    `activity` is one of the value columns (default "internet" if present, else the first),
    or "total" when the file has all five activities.
    """
    return milan_aggregates_grid(path, squares=squares, activity=activity).values


def milan_aggregates_grid(path: PathLike, *, squares: Squares = None,
                          activity: str | None = None) -> MilanGrid:
    """`read_milan_aggregates`, also recording the absent (square, slot) pairs."""
    path = Path(path)
    header = _aggregates_header(path)
    allowed = _offered(header[2:])
    activity = activity or default_activity(allowed)
    _check_activity(activity, allowed, path.name)
    wanted = _summed_columns(activity, header)
    table = _read_csv(path, header, has_header=True, delimiter=",",
                      include=[*KEY_COLUMNS, *wanted])
    if table.num_rows == 0:
        raise DataError(f"{path.name}: a header but no data rows")
    square, ms = _keys(table, path, first_line=2)
    _check_unique_pairs(square, ms, path)
    value = _sum_columns(table, wanted, path, first_line=2)
    return _grid(_Pairs(square, ms, value), squares, path.name)


def aggregates_activities(path: PathLike) -> list[str]:
    """What an aggregates file offers: its value columns, plus "total" if it has all five."""
    return _offered(_aggregates_header(Path(path))[2:])


def default_activity(allowed: Sequence[str]) -> str:
    return "internet" if "internet" in allowed else allowed[0]


def _describe_squares(ids: Sequence[int]) -> str:
    """Square ids in words, short even for all 10,000."""
    if len(ids) <= 12:
        return "squares " + ", ".join(str(i) for i in ids)
    head = ", ".join(str(i) for i in ids[:5])
    return f"{len(ids)} squares from {ids[0]} to {ids[-1]} ({head}, ...)"


def _as_paths(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    out = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not out:
        raise DataError("no Milan files given")
    return out


def _check_activity(activity: str, allowed: Sequence[str], where: str) -> None:
    if activity not in allowed:
        raise DataError(f"{where}: unknown activity {activity!r}; allowed: {', '.join(allowed)}")


def _offered(value_columns: Sequence[str]) -> list[str]:
    complete = set(ACTIVITIES) <= set(value_columns) and TOTAL not in value_columns
    return [*value_columns, TOTAL] if complete else list(value_columns)


def _summed_columns(activity: str, header: Sequence[str]) -> list[str]:
    return list(ACTIVITIES) if activity == TOTAL and TOTAL not in header else [activity]


def _raw_pairs(path: Path, activity: str) -> _Pairs:
    wanted = _summed_columns(activity, RAW_COLUMNS)
    table = _read_csv(path, RAW_COLUMNS, has_header=False, delimiter="\t",
                      include=[*KEY_COLUMNS, *wanted])
    square, ms = _keys(table, path, first_line=1)
    value = _sum_columns(table, wanted, path, first_line=1)
    return _sum_per_pair(square, ms, value, path.name)


def _aggregates_header(path: Path) -> list[str]:
    header = [name.strip() for name in next(csv.reader([files.first_line(path)]))]
    if header[:2] != list(KEY_COLUMNS):
        raise DataError(f"{path.name}: line 1: expected a header starting "
                        f"square_id,time_interval; found {','.join(header)[:80]!r}")
    if len(header) < 3:
        raise DataError(f"{path.name}: line 1: no value column after square_id,time_interval")
    return header


def _read_csv(path: Path, names: Sequence[str], *, has_header: bool, delimiter: str,
              include: Sequence[str]) -> pa.Table:
    """Read with pyarrow; on a parse error, find the first bad line with plain Python."""
    files.first_line(path)  # DataError if missing, empty or binary
    types = {n: pa.int64() if n in INT_COLUMNS else pa.float64() for n in names}
    try:
        with files.open_binary(path) as f:  # gzip within files.MAX_DECOMPRESSED_BYTES
            return pa_csv.read_csv(
                f,
                read_options=pa_csv.ReadOptions(column_names=list(names),
                                                skip_rows=int(has_header),
                                                block_size=BLOCK_SIZE),
                parse_options=pa_csv.ParseOptions(delimiter=delimiter),
                convert_options=pa_csv.ConvertOptions(column_types=types, null_values=[""],
                                                      include_columns=list(include)))
    except pa.ArrowInvalid as exc:
        bad = _first_bad_line(path, names, has_header=has_header, delimiter=delimiter)
        raise bad or DataError(f"{path.name}: unreadable: {exc}") from None


def _first_bad_line(path: Path, names: Sequence[str], *, has_header: bool,
                    delimiter: str) -> DataError | None:
    with files.open_text(path) as f:
        for line, fields in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            if fields and not (has_header and line == 1):
                problem = _field_problem(fields, names, delimiter)
                if problem:
                    return DataError(f"{path.name}: line {line}: {problem}")
    return None


def _field_problem(fields: list[str], names: Sequence[str], delimiter: str) -> str | None:
    if len(fields) != len(names):
        sep = "tab" if delimiter == "\t" else repr(delimiter)
        return (f"expected {len(names)} {sep}-separated fields ({', '.join(names)}), "
                f"found {len(fields)}")
    for name, text in zip(names, fields, strict=True):
        text = text.strip()
        if name in INT_COLUMNS and not _parses(int, text):
            return f"column {name}: {text!r} is not an integer"
        if name not in INT_COLUMNS and text and not _parses(float, text):
            return f"column {name}: {text!r} is not a number"
    return None


def _parses(kind: type, text: str) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


def _keys(table: pa.Table, path: Path, *, first_line: int) -> tuple[np.ndarray, np.ndarray]:
    """square_id and time_interval as int64 arrays, checked: present and on the slot grid."""
    for name in KEY_COLUMNS:
        if table[name].null_count:
            row = int(np.flatnonzero(table[name].is_null().to_numpy())[0])
            raise DataError(f"{path.name}: line {row + first_line}: column {name} is empty")
    square = table["square_id"].to_numpy()
    ms = table["time_interval"].to_numpy()
    off_grid = np.flatnonzero(ms % SLOT_MS)
    if off_grid.size:
        row = int(off_grid[0])
        raise DataError(f"{path.name}: line {row + first_line}: column time_interval: "
                        f"{ms[row]} is not the start of a 10-minute slot in ms since the epoch")
    return square, ms


def _sum_columns(table: pa.Table, columns: Sequence[str], path: Path, *,
                 first_line: int) -> np.ndarray:
    """Row-wise sum of activity columns; an empty field means no activity (0)."""
    total = np.zeros(table.num_rows)
    for name in columns:
        values = pc.fill_null(table[name], 0.0).to_numpy()
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise DataError(f"{path.name}: line {row + first_line}: column {name}: "
                            f"{values[row]} is not a finite number")
        if numbers.too_large(values).any():
            row = int(np.flatnonzero(numbers.too_large(values))[0])
            raise DataError(f"{path.name}: line {row + first_line}: column {name}: "
                            f"{values[row]:g} is too large (beyond {numbers.MAX_MAGNITUDE:g})")
        total += values
    return total


def _check_unique_pairs(square: np.ndarray, ms: np.ndarray, path: Path) -> None:
    repeated = pd.DataFrame({"s": square, "t": ms}).duplicated(keep=False).to_numpy()
    if repeated.any():
        first = int(np.flatnonzero(repeated)[0])
        same = np.flatnonzero(repeated & (square == square[first]) & (ms == ms[first]))
        lines = ", ".join(str(row + 2) for row in same[:5])
        raise DataError(f"{path.name}: square {square[first]} at time_interval {ms[first]} "
                        f"is on lines {lines}; an aggregates file has one row per square "
                        "and slot")


def _unique_sorted(values: np.ndarray) -> np.ndarray:
    return np.sort(pc.unique(pa.array(values)).to_numpy())


def _sum_per_pair(square: np.ndarray, ms: np.ndarray, value: np.ndarray, where: str) -> _Pairs:
    """Sum the rows of each (square, slot) pair (over country codes)."""
    ids = _unique_sorted(square)
    t0 = int(ms.min())
    n_slots = _slot_count(t0, int(ms.max()), len(ids), where)
    key = (ms - t0) // SLOT_MS * len(ids) + np.searchsorted(ids, square)
    count = np.bincount(key, minlength=n_slots * len(ids))
    total = np.bincount(key, weights=value, minlength=n_slots * len(ids))
    present = np.flatnonzero(count)
    slot, column = np.divmod(present, len(ids))
    return _Pairs(ids[column], t0 + slot * SLOT_MS, total[present])


def _grid(pairs: _Pairs, squares: Squares, where: str) -> MilanGrid:
    """The complete slot x square grid from min to max slot; pairs must be unique."""
    chosen = _pick_squares(_unique_sorted(pairs.square), squares, where)
    t0, t1 = int(pairs.ms.min()), int(pairs.ms.max())
    n_slots = _slot_count(t0, t1, len(chosen), where)
    keep = np.isin(pairs.square, chosen)
    key = (pairs.ms[keep] - t0) // SLOT_MS * len(chosen) + np.searchsorted(
        chosen, pairs.square[keep])
    count = np.bincount(key, minlength=n_slots * len(chosen))
    if count.max() > 1:
        slot, column = divmod(int(np.argmax(count > 1)), len(chosen))
        raise DataError(f"{where}: square {chosen[column]} at {_local(t0 + slot * SLOT_MS)} "
                        "is in more than one file (overlapping days?)")
    shape = (n_slots, len(chosen))
    index = pd.date_range(_local(t0), periods=n_slots, freq=SLOT, name="time")
    columns = pd.Index(chosen, name="square_id")
    values = np.bincount(key, weights=pairs.value[keep], minlength=count.size)
    return MilanGrid(pd.DataFrame(values.reshape(shape), index=index, columns=columns),
                     pd.DataFrame((count == 0).reshape(shape), index=index, columns=columns))


def _pick_squares(known: np.ndarray, squares: Squares, where: str) -> np.ndarray:
    if squares is None:
        return known
    asked = [squares] if isinstance(squares, int | str) else list(squares)
    ids = {int(s) for s in asked if _parses(int, str(s))}
    unknown = [str(s) for s in asked if not _parses(int, str(s)) or int(s) not in known]
    if unknown:
        raise DataError(f"{where}: unknown square {', '.join(unknown)}; "
                        f"the data has {_describe_squares(known.tolist())}")
    return np.array(sorted(ids), dtype=np.int64)


def _slot_count(t0: int, t1: int, n_squares: int, where: str) -> int:
    n_slots = (t1 - t0) // SLOT_MS + 1
    if n_slots * n_squares > MAX_GRID_CELLS:
        raise DataError(f"{where}: column time_interval runs from {_local(t0)} to {_local(t1)}: "
                        f"{n_slots} slots x {n_squares} squares is too large a grid; "
                        "check the timestamps")
    return n_slots


def _local(ms: int) -> pd.Timestamp:
    return pd.Timestamp(ms, unit="ms", tz="UTC").tz_convert(TZ)

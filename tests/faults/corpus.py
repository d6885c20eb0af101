"""A corpus of bad input files, generated deterministically, and what the lab must say of each.

Each `BadFile` is one file as a user might bring it: empty, binary, the wrong format under a
.csv name, a gzip bomb, timestamps that are not a series, numbers that overflow, ... Its
`expect` is a regex the loader's message must match (`re.search`); the message must also name
the file. `expect=None` marks inputs that look wrong but must load (negative values, a CSV
named .parquet): refusing them would be the bug.

    from tests.faults.corpus import BAD_FILES
    path = BAD_FILES["empty"].write(tmp_path)

The gzip bomb decompresses to `BOMB_SIZE` bytes of valid-looking CSV; it is built by
compressing one chunk repeatedly (no gigabytes in memory), and tests lower the limit to
`BOMB_LIMIT` (`importance.data.files.MAX_DECOMPRESSED_BYTES`) so it stays fast.
"""

from __future__ import annotations

import codecs
import functools
import gzip
import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

BOMB_LIMIT = 16_000_000  # the decompression limit the tests set (16 MB: the embedded default
# dataset, 4 MB decompressed, still loads)
BOMB_SIZE = 64_000_000  # what the bomb decompresses to (64 MB; the file is about 64 KB)
HOURS = 14 * 24  # a good series: two weeks, hourly


@dataclass(frozen=True)
class BadFile:
    """One corpus file: its name, how to build its bytes and what the lab says of it."""

    name: str  # registry key
    filename: str
    build: Callable[[], bytes]
    expect: str | None  # regex of the message; None: it must load (and train)
    stage: str = "load"  # where it is refused: "load" (describe/load) or "preflight" (it
    # loads, and is shown, but a run on it is refused before training)

    def bytes(self) -> bytes:
        return _cached(self.name)

    def write(self, folder: Path) -> Path:
        path = Path(folder) / self.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.bytes())
        return path


# --- building blocks ---------------------------------------------------------------------------

def _times(n: int = HOURS, start: str = "2019-05-06", freq: str = "h") -> list[str]:
    return [f"{t:%Y-%m-%d %H:%M:%S}" for t in pd.date_range(start, periods=n, freq=freq)]


def _traffic(n: int = HOURS, seed: int = 1) -> np.ndarray:
    """Hourly traffic with a daily rhythm, in about [60, 900]."""
    hour = np.arange(n) % 24
    rng = np.random.default_rng(seed)
    return 500 * (0.6 - 0.4 * np.cos(2 * np.pi * (hour - 4) / 24)) * np.exp(
        rng.normal(0, 0.1, n))


def _csv(rows: list[str], header: str = "time,traffic") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _series_rows(values: list[str] | None = None, times: list[str] | None = None
                 ) -> list[str]:
    times = times or _times()
    values = values if values is not None else [f"{v:.2f}" for v in _traffic(len(times))]
    return [f"{t},{v}" for t, v in zip(times, values, strict=True)]


def _good() -> bytes:
    return _csv(_series_rows())


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _good_frame() -> pd.DataFrame:
    return pd.DataFrame({"time": pd.to_datetime(_times()), "traffic": _traffic()})


# --- the files ---------------------------------------------------------------------------------

def _garbage(nul: bool) -> bytes:
    rng = np.random.default_rng(4096)
    data = rng.integers(0 if nul else 0x80, 256, 8192, dtype=np.uint8).tobytes()
    return data


def _png() -> bytes:
    ihdr = b"IHDR" + (64).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    chunk = len(ihdr[4:]).to_bytes(4, "big") + ihdr + zlib.crc32(ihdr).to_bytes(4, "big")
    return b"\x89PNG\r\n\x1a\n" + chunk + bytes(range(256)) * 8


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("traffic.csv", date_time=(2019, 5, 6, 0, 0, 0)), _good())
    return buffer.getvalue()


def _xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Workbook" + bytes(1024)


def _mixed_delimiters() -> bytes:
    rows = _series_rows()
    mixed = [r.replace(",", ";") if i % 2 else r for i, r in enumerate(rows)]
    return _csv(mixed)


def _no_time() -> bytes:
    values = _traffic()
    return _csv([f"cell_{i % 7},{v:.2f}" for i, v in enumerate(values)], "cell,traffic")


def _all_nan() -> bytes:
    return _csv(_series_rows(["NaN" if i % 3 else "" for i in range(HOURS)]))


def _one_row() -> bytes:
    return _csv(_series_rows(["12.5"], _times(1)))


def _header_only() -> bytes:
    return _csv([])


def _huge() -> bytes:
    return _csv(_series_rows([f"{v:.6e}" for v in 1e305 * _traffic()]))


def _overflow() -> bytes:
    values = [f"{v:.2f}" for v in _traffic()]
    values[100] = "1e309"  # beyond float64: parses to inf
    return _csv(_series_rows(values))


def _duplicated_times() -> bytes:
    """Long format without its id column: every timestamp five times, different values."""
    times = _times(HOURS // 5)
    rng = np.random.default_rng(5)
    return _csv([f"{t},{rng.uniform(10, 900):.2f}" for t in times for _ in range(5)])


def _gz_bomb() -> bytes:
    """A gzip whose content is BOMB_SIZE bytes of CSV (one line repeated): ~1000:1."""
    header = b"time,traffic\n"
    line = b"2019-05-06 00:00:00,1\n"
    chunk = line * (1_000_000 // len(line))
    out = io.BytesIO()
    out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # gzip header, mtime 0
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc, size = zlib.crc32(header), len(header)
    out.write(deflate.compress(header))
    while size + len(chunk) <= BOMB_SIZE:
        out.write(deflate.compress(chunk))
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    out.write(deflate.flush())
    out.write(crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little"))
    return out.getvalue()


def _truncated_gzip() -> bytes:
    data = gzip.compress(_good(), mtime=0)
    return data[: len(data) // 2]


def _corrupt_parquet() -> bytes:
    data = bytearray(_parquet(_good_frame()))
    data[8:-8] = bytes(len(data) - 16)  # the magic bytes kept, everything between zeroed
    return bytes(data)


def _utf16_no_bom() -> bytes:
    return _good().decode().replace("traffic", "Débit").encode("utf-16-le")


def _mixed_encodings() -> bytes:
    """A UTF-8 export with Windows-1252 lines appended (two exports concatenated)."""
    rows = _series_rows()
    head = _csv(rows[:200], "time,Débit (Mo)")
    tail = ("\n".join(f"{r},é" for r in rows[200:]) + "\n").encode("cp1252")
    return head.replace(b"\n", b",remarque\n", 1).replace(b"\n2", b",\n2") + tail


def _year(start: str) -> bytes:
    """Hourly times from `start`, written with four-digit years (0001, 9999)."""
    times = pd.date_range(pd.Timestamp(start).as_unit("s"), periods=HOURS, freq="h")
    return _csv(_series_rows(times=[f"{t.year:04d}-{t:%m-%d %H:%M:%S}" for t in times]))


def _typo_year() -> bytes:
    """One timestamp typed 2091 instead of 2019 among hourly ones."""
    times = _times()
    times[150] = "2091" + times[150][4:]
    return _csv(_series_rows(times=times))


def _out_of_order() -> bytes:
    rng = np.random.default_rng(11)
    start = pd.Timestamp("2019-05-06")
    minutes = np.cumsum(rng.choice([7, 13, 60, 61, 95], HOURS))
    times = [f"{start + pd.Timedelta(minutes=int(m)):%Y-%m-%d %H:%M:%S}" for m in minutes]
    order = rng.permutation(HOURS)
    return _csv(_series_rows(times=[times[i] for i in order]))


def _one_column() -> bytes:
    return ("traffic\n" + "\n".join(f"{v:.2f}" for v in _traffic()) + "\n").encode()


def _time_only() -> bytes:
    return ("time\n" + "\n".join(_times()) + "\n").encode()


def _wide_line() -> bytes:
    rows = _series_rows()
    rows[40] = rows[40] + "," * 200_000  # one line of 200,001 fields
    return _csv(rows)


def _nul_bytes() -> bytes:
    data = bytearray(_good())
    middle = data.index(b"\n", len(data) // 2) + 5
    data[middle:middle + 3] = b"\x00\x00\x00"
    return bytes(data)


def _error_text() -> bytes:
    values = [f"{v:.2f}" for v in _traffic()]
    for i in range(30, HOURS, 37):
        values[i] = "error"
    return _csv(_series_rows(values))


def _negative() -> bytes:
    return _csv(_series_rows([f"{-v:.2f}" for v in _traffic()]))


def _same_time() -> bytes:
    return _csv(_series_rows(["12.5"] * 50, ["2019-05-06 00:00:00"] * 50))


def _unclosed_quote() -> bytes:
    rows = _series_rows()
    rows[10] = rows[10].replace(",", ',"')
    return _csv(rows)


def _bom_only() -> bytes:
    return codecs.BOM_UTF8 + b"\r\n\r\n"


def _milan_aggregates_text() -> bytes:
    rows = [f"5060,{1383260400000 + 600_000 * i},{v:.3f}" for i, v in enumerate(_traffic())]
    rows[77] = rows[77].rsplit(",", 1)[0] + ",lots"
    return _csv(rows, "square_id,time_interval,internet")


def _milan_raw_bomb() -> bytes:
    """A gzipped raw Milan day whose content grows past the limit (one slot repeated)."""
    line = b"5060\t1383260400000\t39\t0.1\t0.2\t0.3\t0.4\t5.5\n"
    chunk = line * (1_000_000 // len(line))
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip wrapper
    parts = [deflate.compress(chunk) for _ in range(BOMB_SIZE // len(chunk))]
    return b"".join([*parts, deflate.flush()])


def _negative_zero_mix() -> bytes:
    return _csv(_series_rows([f"{(-1) ** i * v:.2f}" for i, v in enumerate(_traffic())]))


def _epoch_overflow() -> bytes:
    """Timestamps as numbers far beyond epoch milliseconds (a counter, not a time)."""
    rows = [f"{10 ** 18 + i},{v:.2f}" for i, v in enumerate(_traffic())]
    return _csv(rows)


def _title_lines() -> bytes:
    """30 lines of report title before the header (more than a header search looks at)."""
    title = "\n".join(f"Report line {i}" for i in range(30))
    return title.encode() + b"\n" + _good()


F = r"[^\n]*"  # any text within the message


BAD_FILES: dict[str, BadFile] = {b.name: b for b in (
    BadFile("empty", "empty.csv", lambda: b"", r"^empty\.csv: the file is empty"),
    BadFile("whitespace", "blank.csv", lambda: b"  \n\t\n \r\n   ",
            r"^blank\.csv: the file is empty"),
    BadFile("bom_only", "bom_only.csv", _bom_only, r"^bom_only\.csv: the file is empty"),
    BadFile("garbage", "garbage.csv", functools.partial(_garbage, True),
            r"^garbage\.csv: not a text \(CSV/TSV\) or Parquet file"),
    BadFile("garbage_no_nul", "garbage_high.csv", functools.partial(_garbage, False),
            r"^garbage_high\.csv: not a text \(CSV/TSV\) or Parquet file"),
    BadFile("png", "cells.csv", _png, r"^cells\.csv: a PNG image, not a text file"),
    BadFile("zip", "export.csv", _zip, r"^export\.csv: an Excel workbook \(\.xlsx\) or another "
                                       r"zip archive, not a text file"),
    BadFile("xls", "kpis.csv", _xls, r"^kpis\.csv: an Excel 97-2003 workbook \(\.xls\), not a "
                                     r"text file; save the sheet as CSV"),
    BadFile("mixed_delimiters", "mixed.csv", _mixed_delimiters,
            r"^mixed\.csv: column 'time', line 3: '2019-05-06 01:00:00;\d+\.\d+' is not a "
            r"timestamp \(this line is semicolon-separated, the file comma-separated"),
    BadFile("no_time", "cells_only.csv", _no_time, r"^cells_only\.csv: no timestamp column"),
    BadFile("all_nan", "all_nan.csv", _all_nan,
            r"^all_nan\.csv: column 'traffic' has no values \(all empty or NaN\)"),
    BadFile("one_row", "one_row.csv", _one_row, r"^one_row\.csv: only 1 row; at least 10"),
    BadFile("header_only", "header_only.csv", _header_only,
            r"^header_only\.csv: no data rows \(columns: time, traffic\)"),
    BadFile("huge_numbers", "huge.csv", _huge,
            r"^huge\.csv, line 2: [\d.]+e\+307 in column 'traffic' is too large \(336 values "
            r"beyond 1e\+100"),
    BadFile("overflow", "overflow.csv", _overflow,
            r"^overflow\.csv, line 102: '1e309' in column 'traffic' is too large: it overflows"),
    BadFile("duplicated_times", "long_no_id.csv", _duplicated_times,
            r"^long_no_id\.csv: 335 of 335 rows share their timestamp"),
    BadFile("same_time", "same_time.csv", _same_time,
            r"^same_time\.csv: every row has the same timestamp"),
    BadFile("gz_bomb", "bomb.csv.gz", _gz_bomb,
            r"^bomb\.csv\.gz: decompresses to more than 16 MB"),
    BadFile("milan_bomb", "milan_day.txt.gz", _milan_raw_bomb,
            r"^milan_day\.txt\.gz: decompresses to more than 16 MB"),
    BadFile("truncated_gzip", "cut.csv.gz", _truncated_gzip,
            r"^cut\.csv\.gz: a truncated or corrupt gzip file"),
    BadFile("csv_named_parquet", "traffic.parquet", _good, None),
    BadFile("parquet_named_csv", "traffic_pq.csv", lambda: _parquet(_good_frame()), None),
    BadFile("corrupt_parquet", "broken.parquet", _corrupt_parquet,
            r"^broken\.parquet: unreadable Parquet file"),
    BadFile("utf16_no_bom", "utf16.csv", _utf16_no_bom, None),
    BadFile("mixed_encodings", "mixed_enc.csv", _mixed_encodings, None),
    BadFile("year_9999", "far_future.csv", functools.partial(_year, "9999-01-01"),
            r"^far_future\.csv, line 2: 9999-01-01 00:00:00 \(column 'time'\) is outside the "
            r"dates this lab handles \(1678-01-01 to 2261-12-31\)"),
    BadFile("year_1", "far_past.csv", functools.partial(_year, "0001-01-01"),
            r"^far_past\.csv, line 2: 0001-01-01 00:00:00 \(column 'time'\) is outside the "
            r"dates"),
    BadFile("typo_year", "typo_year.csv", _typo_year,
            r"^typo_year\.csv: 336 timestamps from 2019-05-06 00:00:00 to 2091-05-12 06:00:00 "
            r"at a 01:00:00 step would need 631,\d{3} filled points; the largest gap ends at "
            r"2091-05-12 06:00:00 \(typo_year\.csv, line 152\): a mistyped date\?"),
    BadFile("out_of_order", "irregular.csv", _out_of_order,
            r"^irregular\.csv: irregular timestamps"),
    BadFile("one_column", "values_only.csv", _one_column,
            r"^values_only\.csv: no timestamp column"),
    BadFile("time_only", "times_only.csv", _time_only,
            r"^times_only\.csv: no numeric value column"),
    BadFile("wide_line", "wide_line.csv", _wide_line,
            r"^wide_line\.csv: line 42: 200,002 fields where the header \(line 1\) has 2"),
    BadFile("nul_bytes", "nul.csv", _nul_bytes, r"^nul\.csv: NUL bytes at line \d+"),
    BadFile("error_text", "kpi_errors.csv", _error_text,
            r"^kpi_errors\.csv, line 32: 'error' in column 'traffic' is not a number "
            r"\(9 such cells"),
    BadFile("unclosed_quote", "quote.csv", _unclosed_quote,
            r"^quote\.csv: line 12: a quote"),
    BadFile("milan_text", "milan_agg.csv", _milan_aggregates_text,
            r"^milan_agg\.csv: line 79: column internet: 'lots' is not a number"),
    BadFile("epoch_overflow", "counter_time.csv", _epoch_overflow,
            r"^counter_time\.csv: column 'time', line 2: 1e\+18 is neither epoch seconds nor "
            r"milliseconds"),
    BadFile("too_short", "short.csv", lambda: _csv(_series_rows(times=_times(12),
                                                                 values=["5.5"] * 6 + ["7"] * 6)),
            r"^traffic \(short\.csv\) has 12 points \(12 h at a 1 h step\): too short for "
            r"lookback 12 steps", stage="preflight"),
    BadFile("constant", "dead_cell.csv", lambda: _csv(_series_rows(["0"] * HOURS)),
            r"^traffic \(dead_cell\.csv\): the series is constant \(every value is 0\)",
            stage="preflight"),
    BadFile("title_lines", "report.csv", _title_lines, None),
    BadFile("negative_only", "negative.csv", _negative, None),
    BadFile("alternating_sign", "signed.csv", _negative_zero_mix, None),
)}


@functools.cache
def _cached(name: str) -> bytes:
    return BAD_FILES[name].build()

"""File-level helpers shared by the readers: content sniffing, encoding and text access."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import IO

from importance.data.types import DataError

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
HEAD_BYTES = 64 * 1024
SPREADSHEET_MAGIC = {b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
                     b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte-order mark",
                  "utf-16": "UTF-16", "utf-16-le": "UTF-16 (little-endian, no byte-order mark)",
                  "utf-16-be": "UTF-16 (big-endian, no byte-order mark)",
                  "cp1252": "Windows-1252 (Latin-1)", "latin-1": "Latin-1 (ISO-8859-1)"}


def magic(path: Path, n: int = 4) -> bytes:
    """The first `n` bytes of the file (raises DataError if it does not exist)."""
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a file") from None


def is_gzip(path: Path) -> bool:
    return magic(path, 2) == GZIP_MAGIC


def is_parquet(path: Path) -> bool:
    return magic(path, 4) == PARQUET_MAGIC


def open_text(path: Path) -> IO[str]:
    """Open a UTF-8 text file, transparently decompressing gzip (detected by content)."""
    opener = gzip.open if is_gzip(path) else open
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="")


def head_bytes(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first `n` bytes of the content, gunzipped when gzip."""
    path = Path(path)
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as f:
            return f.read(n)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path.name}: unreadable ({exc})") from None


def detect_encoding(data: bytes, name: str) -> str:
    """The codec that reads `data`: byte-order marks first, UTF-16 by its zero bytes, UTF-8,
    else Windows-1252 / Latin-1 (which read any byte). DataError for binary files."""
    for start, what in SPREADSHEET_MAGIC.items():
        if data.startswith(start):
            raise DataError(f"{name}: {what}, not a text file; save the sheet as CSV "
                            "(File > Save as > CSV UTF-8) and use that")
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 4:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 3 * even:
            return "utf-16-le"
        if even > 3 * odd:
            return "utf-16-be"
    if b"\x00" in head:
        raise DataError(f"{name}: not a text (CSV/TSV) or Parquet file")
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(data) - 3 and len(data) == HEAD_BYTES:
                return encoding  # a character cut by the end of a head sample
            continue
        return encoding
    return "latin-1"


def first_line(path: Path) -> str:
    """The first non-blank line (without a BOM); DataError if the file is empty or binary."""
    path = Path(path)
    head = head_bytes(path)
    encoding = detect_encoding(head, path.name)
    if encoding.startswith("utf-16") and len(head) % 2:
        head = head[:-1]
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        if line.strip():
            return line
    raise DataError(f"{path.name}: the file is empty")

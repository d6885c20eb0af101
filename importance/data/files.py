"""File-level helpers shared by the readers: content sniffing and text access."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO

from importance.data.types import DataError

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
HEAD_BYTES = 64 * 1024


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
    """Open a text file, transparently decompressing gzip (detected by content)."""
    opener = gzip.open if is_gzip(path) else open
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="")


def first_line(path: Path) -> str:
    """The first non-blank line (without a BOM); DataError if the file is empty or binary."""
    path = Path(path)
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path.name}: unreadable ({exc})") from None
    if b"\x00" in head:
        raise DataError(f"{path.name}: not a text (CSV/TSV) or Parquet file")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        if line.strip():
            return line
    raise DataError(f"{path.name}: the file is empty")

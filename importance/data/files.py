"""File-level helpers shared by the readers: content sniffing, encoding and text access.

Gzip content is always read through `open_binary`, which counts the decompressed bytes and
refuses a file once they pass a limit, so a small gzip "bomb" (a few MB that expand to many
GB) is stopped before it fills memory: `MAX_DECOMPRESSED_BYTES` for the streaming readers
(Milan files, through pyarrow), and `max_text_bytes()` for the generic CSV/TSV reader, which
holds many times its text in memory.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import zlib
from pathlib import Path
from typing import IO, BinaryIO

from importance.data.types import DataError

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
HEAD_BYTES = 64 * 1024
# Decompressed gzip content is refused beyond this many bytes (Parquet data beyond it too). A
# raw Milan day is 265-359 MB decompressed and streams through pyarrow at about its own size
# in memory; the uploader takes 400 MB files. A bomb stops here.
MAX_DECOMPRESSED_BYTES = 2_000_000_000
# The generic CSV/TSV reader decodes the whole text and splits it into one string per cell:
# a 54 MB CSV (2 M rows) peaked at 1.4 GB, 26x. It reads at most TEXT_MEMORY_SHARE of the
# machine's memory / TEXT_MEMORY_FACTOR bytes of text (400 MB with 24 GB), within the above.
TEXT_MEMORY_FACTOR = 30
TEXT_MEMORY_SHARE = 0.5
FALLBACK_MEMORY = 8_000_000_000  # when the machine's memory cannot be read
READ_CHUNK = 1 << 20
SAVE_AS_CSV = "save the sheet as CSV (File > Save as > CSV UTF-8) and use that"
NOT_TABULAR = "use a CSV/TSV text export or a Parquet file"
RECOMPRESS = "decompress it, or compress it with gzip, which is read directly"
# Leading bytes of formats that are not text, what they are, and what to do instead.
FOREIGN_MAGIC = {
    b"PK\x03\x04": ("an Excel workbook (.xlsx) or another zip archive", SAVE_AS_CSV),
    b"\xd0\xcf\x11\xe0": ("an Excel 97-2003 workbook (.xls)", SAVE_AS_CSV),
    b"\x89PNG": ("a PNG image", NOT_TABULAR),
    b"\xff\xd8\xff": ("a JPEG image", NOT_TABULAR),
    b"GIF8": ("a GIF image", NOT_TABULAR),
    b"%PDF": ("a PDF document", NOT_TABULAR),
    b"SQLite format 3\x00": ("an SQLite database", NOT_TABULAR),
    b"ARROW1": ("an Arrow/Feather file", "save it as Parquet"),
    b"\x89HDF": ("an HDF5 file", NOT_TABULAR),
    b"BZh": ("a bzip2-compressed file", RECOMPRESS),
    b"\xfd7zXZ\x00": ("an xz-compressed file", RECOMPRESS),
    b"7z\xbc\xaf\x27\x1c": ("a 7-Zip archive", RECOMPRESS),
    b"\x28\xb5\x2f\xfd": ("a zstd-compressed file", RECOMPRESS),
}
CONTROL_SHARE = 0.01  # more control or NUL bytes than this (besides tab, CR, LF): not text
ASCII_SHARE = 0.7  # a single-byte-encoded export is mostly ASCII (digits, separators)
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f") + b"\x7f"
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte-order mark",
                  "utf-16": "UTF-16", "utf-16-le": "UTF-16 (little-endian, no byte-order mark)",
                  "utf-16-be": "UTF-16 (big-endian, no byte-order mark)",
                  "cp1252": "Windows-1252 (Latin-1)", "latin-1": "Latin-1 (ISO-8859-1)",
                  "utf-8+cp1252": "UTF-8 with some Windows-1252 (Latin-1) lines"}
# Two exports joined into one file may mix UTF-8 and Windows-1252: read as UTF-8, and the bytes
# that are not UTF-8 as Windows-1252 (Latin-1 where Windows-1252 leaves a byte undefined).
MIXED = "utf-8+cp1252"
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


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


def size_words(n: float) -> str:
    """Bytes in words: "2 GB", "1 MB", "1.5 MB" (decimal units)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def machine_memory() -> int:
    """Physical memory in bytes (FALLBACK_MEMORY where the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return FALLBACK_MEMORY


def max_text_bytes() -> int:
    """The most text the generic CSV/TSV reader takes (see TEXT_MEMORY_FACTOR)."""
    return int(min(MAX_DECOMPRESSED_BYTES,
                   machine_memory() * TEXT_MEMORY_SHARE / TEXT_MEMORY_FACTOR))


def _limit_words(limit: int) -> str:
    """Which limit `limit` is, in words."""
    if limit >= MAX_DECOMPRESSED_BYTES:
        return "the limit for gzip files here"
    return (f"the most this machine reads as CSV/TSV text (reading takes about "
            f"{TEXT_MEMORY_FACTOR} times the text in memory)")


class _LimitedGzip(io.RawIOBase):
    """Gzip content, read in chunks, refused (DataError) once it passes the limit."""

    def __init__(self, path: Path, limit: int):
        self._path, self._limit, self._seen = path, limit, 0
        self._file = gzip.open(path, "rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        try:
            n = self._file.readinto(view[:READ_CHUNK])
        except (OSError, EOFError, zlib.error) as exc:
            raise gzip_error(self._path, exc) from None
        self._seen += n
        if self._seen > self._limit:
            raise DataError(f"{self._path.name}: decompresses to more than "
                            f"{size_words(self._limit)}, {_limit_words(self._limit)}: a "
                            "compression bomb, or an export to split")
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def gzip_error(path: Path, exc: BaseException) -> DataError:
    return DataError(f"{path.name}: a truncated or corrupt gzip file ({exc}); compress the "
                     "export again, or use it uncompressed")


def open_binary(path: Path, limit: int | None = None) -> BinaryIO:
    """The file's content as a binary stream: gunzipped when gzip, and refused once more than
    `limit` bytes (default MAX_DECOMPRESSED_BYTES) come out."""
    path = Path(path)
    if is_gzip(path):
        limit = MAX_DECOMPRESSED_BYTES if limit is None else limit
        return io.BufferedReader(_LimitedGzip(path, limit), READ_CHUNK)
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def read_content(path: Path, limit: int | None = None) -> bytes:
    """The whole content, gunzipped when gzip; DataError when it is larger than `limit`
    (default MAX_DECOMPRESSED_BYTES, checked while decompressing)."""
    path = Path(path)
    magic(path)  # a clear error when it does not exist
    limit = MAX_DECOMPRESSED_BYTES if limit is None else limit
    try:
        if not is_gzip(path) and path.stat().st_size > limit:
            raise DataError(f"{path.name}: {size_words(path.stat().st_size)}, more than "
                            f"{size_words(limit)}, {_limit_words(limit)}: split the export, "
                            "or save it as Parquet")
        with open_binary(path, limit) as f:
            return f.read()
    except OSError as exc:
        raise DataError(f"{path.name}: unreadable ({exc})") from None


def open_text(path: Path) -> IO[str]:
    """Open a UTF-8 text file, transparently decompressing gzip (detected by content)."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="replace", newline="")


def head_bytes(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first `n` bytes of the content, gunzipped when gzip."""
    path = Path(path)
    magic(path)
    try:
        with open_binary(path) as f:
            return f.read(n)
    except OSError as exc:
        raise DataError(f"{path.name}: unreadable ({exc})") from None


def detect_encoding(data: bytes, name: str) -> str:
    """The codec that reads `data`: byte-order marks first, UTF-16 by its zero bytes, UTF-8,
    else Windows-1252 / Latin-1 (which read any byte). DataError for binary files.

    A few zero bytes in otherwise clean text are a damaged export: `dialect.decode` names
    their line."""
    for start, (what, fix) in FOREIGN_MAGIC.items():
        if data.startswith(start):
            raise DataError(f"{name}: {what}, not a text file; {fix}")
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
    if len(head.translate(None, _CONTROL)) < (1 - CONTROL_SHARE) * len(head):
        raise DataError(f"{name}: not a text (CSV/TSV) or Parquet file")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and len(data) == HEAD_BYTES:
            return "utf-8"  # a character cut by the end of a head sample
    high = len(head.translate(None, bytes(range(0x80))))
    if len(head) - high < ASCII_SHARE * len(head):
        raise DataError(f"{name}: not a text (CSV/TSV) or Parquet file")
    if _UTF8_MULTIBYTE.search(data):
        return MIXED
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _single_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decoding error handler: the bytes that are not UTF-8 read as Windows-1252."""
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error("importance-cp1252", _single_byte)


def decode_bytes(data: bytes, encoding: str, errors: str = "strict") -> str:
    """`data.decode(encoding)`, also for the mixed UTF-8 / Windows-1252 reading."""
    if encoding == MIXED:
        return data.decode("utf-8", errors="importance-cp1252")
    return data.decode(encoding, errors=errors)


def first_line(path: Path) -> str:
    """The first non-blank line (without a BOM); DataError if the file is empty or binary."""
    path = Path(path)
    head = head_bytes(path)
    encoding = detect_encoding(head, path.name)
    if encoding.startswith("utf-16") and len(head) % 2:
        head = head[:-1]
    text = decode_bytes(head, encoding, errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        if line.strip():
            return line
    raise DataError(f"{path.name}: the file is empty")

"""How a text export is written: encoding, delimiter, decimal mark and header line.

Operators' exports come as UTF-8 (with or without a byte-order mark), UTF-16 ("Unicode text"
from spreadsheets) or Windows-1252/Latin-1; comma-, semicolon-, tab- or pipe-separated; with a
decimal point or (European spreadsheets, `;`-separated) a decimal comma; sometimes with a few
title lines before the header. Everything here is detected from the content.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from importance.data import files
from importance.data.numbers import SPACES
from importance.data.types import DataError

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAMPLE_LINES = 200  # lines looked at to detect the delimiter and the decimal mark
MAX_PREAMBLE = 50  # title lines allowed before the header
# A number with a decimal comma or point and optional grouping of thousands.
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_DOT_DECIMAL = re.compile(r"[+-]?\d+\.\d+")
_COMMA_AFTER_DOT_GROUPS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+,\d+")
_DOT_AFTER_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(,\d{3})+\.\d+")


@dataclass(frozen=True)
class Dialect:
    """What was detected about a text file."""

    encoding: str  # Python codec name, e.g. "utf-8-sig"
    delimiter: str
    decimal: str  # "." or ","
    header_line: int  # 1-based line number of the header (> 1 when title lines precede it)

    def describe(self) -> str:
        """In words, e.g. "UTF-8 with byte-order mark, semicolon-separated, decimal comma"."""
        parts = [files.ENCODING_NAMES.get(self.encoding, self.encoding),
                 f"{DELIMITER_NAMES[self.delimiter]}-separated",
                 "decimal comma" if self.decimal == "," else "decimal point"]
        if self.header_line > 1:
            parts.append(f"header on line {self.header_line}")
        return ", ".join(parts)


def raw_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when gzip (detected by content), within the text limit
    (`files.max_text_bytes`)."""
    return files.read_content(path, files.max_text_bytes())


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) of a text file's bytes; DataError when it is not text."""
    encoding = files.detect_encoding(data, name)
    try:
        text = files.decode_bytes(data, encoding)
    except UnicodeDecodeError as exc:
        what = files.ENCODING_NAMES[encoding]
        raise DataError(f"{name}: not readable as {what} ({exc})") from None
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError(f"{name}: NUL bytes at line {line}: a text export has none, so the file "
                        "is damaged (an interrupted copy?); export it again")
    if not text.strip():
        raise DataError(f"{name}: the file is empty")
    return text, encoding


def sniff(text: str, encoding: str) -> Dialect:
    """Delimiter, header line and decimal mark of decoded CSV text."""
    lines = [line.rstrip("\r\n") for line in itertools.islice(io.StringIO(text, newline=""),
                                                                SAMPLE_LINES + MAX_PREAMBLE)]
    best: tuple[tuple, str, int] | None = None
    for delimiter in DELIMITERS:
        counts = [len(row) if any(c.strip() for c in row) else 0
                  for row in _rows(lines, delimiter)]
        filled = [c for c in counts if c]
        if not filled:
            continue
        width = Counter(filled).most_common(1)[0][0]
        header = next(i for i, c in enumerate(counts) if c == width)
        if header > MAX_PREAMBLE:
            continue
        rest = [c for c in counts[header:] if c]
        share = sum(c == width for c in rest) / len(rest)
        rank = (width > 1, share, -header, width)
        if best is None or rank > best[0]:
            best = (rank, delimiter, header)
    if best is None or not best[0][0]:
        delimiter, header = ",", _first_filled(lines)
    else:
        _, delimiter, header = best
    sample = lines[header + 1:]
    return Dialect(encoding, delimiter, _decimal(sample, delimiter), header + 1)


def _rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """The lines split into fields, up to the first that csv cannot read (a field beyond its
    size limit: pandas names the line when the whole file is read)."""
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        pass
    return rows


def _first_filled(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def _decimal(lines: list[str], delimiter: str) -> str:
    """"," when the cells vote for a decimal comma, else "." (thousands grouped with spaces
    or apostrophes are read without them: "1 234,5" votes for the comma)."""
    comma = dot = ambiguous_comma = 0
    for row in _rows(lines, delimiter):
        for cell in row:
            cell = SPACES.sub("", cell)
            if _COMMA_AFTER_DOT_GROUPS.fullmatch(cell):
                comma += 1
            elif _DOT_AFTER_COMMA_GROUPS.fullmatch(cell):
                dot += 1
            elif _COMMA_DECIMAL.fullmatch(cell):
                if len(cell.rsplit(",", 1)[1]) == 3:
                    ambiguous_comma += 1  # 12,500: twelve and a half, or 12500?
                else:
                    comma += 1
            elif _DOT_DECIMAL.fullmatch(cell) and len(cell.rsplit(".", 1)[1]) != 3:
                dot += 1
    if comma != dot:
        return "," if comma > dot else "."
    return "," if delimiter == ";" and ambiguous_comma else "."


def read_text(path: Path) -> tuple[str, Dialect]:
    """A text file's decoded content and its detected dialect."""
    text, encoding = decode(raw_bytes(path), path.name)
    return text, sniff(text, encoding)

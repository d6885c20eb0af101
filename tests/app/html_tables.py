"""Read back the tables a page draws whole as HTML (`ui.tables`) in an AppTest: one DataFrame
per table, a column of numbers as numbers ("1,234.5" -> 1234.5, "-" -> NaN)."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd

from ui.tables import MISSING


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _typed(column: pd.Series) -> pd.Series:
    """Numbers when every cell is one (or "-"), else the text as shown."""
    cleaned = column.str.replace(",", "").str.removesuffix(" s").replace(MISSING, None)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    return numbers if numbers.notna().sum() == cleaned.notna().sum() else column


def frames(body: str, typed: bool = True) -> list[pd.DataFrame]:
    """Every table in an HTML text, its first row as the header (`typed`: columns of
    numbers as numbers, else every cell as the text shown)."""
    parser = _Tables()
    parser.feed(body)
    out = [pd.DataFrame(rows[1:], columns=rows[0]) for rows in parser.tables if rows]
    return [f.apply(_typed) for f in out] if typed else out


def html_tables(at, typed: bool = True) -> list[pd.DataFrame]:
    """Every HTML table an AppTest's page drew (`ui.tables.show`), in page order."""
    return [f for element in at.get("html") for f in frames(element.proto.body, typed)]

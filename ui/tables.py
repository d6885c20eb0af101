"""Tables that must be read whole, drawn as HTML that wraps instead of st.dataframe's canvas
(which cuts a long run name or hides the right-hand columns on a laptop, where a browser test
cannot even see the cut): escaped cells, numbers right-aligned in tabular figures, column help
as the header's tooltip, the page's own font (nothing loaded from outside).

The caller orders the columns, key columns first, and formats what needs its own rule; other
numbers read as `importance.text.significant` writes them (4 significant digits)."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from importance import text

CSS = (
    "<style>"
    ".wrap-table{width:100%;border-collapse:collapse;font-size:0.875rem;line-height:1.35;"
    "margin:0 0 0.5rem;table-layout:auto}"
    ".wrap-table th,.wrap-table td{padding:0.25rem 0.5rem;text-align:left;vertical-align:top;"
    "white-space:normal;overflow-wrap:break-word;border-bottom:1px solid rgba(128,128,128,0.25)}"
    ".wrap-table th{font-weight:600;border-bottom:1px solid rgba(128,128,128,0.6)}"
    ".wrap-table th[title]{text-decoration:underline dotted rgba(128,128,128,0.8);cursor:help}"
    ".wrap-table td.num{white-space:nowrap}"  # a figure is never split; text wraps at spaces
    ".wrap-table .num{text-align:right;font-variant-numeric:tabular-nums}"
    "</style>")
MISSING = "-"

Format = str | Callable[[Any], str]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def cell_text(value: Any, fmt: Format | None = None) -> str:
    """One cell as text: `fmt` (a format string such as "{:+.1f}", or a function) when
    given, else whole numbers with thousands separators and other numbers to 4 significant
    digits; "-" when missing."""
    if _missing(value):
        return MISSING
    if fmt is not None:
        return fmt(value) if callable(fmt) else fmt.format(value)
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return text.significant(float(value), 4)
    return str(value)


def html_table(frame: pd.DataFrame, formats: Mapping[str, Format] | None = None,
               help: Mapping[str, str] | None = None,  # noqa: A002 - as Streamlit names it
               numeric: Collection[str] = ()) -> str:
    """`frame` as one escaped HTML table (no index) that wraps to its container's width:
    `formats` per column (`cell_text`), `help` per column as its header's tooltip; numeric
    columns (their dtype, or named in `numeric`) right-aligned."""
    formats, help = formats or {}, help or {}
    right = {c for c in frame.columns
             if c in numeric or (pd.api.types.is_numeric_dtype(frame[c])
                                 and not pd.api.types.is_bool_dtype(frame[c]))}

    def cls(c: Any) -> str:
        return " class='num'" if c in right else ""

    head = "".join(
        f"<th{cls(c)}" + (f" title='{html.escape(help[c], quote=True)}'" if c in help else "")
        + f">{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td{cls(c)}>{html.escape(cell_text(v, formats.get(c)))}</td>"
                         for c, v in zip(frame.columns, values, strict=True)) + "</tr>"
        for values in frame.itertuples(index=False, name=None))
    return (f"<table class='wrap-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def show(frame: pd.DataFrame, formats: Mapping[str, Format] | None = None,
         help: Mapping[str, str] | None = None,  # noqa: A002 - as Streamlit names it
         numeric: Collection[str] = (), where: Any = st) -> None:
    """Draw `frame` whole (`html_table`) in `where` (the page, a column, a container)."""
    where.html(CSS + html_table(frame, formats, help, numeric))

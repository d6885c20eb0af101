"""Numbers as exports write them: decimal point or comma, grouped thousands, missing markers.

Rules (documented in the README's "Your own data"):
- empty cells and the markers in `MISSING_MARKERS` (n/a, NULL, -, #N/A, inf, ...) are missing
  values: they are filled like gaps and counted;
- thousands may be grouped with the other mark ("1,234.5" / "1.234,5"), a space, a narrow or
  non-breaking space, or an apostrophe ("1'234.5");
- any other text in a value column is refused, naming the file, line, column and value;
- so are numbers beyond `MAX_MAGNITUDE` (1e309 overflows a 64-bit float to infinity);
- a column whose every number is written with the same unit after it ("812.5 MB") is read
  as those numbers, the unit kept for the axis label (`split_unit`); units that differ from
  row to row leave it text, refused naming the value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

MISSING_MARKERS = frozenset({
    "", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "missing", "-", "--", "?", ".",
    "#n/a", "#na", "#value!", "#div/0!", "#ref!", "#num!", "#null!", "#name?",
    "inf", "+inf", "-inf", "infinity", "-infinity",
})
# Larger values are refused: their squares and sums (standard deviations, scaling, MSE) would
# overflow float64; no KPI comes near (1e18 bytes is an exabyte).
MAX_MAGNITUDE = 1e100
SPACES = re.compile(r"[\s\u00a0\u202f']")  # thousands groups: spaces, NBSP, apostrophe
_NUMBER = {
    ".": re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?([eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)?(,\d*)?([eE][+-]?\d+)?"),
}


# a number, then a unit: letters (or %, °, µ) first, e.g. "812.5 MB", "12 %", "3,5 Mbit/s"
_WITH_UNIT = re.compile(r"\s*(?P<number>[+-]?\d(?:[\d.,'\u00a0\u202f]|\s(?=\d))*(?:[eE][+-]?\d+)?)"
                        r"\s*(?P<unit>[^\W\d_][^\s\d]*|%|°\S*)\s*")


def with_units(values: pd.Series) -> bool:
    """Whether every cell that is not missing is a number followed by a unit (any units)."""
    text = values.astype("string").fillna("")
    given = text[~is_missing(text)]
    return bool(len(given)) and bool(given.str.fullmatch(_WITH_UNIT.pattern).all())


def split_unit(values: pd.Series) -> tuple[pd.Series, str] | None:
    """(the numbers as text, their unit) when every cell that is not missing is a number
    followed by one and the same unit ("812.5 MB"); else None."""
    text = values.astype("string").fillna("")
    given = ~is_missing(text)
    if not given.any():
        return None
    parts = text[given].str.extract(f"^{_WITH_UNIT.pattern}$")
    units = parts["unit"].dropna().unique()
    if parts["number"].isna().any() or len(units) != 1:
        return None
    return text.where(~given, parts["number"].reindex(text.index)), str(units[0])


def is_missing(text: pd.Series) -> pd.Series:
    """Cells that are empty or a missing-value marker (case-insensitive)."""
    return text.str.strip().str.lower().isin(MISSING_MARKERS)


def parse_numbers(values: pd.Series, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """(float64 values with NaN for missing cells, bool mask of cells that are not numbers).

    Typed columns (Parquet) pass through; text cells are read with the file's decimal mark.
    """
    if is_bool_dtype(values):
        return np.full(len(values), np.nan), np.ones(len(values), dtype=bool)
    if is_numeric_dtype(values):
        out = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        out[~np.isfinite(out)] = np.nan
        return out, np.zeros(len(values), dtype=bool)
    codes, uniques = pd.factorize(values.astype("string").fillna(""), use_na_sentinel=False)
    out, bad = _parse_text(pd.Series(uniques, dtype="string"), decimal)
    return out[codes], bad[codes]


def _parse_text(text: pd.Series, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """`parse_numbers` for distinct text cells: plain numbers in one vectorised pass, the
    rest (grouped thousands, decimal commas, markers, junk) by pattern."""
    out = np.full(len(text), np.nan)
    plain = np.zeros(len(text), dtype=bool)
    if decimal == ".":
        fast = pd.to_numeric(text.str.strip(), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
        plain = np.isfinite(fast)
        out[plain] = fast[plain]
    rest = text[~plain]
    missing = np.zeros(len(text), dtype=bool)
    missing[~plain] = is_missing(rest).to_numpy()
    compact = rest.str.replace(SPACES, "", regex=True)
    shaped = np.ones(len(text), dtype=bool)
    shaped[~plain] = compact.str.fullmatch(_NUMBER[decimal]).fillna(False).to_numpy() & (
        compact.str.contains(r"\d", regex=True).fillna(False).to_numpy())
    group = "," if decimal == "." else "."
    cleaned = compact.str.replace(group, "", regex=False)
    if decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    ok = (shaped & ~missing)[~plain]
    parsed = pd.to_numeric(cleaned.where(ok, None), errors="coerce")
    out[~plain] = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    overflow = np.isinf(out)  # a number written beyond float64, e.g. 1e309
    out[~np.isfinite(out)] = np.nan
    return out, (~missing & ~shaped) | overflow


def problem(cell: object) -> str:
    """Why a cell that `parse_numbers` marks bad is refused, in words."""
    text = SPACES.sub("", str(cell))
    shaped = _NUMBER["."].fullmatch(text) or _NUMBER[","].fullmatch(text)
    if shaped and re.search(r"\d", text):
        return "is too large: it overflows a 64-bit number to infinity"
    if unit := _WITH_UNIT.fullmatch(str(cell)):
        return (f"is a number with a unit ({unit['unit']}), but the units differ from row to "
                "row in this column; write every value in one unit")
    return "is not a number"


def too_large(values: np.ndarray) -> np.ndarray:
    """Finite values beyond MAX_MAGNITUDE (NaN is not)."""
    with np.errstate(invalid="ignore"):
        return np.abs(values) > MAX_MAGNITUDE

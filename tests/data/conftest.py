"""Fixtures for the data-layer tests: the real Milan extracts (skipped when absent) and
tiny files written on the fly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from importance.data import synthetic

MILAN_REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "milan-real"
RAW_SAMPLE = "sms-call-internet-mi-2014-01-01_first10000rows.txt"
INTERNET_TOTAL = "sms-call-internet-mi-2013-11-01_internet_total.csv"
CHRISTMAS = dt.date(2013, 12, 25)


def _real(name: str) -> Path:
    path = MILAN_REAL / name
    if not path.is_file():
        pytest.skip(f"real Milan extract not available: {path}")
    return path


@pytest.fixture
def raw_sample() -> Path:
    """The first 10,000 raw rows of 2014-01-01 (24 squares x 144 slots)."""
    return _real(RAW_SAMPLE)


@pytest.fixture
def internet_total() -> Path:
    """Internet summed over country codes, 6 squares on 2013-11-01."""
    return _real(INTERNET_TOTAL)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to a file in tmp_path and return its path."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


@pytest.fixture(scope="session")
def raw_christmas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic raw day (25 Dec 2013, all default squares) in the real raw layout."""
    path = tmp_path_factory.mktemp("raw") / "sms-call-internet-mi-2013-12-25.txt"
    return synthetic.write_raw_day(path, CHRISTMAS)


@pytest.fixture(scope="session")
def default_frame() -> pd.DataFrame:
    """The embedded default in long format, as generated."""
    return synthetic.generate_default()

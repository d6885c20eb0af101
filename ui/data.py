"""The dataset: cached reads keyed by path + file time, and the sidebar's current choice."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from importance.config import DataConfig
from importance.data import DEFAULT_DATASET, DataError, LoadedSeries, SourceInfo, describe_source
from importance.data import load_series as _load_series


@dataclass(frozen=True)
class Dataset:
    """The dataset chosen in the sidebar."""

    config: DataConfig  # what a run will be trained on
    info: SourceInfo
    name: str  # file name, or "embedded default"


def _mtime(path: str | None) -> float:
    p = Path(path) if path else Path(str(DEFAULT_DATASET))
    return os.path.getmtime(p) if p.exists() else 0.0


@st.cache_data(show_spinner="Reading the file...", max_entries=16)
def _describe(path: str | None, mtime: float) -> tuple[SourceInfo | None, str | None]:
    try:
        return describe_source(path if path else DEFAULT_DATASET), None
    except (DataError, OSError, ValueError) as exc:  # a bad file: say why, never crash
        return None, str(exc)


def describe(path: str | None) -> tuple[SourceInfo | None, str | None]:
    """What a file offers, or (None, the reason it is unusable)."""
    return _describe(path, _mtime(path))


@st.cache_data(show_spinner="Loading the series...", max_entries=8)
def _load(path: str | None, series: str | None, column: str | None,
          mtime: float) -> tuple[LoadedSeries | None, str | None]:
    try:
        return _load_series(path, series=series, column=column), None
    except (DataError, OSError, ValueError) as exc:
        return None, str(exc)


def load(data: DataConfig) -> tuple[LoadedSeries | None, str | None]:
    """The series named by `data` (cached), or (None, the reason it cannot be loaded)."""
    return _load(data.path, data.series, data.column, _mtime(data.path))


@st.cache_data(show_spinner="Exploring the series...", max_entries=8)
def _explore(kind: str, path: str | None, series: str | None, column: str | None,
             mtime: float, arg: int | None) -> Any:
    from importance import explore  # statsmodels: seconds to import, so only when needed

    loaded, error = _load(path, series, column, mtime)
    if loaded is None:
        raise DataError(error or "cannot load the series")
    fn = getattr(explore, kind)
    return fn(loaded.values) if arg is None else fn(loaded.values, arg)


def explore(kind: str, data: DataConfig, arg: int | None = None) -> Any:
    """`importance.explore.<kind>(series[, arg])` for the series named by `data` (cached)."""
    return _explore(kind, data.path, data.series, data.column, _mtime(data.path), arg)


def variance_shares(parts: pd.DataFrame) -> pd.Series:
    """Each decomposition component's share of variance (`importance.explore`)."""
    from importance.explore import variance_shares as shares

    return shares(parts)


def series_tz(data: DataConfig) -> str | None:
    """The series' time zone name (for local-time charts); None when naive or unavailable."""
    loaded, _ = load(data)
    tz = getattr(loaded.values.index, "tz", None) if loaded is not None else None
    return str(tz) if tz is not None else None

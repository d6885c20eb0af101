"""The dataset: cached reads keyed by the data config + file times, and the sidebar's choice."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from importance.config import DataConfig
from importance.data import DataError, LoadedSeries, SourceInfo
from importance.data import describe as _describe_source
from importance.data import load as _load_series
from importance.data.cells import Cells, choose


@dataclass(frozen=True)
class Dataset:
    """The dataset chosen in the sidebar."""

    config: DataConfig  # what a run will be trained on
    info: SourceInfo
    name: str  # file name(s), or "embedded default"
    # Why nothing may be launched on it ("" when it may): the files asked for could not be
    # used, so this is the data in use before them, or the embedded default in their place
    blocked: str = ""


def _mtime(path: str | tuple[str, ...] | None) -> float:
    """The newest modification time of the file(s) (0 for the embedded default)."""
    paths = (path,) if isinstance(path, str) else path or ()
    return max((os.path.getmtime(p) for p in paths if os.path.exists(p)), default=0.0)


def _key(data: DataConfig) -> tuple:
    """The config as plain values (Streamlit's cache hashes these), plus the files' time."""
    return (*dataclasses.astuple(data), _mtime(data.path))


def _config(key: tuple) -> DataConfig:
    return DataConfig(*key[:-1])


@st.cache_data(show_spinner="Reading the file...", max_entries=16)
def _describe(key: tuple) -> tuple[SourceInfo | None, str | None]:
    try:
        return _describe_source(_config(key)), None
    except (DataError, OSError, ValueError) as exc:  # a bad file: say why, never crash
        return None, str(exc)


def describe(data: DataConfig) -> tuple[SourceInfo | None, str | None]:
    """What the source offers (series and column ignored), or (None, why it is unusable)."""
    return _describe(_key(dataclasses.replace(data, series=None, column=None, tz=None)))


@st.cache_data(show_spinner="Loading the series...", max_entries=8)
def _load(key: tuple) -> tuple[LoadedSeries | None, str | None]:
    try:
        return _load_series(_config(key)), None
    except (DataError, OSError, ValueError) as exc:
        return None, str(exc)


def load(data: DataConfig) -> tuple[LoadedSeries | None, str | None]:
    """The series named by `data` (cached), or (None, the reason it cannot be loaded)."""
    return _load(_key(data))


@st.cache_data(show_spinner="Reading every cell...", max_entries=16)
def _cells(key: tuple, text: str) -> tuple[Cells | None, str]:
    try:
        return choose(text, _config(key)), ""
    except (DataError, OSError, ValueError) as exc:
        return None, str(exc)


def cells(data: DataConfig, text: str) -> tuple[Cells | None, str]:
    """The cells of `data`'s file that `text` names (`importance.data.cells.choose`,
    cached), or (None, why none)."""
    return _cells(_key(dataclasses.replace(data, series=None)), text)


@st.cache_data(show_spinner="Exploring the series...", max_entries=8)
def _explore(kind: str, key: tuple, arg: int | None) -> Any:
    from importance import explore  # statsmodels: seconds to import, so only when needed

    loaded, error = _load(key)
    if loaded is None:
        raise DataError(error or "cannot load the series")
    fn = getattr(explore, kind)
    return fn(loaded.values) if arg is None else fn(loaded.values, arg)


def explore(kind: str, data: DataConfig, arg: int | None = None) -> Any:
    """`importance.explore.<kind>(series[, arg])` for the series named by `data` (cached)."""
    return _explore(kind, _key(data), arg)


def acf_lags(step: pd.Timedelta, n: int) -> int:
    """ACF/PACF lags worth showing at this step (`importance.explore.acf_lags`)."""
    from importance.explore import acf_lags as lags

    return lags(step, n)


def variance_shares(parts: pd.DataFrame) -> pd.Series:
    """Each decomposition component's share of variance (`importance.explore`)."""
    from importance.explore import variance_shares as shares

    return shares(parts)

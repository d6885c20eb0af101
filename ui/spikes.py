"""Spike thresholds of a run's series: the 95th percentile of its training targets, read off
the windows rebuilt from the run's data config (cached by config and the files' time)."""

from __future__ import annotations

import streamlit as st

from importance.config import DataConfig, WindowConfig
from ui.data import _mtime


@st.cache_data(show_spinner="Reading the training targets...", max_entries=16)
def _thresholds(data: DataConfig, window: WindowConfig,
                mtime: float) -> tuple[dict[str | None, float] | None, str | None]:
    from importance.experiment import prepare  # torch: only where it is needed
    from importance.metrics import spike_thresholds

    try:
        return spike_thresholds(prepare(data, window)), None
    except (OSError, ValueError) as exc:  # DataError is a ValueError: a file gone or changed
        return None, str(exc)


def thresholds(data: DataConfig,
               window: WindowConfig) -> tuple[dict[str | None, float] | None, str | None]:
    """{None: threshold} for one series, {series id: threshold} for several (each its own),
    or (None, why the run's data cannot be windowed any more)."""
    return _thresholds(data, window, _mtime(data.path))

"""Classical baselines on a run's test windows, fitted once per data + window config."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from importance.config import DataConfig, WindowConfig

INSTANT = ("seasonal_naive_daily", "seasonal_naive_weekly")  # no fitting: shown by default


@dataclass(frozen=True)
class ClassicalResult:
    name: str
    label: str
    predictions: np.ndarray  # (N_test, horizon), original units
    metrics: dict[str, float]  # mae, rmse, smape on the test windows
    fit_s: float
    predict_s: float


def models() -> list[str]:
    """Registered classical models (imports statsmodels: call only where they are shown)."""
    from importance.classical import CLASSICAL_MODELS

    return list(CLASSICAL_MODELS)


@st.cache_data(show_spinner="Fitting the classical model...", max_entries=32)
def forecast(name: str, data: DataConfig, window: WindowConfig) -> ClassicalResult:
    """Fit `name` on train + validation and forecast every test window (cached)."""
    from importance.classical import forecast_classical
    from importance.experiment import prepare
    from importance.metrics import forecast_metrics

    ws = prepare(data, window)
    fc = forecast_classical(name, ws)
    return ClassicalResult(name, fc.label, fc.predictions,
                           forecast_metrics(ws.actual("test"), fc.predictions),
                           fc.fit_s, fc.predict_s)

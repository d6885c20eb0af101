"""Classical baselines on a run's test windows, fitted once per data + window config."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from importance import classical_results
from importance.config import DataConfig, WindowConfig
from importance.grid import GridCountry
from ui import launch, runs

INSTANT = ("seasonal_naive_daily", "seasonal_naive_weekly")  # no fitting
# Fitted for every verdict, drawn by default: the cheap strong ones. Holt-Winters fits in ~3 s
# on the default data and was the best classical model there (importance.config); with the
# seasonal naive models alone a neural run "beat the best classical baseline" by 20.7% that
# Holt-Winters turned into 7.8-10.9% worse (issue 14).
DEFAULTS = (*INSTANT, "holt_winters")


# A panel's fits on the dashboard: a model whose first cell's fit, times the cells, would
# take longer than this is not fitted (said as why it cannot forecast)
PANEL_BUDGET_S = 30.0


@dataclass(frozen=True)
class ClassicalResult:
    name: str
    label: str
    predictions: np.ndarray  # (N_test, horizon), original units
    metrics: dict[str, float | None]  # mae, rmse, smape, mase on the test windows
    fit_s: float
    predict_s: float
    summary: dict  # as `importance compare --classical` records it: time and energy measured


def models() -> list[str]:
    """Registered classical models (imports statsmodels: call only where they are shown)."""
    from importance.classical import CLASSICAL_MODELS

    return list(CLASSICAL_MODELS)


@st.cache_resource(show_spinner=False)
def _fitted_names() -> dict[tuple[DataConfig, WindowConfig], list[str]]:
    """The classical models fitted on this server per data + window config, in fitting order
    (their results are in `forecast`'s cache)."""
    return {}


@st.cache_resource(show_spinner=False)
def _refusals() -> dict[tuple[str, DataConfig, WindowConfig], str]:
    """Why a model could not forecast a data + window config (not tried again)."""
    return {}


def forecast(name: str, data: DataConfig, window: WindowConfig) -> ClassicalResult:
    """Fit `name` on train + validation and forecast every test window (cached); ValueError
    when the model cannot forecast this series (remembered: not fitted again)."""
    refused = _refusals().get((name, data, window))
    if refused is not None:
        raise ValueError(refused)
    try:
        res = _forecast(name, data, window, launch.session_grid())
    except ValueError as exc:
        _refusals()[(name, data, window)] = str(exc)
        raise
    names = _fitted_names().setdefault((data, window), [])
    if name not in names:
        names.append(name)
        # stored beside the runs: the reports of its runs compare with it
        classical_results.save(runs.store().root, data, window, [res.summary])
    return res


def fitted(data: DataConfig, window: WindowConfig, drawn: Sequence[str] = ()
           ) -> tuple[list[ClassicalResult], dict[str, str]]:
    """Every classical model fitted for this data and window: `DEFAULTS` (fitted now when
    they were not yet), the `drawn` ones and any other fitted on this server before (cached,
    so instant), as (results, {name: why it cannot forecast this series})."""
    available = models()
    names = [m for m in DEFAULTS if m in available]
    for m in [*drawn, *_fitted_names().get((data, window), [])]:
        if m not in names:
            names.append(m)
    results, errors = [], {}
    for name in names:
        try:
            results.append(forecast(name, data, window))
        except ValueError as exc:
            errors[name] = str(exc)
    return results, errors


@st.cache_data(show_spinner="Fitting the classical model...", max_entries=32)
def _forecast(name: str, data: DataConfig, window: WindowConfig, grid: GridCountry
              ) -> ClassicalResult:
    """Fit `name` on train + validation and forecast every test window (cached), its time
    and energy measured as the command line measures them (`experiment.fit_classical`)."""
    from importance.energy import EnergyMeter
    from importance.experiment import fit_classical

    summary, pred = fit_classical(name, data, window, meter=EnergyMeter(grid.code, grid.source),
                                  budget_s=PANEL_BUDGET_S if data.is_panel else None)
    metrics = {"mae": summary["test_mae"], "rmse": summary["test_rmse"],
               "smape": summary["test_smape"], "mase": summary.get("test_mase")}
    return ClassicalResult(name, summary["label"], pred, metrics, summary["fit_s"],
                           summary["predict_s"], summary)

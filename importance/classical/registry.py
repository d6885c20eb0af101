"""The classical-baseline registry and the rolling-origin forecast over the test windows."""

from __future__ import annotations

import time
import warnings

import numpy as np

from importance.classical import fourier_arima, holt_winters, mstl_arima, naive, nixtla
from importance.classical.base import ClassicalForecast, ModelSpec, seasons_of
from importance.data.windows import WindowedSeries

# The models `--classical` fits: statsmodels' and statsforecast's (imported on first use).
CLASSICAL_MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("seasonal_naive_daily", naive.fit_daily, transformable=False),
    ModelSpec("seasonal_naive_weekly", naive.fit_weekly, transformable=False),
    ModelSpec("holt_winters", holt_winters.fit, transformable=True),
    ModelSpec("mstl_arima", mstl_arima.fit, transformable=True),
    ModelSpec("fourier_arima", fourier_arima.fit, transformable=True),
    ModelSpec("auto_ets", nixtla.fit_ets, transformable=True, library=nixtla.statsforecast),
    ModelSpec("auto_theta", nixtla.fit_theta, transformable=True,
              library=nixtla.statsforecast),
    ModelSpec("mstl_ets", nixtla.fit_mstl, transformable=True, library=nixtla.statsforecast),
)}
# Fitted only when named: AutoARIMA's order search took 55 s on 50 daily cells of 137 days
# (AutoTheta 0.4 s, MSTL + AutoETS 0.8 s, Holt-Winters 7.8 s), at a worse pooled MAE (34.5
# against 32.0-33.7), and 50-210 s on one series of 8 weeks hourly (season 24) here
# (benchmarks/bench_statsforecast.py).
ON_REQUEST_MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("auto_arima", nixtla.fit_arima, transformable=True,
              library=nixtla.statsforecast),
)}


def classical_spec(name: str) -> ModelSpec:
    """The registry entry of `name` (`CLASSICAL_MODELS` or `ON_REQUEST_MODELS`); a ValueError
    listing the names allowed."""
    known = CLASSICAL_MODELS | ON_REQUEST_MODELS
    if name not in known:
        raise ValueError(f"unknown classical model {name!r}; allowed: {', '.join(known)}")
    return known[name]


def load_library(name: str) -> None:
    """Import the library model `name` loads on first use (statsforecast ~2.5 s), so that a
    caller can keep the import out of the time and energy it measures around the fit."""
    library = classical_spec(name).library
    if library is not None:
        library()


def forecast_classical(name: str, ws: WindowedSeries) -> ClassicalForecast:
    """Fit model `name` (of `CLASSICAL_MODELS` or `ON_REQUEST_MODELS`) on train + val and
    forecast every test window of `ws`.

    Window i's forecast uses only the series before `ws.test.start[i]` (rolling origin, no
    refit). The model works on log1p values when `ws.config.log1p` (forecasts are transformed
    back), else on original values. Seasonal periods follow the sampling step (`seasons_of`);
    a model whose season the step does not define raises a ValueError. Warnings raised while
    fitting are recorded in `params["warnings"]` instead of leaking.
    """
    spec = classical_spec(name)
    values = ws.series.to_numpy(dtype=np.float64)
    fit_end, origins, horizon = ws.bounds[1], ws.test.start, ws.config.horizon
    if not np.isfinite(values).all():
        raise ValueError(f"series {ws.series.name!r} has non-finite values")
    history = values[:fit_end]
    if history.std() <= 0:
        raise ValueError(f"series {ws.series.name!r} is constant ({history[0]:g}) before the "
                         "test segment; classical models need variation to fit")
    seasons = seasons_of(ws.series.index, fitted=fit_end)  # yearly: from two fitted years
    log = ws.config.log1p and spec.transformable
    y = np.log1p(values) if log else values
    load_library(name)  # its import is not the fit's time
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        fitted = spec.fit(y[:fit_end], seasons)
        t1 = time.perf_counter()
        z = fitted.predict(y[:origins.max()], origins, horizon)  # nothing from the last target on
        t2 = time.perf_counter()
    pred = np.expm1(z) if log else z
    if not np.isfinite(pred).all():
        raise ValueError(f"{fitted.label} produced non-finite forecasts on series "
                         f"{ws.series.name!r}; the fit diverged")
    params = {**fitted.params, "space": "log1p" if log else "original", "fit_points": fit_end}
    if values.min() >= 0:  # traffic cannot be negative
        params["clipped_to_0"] = int((pred < 0).sum())
        pred = np.maximum(pred, 0.0)
    if caught:
        params["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    label = fitted.label + (" on log1p" if log else "")
    return ClassicalForecast(name, label, pred, t1 - t0, t2 - t1, params)

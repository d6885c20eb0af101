"""Classical baselines: shapes, alignment with the test windows, no look-ahead, accuracy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from importance.classical import CLASSICAL_MODELS, ClassicalForecast, forecast_classical
from importance.classical.base import seasons_of
from importance.classical.fourier_arima import FourierArima
from importance.classical.holt_winters import HoltWinters
from importance.classical.mstl_arima import MstlArima
from importance.config import WindowConfig
from importance.data.windows import WindowedSeries, make_windows
from importance.metrics import mae

NAMES = ("seasonal_naive_daily", "seasonal_naive_weekly", "holt_winters", "mstl_arima",
         "fourier_arima")  # statsmodels' (statsforecast's: test_statsforecast.py)
ALL = (*NAMES, "auto_ets", "auto_theta", "mstl_ets")
Windows = Callable[[int], WindowedSeries]
Forecast = Callable[[str, int], ClassicalForecast]
SeriesMaker = Callable[..., pd.Series]


def test_registry_names() -> None:
    assert tuple(CLASSICAL_MODELS) == ALL


def test_unknown_name_lists_allowed(windows: Windows) -> None:
    with pytest.raises(ValueError, match="unknown classical model 'sarimax'; allowed: "
                                         + ", ".join((*ALL, "auto_arima")) + "$"):
        forecast_classical("sarimax", windows(1))


@pytest.mark.parametrize("horizon", [1, 6])
@pytest.mark.parametrize("name", NAMES)
def test_shape_and_values(name: str, horizon: int, windows: Windows,
                          forecast: Forecast) -> None:
    ws, fc = windows(horizon), forecast(name, horizon)
    assert fc.name == name and fc.label
    assert fc.predictions.shape == (len(ws.test), horizon)
    assert np.isfinite(fc.predictions).all() and (fc.predictions > 0).all()
    assert fc.fit_s >= 0 and fc.predict_s >= 0
    assert fc.params["space"] in ("log1p", "original") and "warnings" not in fc.params


@pytest.mark.parametrize("horizon", [1, 6])
@pytest.mark.parametrize("name", NAMES)
def test_beats_flat_mean(name: str, horizon: int, windows: Windows, forecast: Forecast) -> None:
    ws = windows(horizon)
    actual = ws.actual("test")
    flat = np.full_like(actual, ws.series.to_numpy()[:ws.bounds[1]].mean())
    assert mae(actual, forecast(name, horizon).predictions) < 0.6 * mae(actual, flat)


@pytest.mark.parametrize("name", NAMES)
def test_aligned_with_test_windows(name: str, windows: Windows, forecast: Forecast) -> None:
    """One-step forecasts match their own window better than the next window's target."""
    actual, pred = windows(1).actual("test"), forecast(name, 1).predictions
    assert mae(actual, pred) < mae(actual[1:], pred[:-1])


@pytest.mark.parametrize("name", NAMES)
def test_no_look_ahead(name: str, windows: Windows, forecast: Forecast) -> None:
    """Changing the series from window i's origin on leaves windows 0..i unchanged."""
    ws = windows(6)
    i = len(ws.test) // 20  # early enough for the weekly naive to see the change later
    origin = int(ws.test.start[i])
    changed = ws.series.copy()
    changed.iloc[origin:] *= np.random.default_rng(1).uniform(0.5, 2.0, len(changed) - origin)
    other = forecast_classical(name, make_windows(changed, ws.config)).predictions
    before = forecast(name, 6).predictions
    np.testing.assert_allclose(other[:i + 1], before[:i + 1], rtol=1e-9)
    assert not np.allclose(other[i + 1:], before[i + 1:])


def _reference(fitted: HoltWinters | MstlArima | FourierArima, y: np.ndarray, origin: int,
               h: int) -> np.ndarray:
    """statsmodels' own forecast from the prefix y[:origin], with the fitted parameters."""
    ahead = origin + np.arange(h)
    if isinstance(fitted, HoltWinters):
        model = ExponentialSmoothing(y[:origin], trend="add", seasonal="add",
                                     seasonal_periods=fitted.period,
                                     initialization_method="known", **fitted.initial)
        return model.fit(**fitted.smoothing, optimized=False).forecast(h)
    later = np.arange(fitted.n_fit, origin)
    if isinstance(fitted, MstlArima):
        res = fitted.arima.append(y[later] - fitted.seasonal(later) - fitted.mean)
        return res.forecast(h) + fitted.mean + fitted.seasonal(ahead)
    res = fitted.arima.append(y[later] - fitted.regression(later))
    return res.forecast(h) + fitted.regression(ahead)


@pytest.mark.parametrize("name", ["holt_winters", "mstl_arima", "fourier_arima"])
def test_matches_statsmodels_forecast_from_each_origin(name: str, windows: Windows,
                                                       forecast: Forecast) -> None:
    """Row i equals statsmodels' forecast given only the series before window i's origin."""
    ws = windows(6)
    y = np.log1p(ws.series.to_numpy())
    fitted = CLASSICAL_MODELS[name].fit(y[:ws.bounds[1]], seasons_of(ws.series.index))
    pred = forecast(name, 6).predictions
    for i in (0, len(ws.test) // 2, len(ws.test) - 1):
        expected = np.expm1(_reference(fitted, y, int(ws.test.start[i]), 6))
        np.testing.assert_allclose(pred[i], expected, rtol=1e-8)


@pytest.mark.parametrize(("name", "weekly"), [("seasonal_naive_daily", False),
                                              ("seasonal_naive_weekly", True)])
def test_seasonal_naive_exact_on_periodic_series(name: str, weekly: bool,
                                                 periodic: SeriesMaker) -> None:
    ws = make_windows(periodic(weekly=weekly), WindowConfig(horizon=6))
    np.testing.assert_allclose(forecast_classical(name, ws).predictions, ws.actual("test"))


def test_constant_series_is_refused(telecom: SeriesMaker) -> None:
    flat = pd.Series(5.0, index=telecom(weeks=3).index, name="flat")
    with pytest.raises(ValueError, match="'flat' is constant"):
        forecast_classical("holt_winters", make_windows(flat, WindowConfig()))


@pytest.mark.parametrize("name", ["seasonal_naive_weekly", "mstl_arima", "fourier_arima"])
def test_weekly_models_need_enough_history(name: str, telecom: SeriesMaker) -> None:
    ws = make_windows(telecom().iloc[:7 * 144], WindowConfig())
    with pytest.raises(ValueError, match="needs at least .* points before the test segment"):
        forecast_classical(name, ws)


def test_original_space_when_log1p_is_off(telecom: SeriesMaker) -> None:
    ws = make_windows(telecom(weeks=3), WindowConfig(log1p=False))
    fc = forecast_classical("holt_winters", ws)
    assert fc.params["space"] == "original" and "log1p" not in fc.label
    assert fc.predictions.shape == (len(ws.test), 1)

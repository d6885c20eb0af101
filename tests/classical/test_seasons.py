"""Classical baselines at other sampling steps: 2-minute, hourly, daily, and steps that define
no season. Seasonal periods (and the history each model needs) follow the step."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pytest

from importance.classical import CLASSICAL_MODELS, ClassicalForecast, forecast_classical
from importance.config import WindowConfig
from importance.data.windows import WindowedSeries, make_windows
from importance.metrics import mae

# (step, points, window config): 8 weeks hourly, 1 year daily, 3 years daily (yearly season)
CASES = {
    "hourly": ("1h", 8 * 168, WindowConfig(horizon=6)),
    "daily": ("1D", 365, WindowConfig(lookback=28, horizon=7)),
    "daily_3y": ("1D", 3 * 365, WindowConfig(lookback=28, horizon=7)),
}
DAILY_ON_DAILY = ("a daily season needs a sub-daily step that divides one day; this series has "
                  "a 1-day step")
Windows = Callable[[str], WindowedSeries]
Forecast = Callable[[str, str], ClassicalForecast]
SeriesMaker = Callable[..., pd.Series]


@pytest.fixture(scope="module")
def windows(weekly: SeriesMaker) -> Windows:
    """Windowed `weekly_series` for a CASES key."""
    def make(case: str) -> WindowedSeries:
        freq, n, cfg = CASES[case]
        return make_windows(weekly(freq, n), cfg)
    return cache(make)


@pytest.fixture(scope="module")
def forecast(windows: Windows) -> Forecast:
    """Forecasts of (model, case), computed once."""
    return cache(lambda name, case: forecast_classical(name, windows(case)))


@pytest.mark.parametrize("name", CLASSICAL_MODELS)
@pytest.mark.parametrize("case", ["hourly", "daily"])
def test_every_model_forecasts_or_explains(name: str, case: str, windows: Windows,
                                           forecast: Forecast) -> None:
    ws = windows(case)
    if (name, case) == ("seasonal_naive_daily", "daily"):
        with pytest.raises(ValueError, match=f"^{DAILY_ON_DAILY}$"):
            forecast(name, case)
        return
    fc = forecast(name, case)
    assert fc.predictions.shape == (len(ws.test), ws.config.horizon)
    assert np.isfinite(fc.predictions).all() and (fc.predictions > 0).all()


@pytest.mark.parametrize("name", ["seasonal_naive_weekly", "holt_winters", "mstl_arima",
                                  "fourier_arima"])
def test_weekly_models_beat_flat_mean_on_daily_data(name: str, windows: Windows,
                                                    forecast: Forecast) -> None:
    """Weekends at half the weekday level: a weekly season must be caught."""
    ws = windows("daily")
    actual = ws.actual("test")
    flat = np.full_like(actual, ws.series.to_numpy()[:ws.bounds[1]].mean())
    assert mae(actual, forecast(name, "daily").predictions) < 0.5 * mae(actual, flat)


@pytest.mark.parametrize(("name", "label", "periods"), [
    ("seasonal_naive_weekly", "Seasonal naive (weekly = 7 steps)", {"lag": 7}),
    ("holt_winters", "Holt-Winters (additive, weekly = 7 steps) on log1p",
     {"season": "weekly", "period": 7}),
    ("mstl_arima", "MSTL (weekly = 7 steps) + ARIMA(2, 0, 1) on log1p",
     {"periods": {"weekly": 7}}),
    ("fourier_arima", "Fourier (weekly = 7 steps, K=3) + ARIMA(2, 0, 1) errors on log1p",
     {"periods": {"weekly": 7}, "weekly_K": 3}),
])
def test_labels_name_the_periods_used(name: str, label: str, periods: dict[str, object],
                                      forecast: Forecast) -> None:
    fc = forecast(name, "daily")
    assert fc.label == label and periods.items() <= fc.params.items()


@pytest.mark.parametrize("name", ["mstl_arima", "fourier_arima"])
def test_yearly_season_from_two_fitted_years(name: str, windows: Windows,
                                             forecast: Forecast) -> None:
    ws = windows("daily_3y")
    fc = forecast(name, "daily_3y")
    assert fc.params["periods"] == {"weekly": 7, "yearly": 365} and "yearly = 365" in fc.label
    assert fc.predictions.shape == (len(ws.test), 7) and np.isfinite(fc.predictions).all()


@pytest.mark.parametrize(("name", "need"), [("holt_winters", 16), ("mstl_arima", 15),
                                            ("fourier_arima", 14)])
def test_minimum_history_follows_the_weekly_period(name: str, need: int,
                                                    weekly: SeriesMaker) -> None:
    """Daily data: the minimums count weeks of 7 steps (Holt-Winters: statsmodels' 10 + 2 x 3)."""
    cfg = WindowConfig(lookback=1, horizon=1, train_frac=0.6, val_frac=0.2)
    ok = make_windows(weekly("1D", round(need / 0.8) + 1), cfg)
    assert np.isfinite(forecast_classical(name, ok).predictions).all()
    short = make_windows(weekly("1D", round((need - 1) / 0.8)), cfg)
    assert short.bounds[1] == need - 1
    with pytest.raises(ValueError, match=f"needs at least {need} points before the test segment; "
                                         f"the series has {need - 1}"):
        forecast_classical(name, short)


@pytest.mark.parametrize("name", CLASSICAL_MODELS)
@pytest.mark.parametrize(("freq", "words"), [("7D", "1-week"), ("7min", "7-minute")])
def test_steps_without_seasons_are_refused(name: str, freq: str, words: str,
                                           weekly: SeriesMaker) -> None:
    ws = make_windows(weekly(freq, 200), WindowConfig(lookback=8))
    season = {"seasonal_naive_daily": "daily", "seasonal_naive_weekly": "weekly"}.get(name)
    message = (f"a {season} season needs .*; this series has a {words} step" if season
               else f"needs a seasonal period, but a {words} step defines none")
    with pytest.raises(ValueError, match=message):
        forecast_classical(name, ws)


def test_two_minute_seasonal_naive(weekly: SeriesMaker) -> None:
    """4 days at 2 minutes: the daily naive repeats yesterday; a week is not there yet."""
    ws = make_windows(weekly("2min", 4 * 720), WindowConfig(horizon=6))
    fc = forecast_classical("seasonal_naive_daily", ws)
    assert fc.label == "Seasonal naive (daily = 720 steps)"
    source = ws.test.start[:, None] + np.arange(6) - 720
    np.testing.assert_array_equal(fc.predictions, ws.series.to_numpy()[source])
    with pytest.raises(ValueError, match="seasonal naive \\(weekly\\) needs at least 5040 points"):
        forecast_classical("seasonal_naive_weekly", ws)


@pytest.mark.parametrize("name", ["seasonal_naive_weekly", "holt_winters"])
def test_naive_index_forecasts_like_an_aware_one(name: str, forecast: Forecast,
                                                  weekly: SeriesMaker) -> None:
    """Daily data at local midnight (23 h and 25 h days in the aware index) or without a zone."""
    freq, n, cfg = CASES["daily"]
    naive = make_windows(weekly(freq, n, tz=None), cfg)
    assert naive.series.index.tz is None
    np.testing.assert_array_equal(forecast_classical(name, naive).predictions,
                                  forecast(name, "daily").predictions)


def test_weekly_naive_exact_on_periodic_daily_series() -> None:
    index = pd.date_range("2014-01-06", periods=140, freq="D")
    series = pd.Series(100.0 * (1 + index.day_of_week.to_numpy()), index=index, name="periodic")
    ws = make_windows(series, WindowConfig(lookback=14, horizon=7))
    np.testing.assert_allclose(forecast_classical("seasonal_naive_weekly", ws).predictions,
                               ws.actual("test"))

"""Building blocks: seasonal periods from the index, rolling Kalman forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.arima.model import ARIMA

from importance.classical.base import Seasons, seasons_of
from importance.classical.statespace import rolling_forecasts


@pytest.mark.parametrize(("freq", "day"), [("10min", 144), ("15min", 96), ("1h", 24)])
def test_seasons_from_frequency(freq: str, day: int) -> None:
    index = pd.date_range("2013-11-01", periods=50, freq=freq, tz="Europe/Rome")
    assert seasons_of(index) == Seasons(day=day, week=7 * day)


def test_seasons_refuse_bad_index() -> None:
    with pytest.raises(ValueError, match="does not divide one day"):
        seasons_of(pd.date_range("2013-11-01", periods=50, freq="7min"))
    irregular = pd.DatetimeIndex(["2013-11-01 00:00", "2013-11-01 00:10", "2013-11-01 00:30"])
    with pytest.raises(ValueError, match="irregular"):
        seasons_of(irregular)


def test_rolling_forecasts_match_dynamic_predictions() -> None:
    rng = np.random.default_rng(0)
    y = np.zeros(600)
    for t in range(2, len(y)):
        y[t] = 0.6 * y[t - 1] + 0.2 * y[t - 2] + rng.normal()
    fitted = ARIMA(y[:400], order=(2, 0, 1), trend="n").fit(method="innovations_mle")
    full = fitted.append(y[400:])
    origins = np.array([400, 450, 595])
    out = rolling_forecasts(full, origins, 5)
    for row, o in zip(out, origins, strict=True):
        expected = full.get_prediction(start=o, end=o + 4, dynamic=True).predicted_mean
        np.testing.assert_allclose(row, expected)

"""Building blocks: sampling step and seasonal periods from the index, rolling Kalman
forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.arima.model import ARIMA

from importance.classical.base import Seasons, sampling_step, seasons_of, step_words
from importance.classical.statespace import rolling_forecasts


@pytest.mark.parametrize(("freq", "day"), [("10min", 144), ("15min", 96), ("1h", 24)])
def test_seasons_from_frequency(freq: str, day: int) -> None:
    index = pd.date_range("2013-11-01", periods=50, freq=freq, tz="Europe/Rome")
    assert seasons_of(index) == Seasons(step=pd.Timedelta(freq), day=day, week=7 * day)


@pytest.mark.parametrize("tz", ["Europe/Rome", None])
@pytest.mark.parametrize(("freq", "n", "periods"), [
    ("2min", 2880, (("daily", 720), ("weekly", 5040))),
    ("1h", 1344, (("daily", 24), ("weekly", 168))),
    ("12h", 100, (("daily", 2), ("weekly", 14))),
    ("1D", 365, (("weekly", 7),)),
    ("1D", 730, (("weekly", 7),)),  # spans 729 days: less than two years
    ("1D", 731, (("weekly", 7), ("yearly", 365))),
    ("2D", 1000, ()),
    ("7D", 200, ()),
    ("7min", 2000, ()),
])
def test_seasons_follow_the_step(freq: str, n: int, periods: tuple[tuple[str, int], ...],
                                 tz: str | None) -> None:
    """Aware daily indexes (23 h and 25 h days at DST changes) read like naive ones."""
    seasons = seasons_of(pd.date_range("2013-03-01", periods=n, freq=freq, tz=tz))
    assert seasons.step == pd.Timedelta(freq) and seasons.periods == periods


def test_yearly_season_needs_two_fitted_years() -> None:
    index = pd.date_range("2013-11-04", periods=3 * 365, freq="D")
    assert seasons_of(index).year == seasons_of(index, fitted=731).year == 365
    assert seasons_of(index, fitted=730).year is None


def test_missing_seasons_name_the_step() -> None:
    daily = seasons_of(pd.date_range("2013-11-01", periods=50, freq="D"))
    assert daily.period("weekly") == 7
    with pytest.raises(ValueError, match="^a daily season needs a sub-daily step that divides "
                                         "one day; this series has a 1-day step$"):
        daily.period("daily")
    weekly = seasons_of(pd.date_range("2013-11-01", periods=50, freq="7D"))
    with pytest.raises(ValueError, match="a weekly season needs a step that divides one day; "
                                         "this series has a 1-week step"):
        weekly.period("weekly")
    with pytest.raises(ValueError, match="^Holt-Winters needs a seasonal period, but a 1-week "
                                         "step defines none"):
        weekly.seasonal("Holt-Winters")


@pytest.mark.parametrize(("step", "words"), [("2min", "2-minute"), ("10min", "10-minute"),
                                             ("90min", "90-minute"), ("1h", "1-hour"),
                                             ("1D", "1-day"), ("7D", "1-week"),
                                             ("30s", "30-second")])
def test_step_words(step: str, words: str) -> None:
    assert step_words(pd.Timedelta(step)) == words


def test_sampling_step_reads_aware_days_on_the_wall_clock() -> None:
    days = pd.date_range("2013-03-25", periods=20, freq="D", tz="Europe/Rome")  # DST on 31 Mar
    assert len(pd.unique(days[1:] - days[:-1])) == 2
    assert sampling_step(days) == pd.Timedelta(days=1)
    hours = pd.date_range("2013-03-30", periods=72, freq="h", tz="Europe/Rome")
    assert sampling_step(hours) == pd.Timedelta(hours=1)


def test_seasons_refuse_bad_index() -> None:
    irregular = pd.DatetimeIndex(["2013-11-01 00:00", "2013-11-01 00:10", "2013-11-01 00:30"])
    with pytest.raises(ValueError, match="irregular"):
        seasons_of(irregular)
    with pytest.raises(ValueError, match="irregular"):
        seasons_of(pd.DatetimeIndex(["2013-11-02", "2013-11-01"]))
    with pytest.raises(ValueError, match="at least two timestamps"):
        seasons_of(pd.DatetimeIndex(["2013-11-01"]))


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

"""Window sizes that follow the series' step, and the too-short refusal with its numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from importance.config import WindowConfig
from importance.data.steps import (
    check_fits,
    default_lookback,
    largest_lookback,
    points_needed,
    steps_words,
    suggest_window,
)
from importance.data.windows import calendar_features, make_windows


@pytest.mark.parametrize(("step", "lookback", "words"), [
    ("2min", 180, "180 steps = 6 h"),
    ("5min", 72, "72 steps = 6 h"),
    ("10min", 144, "144 steps = 1 day"),
    ("15min", 96, "96 steps = 1 day"),
    ("1h", 168, "168 steps = 1 week"),
    ("1D", 28, "28 steps = 4 weeks"),
    ("1min", 360, "360 steps = 6 h"),
    ("10s", 720, "720 steps = 2 h"),
])
def test_default_lookback_covers_a_cycle_of_the_step(step, lookback, words):
    td = pd.Timedelta(step)
    assert default_lookback(td) == lookback
    assert steps_words(lookback, td) == words


def _series(n: int, step: str, offset: float = 10.0) -> pd.Series:
    idx = pd.date_range("2017-06-01", periods=n, freq=step, name="time")
    return pd.Series(offset + np.sin(np.arange(n) / 5.0), index=idx, name="load")


def test_suggestion_shortens_the_lookback_for_a_short_series():
    week = _series(167, "h")  # one week of hourly data per base station
    choice = suggest_window(week, pd.Timedelta("1h"))
    assert choice.config.lookback == largest_lookback(167, WindowConfig()) == 24
    assert "shortened to 24 steps = 1 day" in choice.reasons[1]
    make_windows(week, choice.config)  # it really fits


def test_suggestion_turns_log1p_off_for_negative_values():
    choice = suggest_window(_series(2000, "h", offset=-0.5), pd.Timedelta("1h"))
    assert choice.config.log1p is False and "negative" in choice.reasons[-1]
    assert suggest_window(_series(2000, "h"), pd.Timedelta("1h")).config.log1p is True


def test_too_short_is_refused_with_counts_and_the_largest_lookback_that_fits():
    cfg = WindowConfig(lookback=144, horizon=1)
    with pytest.raises(ValueError, match=r"load' has 167 points \(6\.96 days at a 1 h step\): "
                                         r"too short for lookback 144 steps = 6 days and horizon "
                                         r"1, which need at least 966 points .*70/15/15%.* the "
                                         r"largest lookback that fits is 24 steps = 1 day"):
        make_windows(_series(167, "h"), cfg)
    assert largest_lookback(points_needed(cfg), cfg) >= 144 > largest_lookback(
        points_needed(cfg) - 1, cfg)


def test_nothing_fits_says_how_many_points_are_needed():
    with pytest.raises(ValueError, match=r"has 12 points.*even a lookback of 1 step does not "
                                         r"fit: a horizon of 3 needs at least \d+ points"):
        check_fits(12, WindowConfig(lookback=5, horizon=3), pd.Timedelta("1D"))


@pytest.mark.parametrize(("step", "names"), [
    ("10min", ("hour_sin", "hour_cos", "dow_sin", "dow_cos")),
    ("1D", ("dow_sin", "dow_cos")),
    ("7D", ()),
])
def test_calendar_features_follow_the_step(step, names):
    idx = pd.date_range("2021-03-20", periods=2016, freq=step)
    features, found = calendar_features(idx)
    assert found == names and features.shape == (2016, len(names))
    if names:
        assert features.std(axis=0).min() > 0.3  # every kept feature varies


def test_daily_calendar_features_ignore_dst_lengths():
    idx = pd.date_range("2021-03-20", periods=20, freq="D", tz="Europe/Rome")  # 23-hour day
    _, found = calendar_features(idx)
    assert found == ("dow_sin", "dow_cos")

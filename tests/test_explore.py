"""Exploratory views: shapes, labels and the obvious facts about simple series."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from importance.explore import (
    WEEKDAYS,
    acf_lags,
    acf_pacf,
    calendar_heatmap,
    decompose,
    summary_stats,
    variance_shares,
    weekday_profile,
)


def daily_series(days: int = 21, seed: int = 0) -> pd.Series:
    """10-minute series: a daily sine plus a little noise, Europe/Rome clock."""
    index = pd.date_range("2013-11-04", periods=days * 144, freq="10min", tz="Europe/Rome")
    t = np.arange(len(index))
    noise = np.random.default_rng(seed).normal(0.0, 2.0, len(index))
    return pd.Series(100 + 50 * np.sin(2 * np.pi * t / 144) + noise, index=index, name="daily")


def daily_data(days: int = 364, tz: str | None = "Europe/Rome", seed: int = 0) -> pd.Series:
    """One point per day at midnight: weekday level (weekends at half) plus a little noise."""
    index = pd.date_range("2013-11-04", periods=days, freq="D", tz=tz)
    level = np.array([100.0, 105, 110, 105, 100, 55, 45])[index.day_of_week.to_numpy()]
    noise = np.random.default_rng(seed).normal(0.0, 2.0, days)
    return pd.Series(level + noise, index=index, name="per-day")


def test_decompose_components_add_up() -> None:
    s = daily_series()
    d = decompose(s)
    assert list(d.columns) == ["observed", "trend", "daily", "weekly", "remainder"]
    assert d.index.equals(s.index) and d.attrs["periods"] == {"daily": 144, "weekly": 1008}
    np.testing.assert_allclose(d.drop(columns="observed").sum(axis=1), s.to_numpy())


def test_daily_component_dominates_a_daily_series() -> None:
    shares = variance_shares(decompose(daily_series()))
    assert shares.sum() == pytest.approx(1.0)
    assert shares["daily"] > 0.9 and shares.idxmax() == "daily"


def test_decompose_short_series_drops_weekly() -> None:
    d = decompose(daily_series(days=10))
    assert "weekly" not in d.columns and "weekly" in d.attrs["note"]
    assert d.attrs["periods"] == {"daily": 144}
    with pytest.raises(ValueError, match="at least two days"):
        decompose(daily_series(days=1))


def test_acf_pacf() -> None:
    out = acf_pacf(daily_series(), nlags=300)
    assert list(out.columns) == ["lag", "acf", "pacf", "acf_ci", "pacf_ci"]
    assert len(out) == 301 and out["lag"].tolist() == list(range(301))
    assert out.loc[0, "acf"] == pytest.approx(1.0) and out.loc[1, "acf"] > 0.95
    assert out.loc[144, "acf"] > 0.9 and out.loc[72, "acf"] < -0.9
    assert (out["pacf"].abs() <= 1).all() and (out["acf_ci"].iloc[1:] > 0).all()
    assert out["pacf_ci"].iloc[1] == pytest.approx(1.96 / np.sqrt(21 * 144), rel=1e-3)
    with pytest.raises(ValueError, match="nlags must be between 1 and"):
        acf_pacf(daily_series(days=2), nlags=200)


def test_weekday_profile() -> None:
    s = daily_series()
    out = weekday_profile(s)
    assert out.shape == (144, 7) and tuple(out.columns) == WEEKDAYS
    assert out.index[0] == "00:00" and out.index[-1] == "23:50"
    tuesdays_noon = s[(s.index.day_of_week == 1) & (s.index.hour == 12) & (s.index.minute == 0)]
    assert out.loc["12:00", "Tue"] == pytest.approx(tuesdays_noon.mean())


def test_calendar_heatmap_of_sub_daily_data() -> None:
    index = pd.date_range("2013-11-04", periods=14 * 144, freq="10min", tz="Europe/Rome")
    s = pd.Series(index.hour + 100 * index.day_of_week, index=index, dtype=float)
    out = calendar_heatmap(s)
    assert out.shape == (7, 24) and tuple(out.index) == WEEKDAYS
    assert out.loc["Wed", 5] == 205 and out.loc["Sun", 23] == 623


def test_summary_stats() -> None:
    s = daily_series(days=14)
    s.iloc[:36] = 0.0
    stats = summary_stats(s)
    assert stats["count"] == 14 * 144 and stats["missing"] == 0 and stats["freq"] == "10min"
    assert stats["start"] == s.index[0] and stats["end"] == s.index[-1]
    assert stats["zeros_share"] == pytest.approx(36 / (14 * 144))
    assert stats["min"] == 0 and stats["max"] == pytest.approx(s.max())
    assert stats["weekend_to_weekday"] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("func", [decompose, lambda s: acf_pacf(s, 10)])
def test_refuses_constant_or_missing(func: Callable[[pd.Series], object]) -> None:
    s = daily_series(days=15)
    with pytest.raises(ValueError, match="is constant"):
        func(pd.Series(3.0, index=s.index, name="flat"))
    s.iloc[5] = np.nan
    with pytest.raises(ValueError, match="missing or non-finite"):
        func(s)


def test_decompose_daily_data_has_a_weekly_component() -> None:
    s = daily_data()
    d = decompose(s)
    assert list(d.columns) == ["observed", "trend", "weekly", "remainder"]
    assert d.attrs == {"periods": {"weekly": 7}, "note": ""}
    np.testing.assert_allclose(d.drop(columns="observed").sum(axis=1), s.to_numpy())
    assert variance_shares(d)["weekly"] > 0.9


def test_decompose_daily_data_adds_a_yearly_component_from_two_years() -> None:
    d = decompose(daily_data(days=2 * 365 + 1))
    assert list(d.columns) == ["observed", "trend", "weekly", "yearly", "remainder"]
    assert d.attrs["periods"] == {"weekly": 7, "yearly": 365}


def test_decompose_refuses_short_or_seasonless_series() -> None:
    with pytest.raises(ValueError, match="has 14 points; decomposition needs at least two weeks "
                                         "and one step \\(15\\)"):
        decompose(daily_data(days=14))
    weekly = pd.Series(np.arange(60.0), pd.date_range("2013-11-04", periods=60, freq="7D"))
    with pytest.raises(ValueError, match="decomposition needs a seasonal period, but a 1-week "
                                         "step defines none"):
        decompose(weekly)


@pytest.mark.parametrize(("step", "n", "lags"), [
    ("10min", 10_000, 150), ("10min", 200, 99), ("2min", 10_000, 750), ("15min", 10_000, 100),
    ("1h", 10_000, 25), ("7min", 10_000, 213), ("1D", 365, 35), ("1D", 50, 24), ("7D", 500, 5),
    ("1D", 3, 1),
])
def test_acf_lags_follow_the_step(step: str, n: int, lags: int) -> None:
    assert acf_lags(pd.Timedelta(step), n) == lags


def test_acf_lags_from_an_index() -> None:
    assert acf_lags(daily_data().index, 364) == 35  # aware: 23 h and 25 h days at DST changes
    assert acf_lags(pd.date_range("2013-11-04", periods=500, freq="h"), 500) == 25
    with pytest.raises(ValueError, match="irregular"):
        acf_lags(pd.DatetimeIndex(["2013-11-01", "2013-11-02", "2013-11-04"]), 3)


def test_acf_pacf_daily_data_peaks_at_one_week() -> None:
    s = daily_data()
    out = acf_pacf(s, acf_lags(s.index, len(s)))
    assert len(out) == 36 and out.loc[7, "acf"] > 0.9 and out.loc[14, "acf"] > 0.9
    assert out.loc[7, "acf"] > out.loc[1:6, "acf"].max()


def test_weekday_profile_and_heatmap_of_daily_data() -> None:
    s = daily_data()
    means = s.groupby(s.index.day_of_week).mean().to_numpy()
    profile = weekday_profile(s)
    assert profile.shape == (1, 7) and list(profile.index) == ["00:00"]
    np.testing.assert_allclose(profile.loc["00:00"].to_numpy(), means)
    heat = calendar_heatmap(s)  # weekday x week of year: no hour of day for daily data
    assert heat.shape == (7, 52) and heat.columns.name == "week of year"  # no blank week 53
    assert tuple(heat.index) == WEEKDAYS
    np.testing.assert_allclose(heat.mean(axis=1).to_numpy(), means, rtol=0.02)
    monday = s.index[s.index.day_of_week == 0][3]
    assert heat.loc["Mon", monday.isocalendar().week] == pytest.approx(s[monday])


def test_summary_stats_of_daily_data() -> None:
    stats = summary_stats(daily_data())
    assert stats["count"] == 364 and stats["days"] == 363
    assert np.isnan(stats["peak_to_trough"])
    assert stats["weekend_to_weekday"] == pytest.approx(50 / 104, rel=0.02)


@pytest.mark.parametrize("func", [decompose, weekday_profile, calendar_heatmap,
                                  lambda s: acf_pacf(s, acf_lags(s.index, len(s)))])
@pytest.mark.parametrize("make", [daily_series, daily_data])
def test_naive_index_like_aware(func: Callable[[pd.Series], pd.DataFrame],
                                make: Callable[..., pd.Series]) -> None:
    """Without a zone, the same wall-clock times give the same views."""
    aware = make()
    naive = pd.Series(aware.to_numpy(), index=aware.index.tz_localize(None), name=aware.name)
    expected, got = func(aware), func(naive)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert got.attrs == expected.attrs


@pytest.mark.parametrize("make", [daily_series, daily_data])
def test_summary_stats_naive_like_aware(make: Callable[..., pd.Series]) -> None:
    aware = make()
    naive = pd.Series(aware.to_numpy(), index=aware.index.tz_localize(None), name=aware.name)
    got, expected = summary_stats(naive), summary_stats(aware)
    assert got["start"] == aware.index[0].tz_localize(None)
    assert pd.Series(got).drop(["start", "end"]).equals(pd.Series(expected).drop(["start", "end"]))

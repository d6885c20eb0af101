"""Exploratory views: shapes, labels and the obvious facts about simple series."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from importance.explore import (
    WEEKDAYS,
    acf_pacf,
    decompose,
    heatmap_dow_hour,
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


def test_heatmap_dow_hour() -> None:
    index = pd.date_range("2013-11-04", periods=14 * 144, freq="10min", tz="Europe/Rome")
    s = pd.Series(index.hour + 100 * index.day_of_week, index=index, dtype=float)
    out = heatmap_dow_hour(s)
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

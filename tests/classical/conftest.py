"""Test series (Milan-like traffic, weekly at any step, noise-free periodic) and cached
forecasts, as fixtures."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pytest

from importance.classical import ClassicalForecast, forecast_classical
from importance.config import WindowConfig
from importance.data.windows import WindowedSeries, make_windows

# Hourly weekday profile normalised to its mean (MILAN_FORMAT.md), interpolated to 10 minutes.
_HOURLY = np.array([.63, .53, .49, .48, .48, .53, .71, .95, 1.17, 1.30, 1.33, 1.30, 1.35, 1.30,
                    1.29, 1.31, 1.33, 1.32, 1.29, 1.21, 1.10, .99, .87, .76])


def telecom_series(weeks: int = 8, seed: int = 0) -> pd.Series:
    """Daily profile x weekly level x AR(1) multiplicative noise, Europe/Rome index, >= 0."""
    index = pd.date_range("2013-11-04", periods=weeks * 7 * 144, freq="10min", tz="Europe/Rome")
    hour = (index.hour + index.minute / 60).to_numpy()
    daily = np.interp(hour, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
    weekend = index.day_of_week.to_numpy() >= 5
    weekly = np.where(weekend, 0.85, 1.0) * (1 + 0.05 * np.sin(2 * np.pi * index.day_of_week / 7))
    rng = np.random.default_rng(seed)
    eps = rng.normal(0.0, 0.06, len(index))
    ar = np.zeros(len(index))
    for t in range(1, len(index)):
        ar[t] = 0.8 * ar[t - 1] + eps[t]
    values = 500.0 * daily * weekly * np.exp(ar)
    return pd.Series(values, index=index, name="synthetic")


def periodic_series(weeks: int = 3, weekly: bool = False) -> pd.Series:
    """Noise-free 10-minute series repeating every day (or every week when `weekly`)."""
    index = pd.date_range("2013-11-04", periods=weeks * 7 * 144, freq="10min", tz="Europe/Rome")
    hour = (index.hour + index.minute / 60).to_numpy()
    values = 100.0 * np.interp(hour, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
    if weekly:
        values *= 1.0 + 0.1 * index.day_of_week.to_numpy()
    return pd.Series(values, index=index, name="periodic")


# Weekday levels Mon..Sun of an office-area cell: a weekend drop that a weekly season must catch.
_WEEKLY = np.array([1.0, 1.05, 1.1, 1.05, 1.0, 0.55, 0.45])


def weekly_series(freq: str, n: int, tz: str | None = "Europe/Rome", seed: int = 0) -> pd.Series:
    """`n` points at step `freq`: daily profile (flat for daily steps) x weekday level x AR(1)
    multiplicative noise; index on the clock `tz` (naive when None), >= 0."""
    index = pd.date_range("2013-11-04", periods=n, freq=freq, tz=tz)
    hour = (index.hour + index.minute / 60).to_numpy()
    daily = np.interp(hour, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
    eps = np.random.default_rng(seed).normal(0.0, 0.05, n)
    ar = np.zeros(n)
    for t in range(1, n):
        ar[t] = 0.5 * ar[t - 1] + eps[t]
    values = 500.0 * daily * _WEEKLY[index.day_of_week.to_numpy()] * np.exp(ar)
    return pd.Series(values, index=index, name=f"weekly-{freq}")


@pytest.fixture(scope="session")
def telecom() -> Callable[..., pd.Series]:
    """`telecom_series(weeks=8, seed=0)`."""
    return telecom_series


@pytest.fixture(scope="session")
def periodic() -> Callable[..., pd.Series]:
    """`periodic_series(weeks=3, weekly=False)`."""
    return periodic_series


@pytest.fixture(scope="session")
def weekly() -> Callable[..., pd.Series]:
    """`weekly_series(freq, n, tz="Europe/Rome", seed=0)`."""
    return weekly_series


@pytest.fixture(scope="session")
def windows() -> Callable[[int], WindowedSeries]:
    """The 8-week telecom series windowed with the default config and a given horizon."""
    return cache(lambda horizon: make_windows(telecom_series(), WindowConfig(horizon=horizon)))


@pytest.fixture(scope="session")
def forecast(windows: Callable[[int], WindowedSeries]) -> Callable[[str, int], ClassicalForecast]:
    """Forecasts on `windows(horizon)`, computed once per (model, horizon)."""
    return cache(lambda name, horizon: forecast_classical(name, windows(horizon)))

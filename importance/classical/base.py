"""Shared pieces of the classical baselines: result type, fitted-model protocol, seasons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ClassicalForecast:
    """Forecasts of one classical model for every test window, in original units."""

    name: str  # registry key, e.g. "holt_winters"
    label: str  # human name, e.g. "Holt-Winters (additive, 144) on log1p"
    predictions: np.ndarray  # (N_test, horizon); row i forecasts ws.test window i
    fit_s: float  # seconds to fit on train + val
    predict_s: float  # seconds to forecast every test window
    params: dict[str, Any]  # a few fitted settings, for display


@dataclass(frozen=True)
class Seasons:
    """Seasonal periods in steps, derived from the sampling interval."""

    day: int
    week: int


def seasons_of(index: pd.DatetimeIndex) -> Seasons:
    """Steps per day and per week of a regular index; the interval must divide one day."""
    if len(index) < 2:
        raise ValueError("need at least two timestamps to derive the sampling interval")
    steps = pd.unique(index[1:] - index[:-1])
    if len(steps) != 1:
        raise ValueError(f"the index is irregular ({len(steps)} distinct intervals); "
                         "seasonal periods need a regular index")
    step = pd.Timedelta(steps[0])
    day, rest = divmod(pd.Timedelta(days=1), step)
    if rest != pd.Timedelta(0) or day < 2:
        raise ValueError(f"the sampling interval {step} does not divide one day into at least "
                         "two steps; daily and weekly periods are undefined")
    return Seasons(day=int(day), week=7 * int(day))


def require_history(n: int, need: int, what: str) -> None:
    """Raise a clear ValueError when a fit segment of `n` points is shorter than `need`."""
    if n < need:
        raise ValueError(f"{what} needs at least {need} points before the test segment; "
                         f"the series has {n}")


class Fitted(Protocol):
    """A model fitted on the history `y[:n_fit]` (modelling space)."""

    label: str
    params: dict[str, Any]

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """(len(origins), horizon) forecasts of y[o + k] using only y[:o], for each origin o.

        `y` extends the history (same positions) up to the last origin; every origin is at or
        after the end of the history.
        """
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A registry entry: how to fit one classical model."""

    name: str
    fit: Callable[[np.ndarray, Seasons], Fitted]
    transformable: bool  # False when log1p makes no difference (seasonal naive)

"""Seasonal naive: repeat the value one season (day or week) earlier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from importance.classical.base import Seasons, describe, require_history


@dataclass(frozen=True)
class SeasonalNaive:
    lag: int
    label: str
    params: dict[str, Any] = field(default_factory=dict)

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        k = np.arange(horizon)
        source = origins[:, None] + k - self.lag * (k // self.lag + 1)  # last observed season
        return y[source]


def _fit(y: np.ndarray, seasons: Seasons, name: str) -> SeasonalNaive:
    lag = seasons.period(name)
    require_history(len(y), lag, f"seasonal naive ({name})")
    return SeasonalNaive(lag, f"Seasonal naive ({describe(((name, lag),))})", {"lag": lag})


def fit_daily(y: np.ndarray, seasons: Seasons) -> SeasonalNaive:
    return _fit(y, seasons, "daily")


def fit_weekly(y: np.ndarray, seasons: Seasons) -> SeasonalNaive:
    return _fit(y, seasons, "weekly")

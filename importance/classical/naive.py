"""Seasonal naive: repeat the value one season (day or week) earlier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from importance.classical.base import Seasons, require_history


@dataclass(frozen=True)
class SeasonalNaive:
    lag: int
    label: str
    params: dict[str, Any] = field(default_factory=dict)

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        k = np.arange(horizon)
        source = origins[:, None] + k - self.lag * (k // self.lag + 1)  # last observed season
        return y[source]


def fit_daily(y: np.ndarray, seasons: Seasons) -> SeasonalNaive:
    require_history(len(y), seasons.day, "seasonal naive (daily)")
    return SeasonalNaive(seasons.day, f"Seasonal naive (daily, {seasons.day})",
                         {"lag": seasons.day})


def fit_weekly(y: np.ndarray, seasons: Seasons) -> SeasonalNaive:
    require_history(len(y), seasons.week, "seasonal naive (weekly)")
    return SeasonalNaive(seasons.week, f"Seasonal naive (weekly, {seasons.week})",
                         {"lag": seasons.week})

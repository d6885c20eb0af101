"""Holt-Winters with additive trend and additive season (the shortest one the step defines).

Fitted by statsmodels (heuristic initial states, smoothing weights by least squares). For the
rolling origin the recursions are re-run over the whole series with the fitted weights and
initial states fixed, and the h-step forecast from each origin is read off the states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from importance.classical.base import Seasons, describe, require_history


@dataclass(frozen=True)
class HoltWinters:
    period: int
    smoothing: dict[str, float]  # smoothing_level, smoothing_trend, smoothing_seasonal
    initial: dict[str, Any]  # initial_level, initial_trend, initial_seasonal
    label: str
    params: dict[str, Any]

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        model = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=self.period,
                                     initialization_method="known", **self.initial)
        res = model.fit(**self.smoothing, optimized=False)
        level, trend, season = (np.asarray(a) for a in (res.level, res.trend, res.season))
        last = origins[:, None] - 1  # states after the last observation
        h = np.arange(1, horizon + 1)
        season_at = last - self.period * ((h - 1) // self.period + 1) + h
        return level[last] + h * trend[last] + season[season_at]


def fit(y: np.ndarray, seasons: Seasons) -> HoltWinters:
    name, m = seasons.seasonal("Holt-Winters")[0]
    need = max(2 * m, 10 + 2 * (m // 2))  # statsmodels' heuristic initialisation
    require_history(len(y), need, f"Holt-Winters (two {name} seasons for the initial states)")
    res = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=m,
                               initialization_method="heuristic").fit()
    p = res.params
    smoothing = {k: float(p[k]) for k in ("smoothing_level", "smoothing_trend",
                                          "smoothing_seasonal")}
    initial = {"initial_level": float(p["initial_level"]),
               "initial_trend": float(p["initial_trend"]),
               "initial_seasonal": np.asarray(p["initial_seasons"], dtype=np.float64)}
    shown = {"season": name, "period": m, "alpha": smoothing["smoothing_level"],
             "beta": smoothing["smoothing_trend"], "gamma": smoothing["smoothing_seasonal"],
             "init": "heuristic"}
    return HoltWinters(m, smoothing, initial, f"Holt-Winters (additive, {describe(((name, m),))})",
                       {k: round(v, 4) if isinstance(v, float) else v for k, v in shown.items()})

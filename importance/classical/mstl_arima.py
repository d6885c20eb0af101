"""MSTL (every season the step defines) with ARIMA on the seasonally adjusted series.

The seasonal components are forecast by repeating their last season of the fit segment; the
adjusted series (trend + remainder) gets an ARIMA whose Kalman filter is run over the test
segment with the fitted parameters fixed (no refit) for the rolling origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.arima.model import ARIMA, ARIMAResults
from statsmodels.tsa.seasonal import MSTL

from importance.classical.base import Seasons, describe, require_history
from importance.classical.statespace import rolling_forecasts

ORDER = (2, 0, 1)


def mstl_minimum(period: int) -> int:
    """Points MSTL needs to keep a season of `period` steps (it drops periods >= n / 2)."""
    return 2 * period + 1


def stl_jumps(shortest: int) -> dict[str, int]:
    """STL settings that evaluate the trend and low-pass loess fits every `shortest // 14`
    points and interpolate (R's stl does the same by default): about 10x faster at 10-minute
    resolution, with seasonal components within 0.5% of the residual scale of the exact fit."""
    jump = max(1, shortest // 14)
    return {"trend_jump": jump, "low_pass_jump": jump}


def mstl_components(y: np.ndarray, periods: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """MSTL of `y` (periods shortest first): (trend, seasonal (n, len(periods))), with the
    loess fits thinned by `stl_jumps`."""
    res = MSTL(y, periods=periods, stl_kwargs=stl_jumps(periods[0])).fit()
    seasonal = np.asarray(res.seasonal, dtype=np.float64).reshape(len(y), len(periods))
    return np.asarray(res.trend, dtype=np.float64), seasonal


def repeat_seasons(last_seasons: tuple[np.ndarray, ...], offset: np.ndarray) -> np.ndarray:
    """Seasonal forecast `offset` >= 0 steps after the fit segment: the sum of each
    component's last season of the fit segment, repeated."""
    return sum(s[offset % len(s)] for s in last_seasons)


@dataclass(frozen=True)
class MstlArima:
    n_fit: int
    last_seasons: tuple[np.ndarray, ...]  # the last full season of each seasonal component
    mean: float  # of the adjusted fit segment; the ARIMA models the deviations
    arima: ARIMAResults
    label: str
    params: dict[str, Any]

    def seasonal(self, positions: np.ndarray) -> np.ndarray:
        return repeat_seasons(self.last_seasons, positions - self.n_fit)

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        later = np.arange(self.n_fit, len(y))
        filtered = self.arima.append(y[later] - self.seasonal(later) - self.mean)
        targets = origins[:, None] + np.arange(horizon)
        return rolling_forecasts(filtered, origins, horizon) + self.mean + self.seasonal(targets)


def fit(y: np.ndarray, seasons: Seasons) -> MstlArima:
    named = seasons.seasonal("MSTL + ARIMA")
    periods = tuple(p for _, p in named)
    require_history(len(y), mstl_minimum(periods[-1]), f"MSTL + ARIMA (two {named[-1][0]} "
                                                       "seasons and one step)")
    _, seasonal = mstl_components(y, periods)
    adjusted = y - seasonal.sum(axis=1)
    mean = float(adjusted.mean())
    arima = ARIMA(adjusted - mean, order=ORDER, trend="n").fit(method="innovations_mle")
    last = tuple(seasonal[-p:, j].copy() for j, p in enumerate(periods))
    params = {"periods": dict(named), "arima_order": list(ORDER), "mean": round(mean, 4),
              **{k: round(float(v), 4) for k, v in zip(arima.model.param_names, arima.params,
                                                        strict=True)}}
    return MstlArima(len(y), last, mean, arima, f"MSTL ({describe(named)}) + ARIMA{ORDER}",
                     params)

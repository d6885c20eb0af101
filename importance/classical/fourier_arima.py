"""Fourier regression (daily and weekly harmonics) with ARIMA errors, in two stages.

Stage 1 fits intercept + K daily and K weekly sine/cosine pairs by least squares; stage 2 fits
an ARIMA to the residuals. The rolling origin runs the ARIMA's Kalman filter over the test
segment with the fitted parameters fixed and adds back the harmonics at the targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.arima.model import ARIMA, ARIMAResults

from importance.classical.base import Seasons, require_history
from importance.classical.statespace import rolling_forecasts

DAILY_K, WEEKLY_K = 6, 3
ORDER = (2, 0, 1)


def design(positions: np.ndarray, seasons: Seasons) -> np.ndarray:
    """Intercept and Fourier terms at series positions, (len(positions), 1 + 2K_d + 2K_w)."""
    cols = [np.ones((len(positions), 1))]
    for period, k in ((seasons.day, DAILY_K), (seasons.week, WEEKLY_K)):
        angle = 2 * np.pi * np.outer(positions, np.arange(1, k + 1)) / period
        cols += [np.sin(angle), np.cos(angle)]
    return np.hstack(cols)


@dataclass(frozen=True)
class FourierArima:
    n_fit: int
    seasons: Seasons
    beta: np.ndarray
    arima: ARIMAResults
    label: str
    params: dict[str, Any]

    def regression(self, positions: np.ndarray) -> np.ndarray:
        return design(positions.ravel(), self.seasons) @ self.beta

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        later = np.arange(self.n_fit, len(y))
        filtered = self.arima.append(y[later] - self.regression(later))
        targets = origins[:, None] + np.arange(horizon)
        regression = self.regression(targets).reshape(targets.shape)
        return rolling_forecasts(filtered, origins, horizon) + regression


def fit(y: np.ndarray, seasons: Seasons) -> FourierArima:
    require_history(len(y), 2 * seasons.week, "Fourier + ARIMA (two weekly seasons)")
    x = design(np.arange(len(y)), seasons)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    resid = y - x @ beta
    arima = ARIMA(resid, order=ORDER, trend="n").fit(method="innovations_mle")
    r2 = 1 - resid.var() / y.var()
    params = {"daily_K": DAILY_K, "weekly_K": WEEKLY_K, "regression_r2": round(float(r2), 4),
              "arima_order": list(ORDER),
              **{k: round(float(v), 4) for k, v in zip(arima.model.param_names, arima.params,
                                                        strict=True)}}
    label = f"Fourier (K={DAILY_K} daily, {WEEKLY_K} weekly) + ARIMA{ORDER} errors"
    return FourierArima(len(y), seasons, beta, arima, label, params)

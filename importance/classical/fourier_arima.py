"""Fourier regression (harmonics of every season the step defines) with ARIMA errors.

Stage 1 fits intercept + K sine/cosine pairs per season (daily, weekly, yearly) by least
squares; stage 2 fits an ARIMA to the residuals. The rolling origin runs the ARIMA's Kalman
filter over the test segment with the fitted parameters fixed and adds back the harmonics at
the targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.arima.model import ARIMA, ARIMAResults

from importance.classical.base import Seasons, require_history
from importance.classical.statespace import rolling_forecasts

HARMONICS = {"daily": 6, "weekly": 3, "yearly": 10}  # K per season
ORDER = (2, 0, 1)


def harmonics(name: str, period: int) -> int:
    """K for a season: its default, below period / 2 so that no two columns alias."""
    return min(HARMONICS[name], (period - 1) // 2)


def design(positions: np.ndarray, terms: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Intercept and Fourier terms at series positions, (len(positions), 1 + sum 2K).

    `terms` holds (period, K) per season.
    """
    cols = [np.ones((len(positions), 1))]
    for period, k in terms:
        angle = 2 * np.pi * np.outer(positions, np.arange(1, k + 1)) / period
        cols += [np.sin(angle), np.cos(angle)]
    return np.hstack(cols)


@dataclass(frozen=True)
class FourierArima:
    n_fit: int
    terms: tuple[tuple[int, int], ...]  # (period, K) per season
    beta: np.ndarray
    arima: ARIMAResults
    label: str
    params: dict[str, Any]

    def regression(self, positions: np.ndarray) -> np.ndarray:
        return design(positions.ravel(), self.terms) @ self.beta

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        later = np.arange(self.n_fit, len(y))
        filtered = self.arima.append(y[later] - self.regression(later))
        targets = origins[:, None] + np.arange(horizon)
        regression = self.regression(targets).reshape(targets.shape)
        return rolling_forecasts(filtered, origins, horizon) + regression


def fit(y: np.ndarray, seasons: Seasons) -> FourierArima:
    named = seasons.seasonal("Fourier + ARIMA")
    require_history(len(y), 2 * named[-1][1], f"Fourier + ARIMA (two {named[-1][0]} seasons)")
    ks = {name: harmonics(name, p) for name, p in named}
    terms = tuple((p, ks[name]) for name, p in named)
    x = design(np.arange(len(y)), terms)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    resid = y - x @ beta
    arima = ARIMA(resid, order=ORDER, trend="n").fit(method="innovations_mle")
    r2 = 1 - resid.var() / y.var()
    params = {**{f"{name}_K": k for name, k in ks.items()}, "periods": dict(named),
              "regression_r2": round(float(r2), 4), "arima_order": list(ORDER),
              **{k: round(float(v), 4) for k, v in zip(arima.model.param_names, arima.params,
                                                        strict=True)}}
    seasons_text = "; ".join(f"{name} = {p} steps, K={ks[name]}" for name, p in named)
    label = f"Fourier ({seasons_text}) + ARIMA{ORDER} errors"
    return FourierArima(len(y), terms, beta, arima, label, params)

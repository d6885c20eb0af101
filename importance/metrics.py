"""Forecast metrics in original units, and cost-to-target."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def mae(actual: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(pred))))


def rmse(actual: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(pred)) ** 2)))


def smape(actual: np.ndarray, pred: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200); pairs where both are 0 count as 0 error."""
    a, p = np.asarray(actual, dtype=float), np.asarray(pred, dtype=float)
    denom = np.abs(a) + np.abs(p)
    ratio = np.divide(2 * np.abs(a - p), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * ratio.mean())


def forecast_metrics(actual: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {"mae": mae(actual, pred), "rmse": rmse(actual, pred), "smape": smape(actual, pred)}


def cost_to_target(val_mae: Sequence[float], cumulative_cost: Sequence[float],
                   target_mae: float, tol: float = 0.02) -> float | None:
    """Cumulative cost at the first epoch whose validation MAE <= target * (1 + tol).

    None when no epoch reaches it.
    """
    limit = target_mae * (1 + tol)
    for m, c in zip(val_mae, cumulative_cost, strict=True):
        if m <= limit:
            return float(c)
    return None

"""Forecast metrics in original units, and cost-to-target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


# --- spike windows ----------------------------------------------------------------------------
# Loss-driven policies (gradient-norm top-k, selective backprop, InfoBatch) train the windows
# with the largest errors most often, which in telecom traffic are the spikes: report the test
# error on spike windows apart from the ordinary ones.

SPIKE_QUANTILE = 95.0  # percentile of the training targets above which a target is a spike


def spike_threshold(train_targets: np.ndarray, q: float = SPIKE_QUANTILE) -> float:
    """The `q`th percentile of the finite training targets (any shape, original units);
    NaN when there are none."""
    t = np.asarray(train_targets, dtype=np.float64).ravel()
    t = t[np.isfinite(t)]
    return float(np.percentile(t, q)) if t.size else float("nan")


def spike_thresholds(ws: Any, q: float = SPIKE_QUANTILE) -> dict[str | None, float]:
    """Spike threshold of each series of a windowed series or panel (`importance.data`), from
    its own train windows' targets (every horizon step, original units): {None: threshold}
    for one series, {series id: threshold} for a panel (`WindowedPanel.names`)."""
    targets = ws.actual("train")  # (N, H)
    names = getattr(ws, "names", None)
    if names is None:
        return {None: spike_threshold(targets, q)}
    return {str(name): spike_threshold(targets[sl], q)
            for name, sl in zip(names, ws.slices("train"), strict=True)}


def spike_windows(actual: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    """(N,) bool: windows (rows of `actual`, (N,) or (N, H)) with any target step above
    `threshold` (a number, or one per window)."""
    a = np.asarray(actual, dtype=np.float64)
    a = a.reshape(len(a), -1)  # (N, H)
    return (a > np.asarray(threshold, dtype=np.float64).reshape(-1, 1)).any(axis=1)


@dataclass(frozen=True)
class SpikeSplit:
    """Test MAE over ordinary windows and over spike windows (NaN when a group is empty)."""

    mae_ordinary: float
    mae_spike: float
    n_ordinary: int
    n_spike: int


def spike_split(actual: np.ndarray, pred: np.ndarray,
                threshold: float | np.ndarray) -> SpikeSplit:
    """MAE of the windows (rows, (N,) or (N, H), original units) whose targets all stay at or
    below `threshold` and of those with a target step above it (`spike_windows`), over every
    step of each window."""
    a = np.asarray(actual, dtype=np.float64)
    a = a.reshape(len(a), -1)
    p = np.asarray(pred, dtype=np.float64).reshape(a.shape)
    spike = spike_windows(a, threshold)
    err = np.abs(a - p)

    def mean(rows: np.ndarray) -> float:
        return float(err[rows].mean()) if rows.any() else float("nan")

    return SpikeSplit(mean(~spike), mean(spike), int((~spike).sum()), int(spike.sum()))


def number(v: Any) -> float:
    """A stored figure as a float: NaN when missing, not a number or not finite (never 0).

    >>> number("1.5"), number(None), number(float("inf"))
    (1.5, nan, nan)
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f if np.isfinite(f) else float("nan")

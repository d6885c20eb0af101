"""Forecast metrics in original units, the scale-free MASE, and cost-to-target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from importance.data.steps import split_lengths


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


# --- MASE: errors on one scale across series -------------------------------------------------
# A panel's pooled MAE in original units is driven by its busiest series; MASE divides each
# series' test MAE by the in-sample MAE of the seasonal naive forecast on its fit segment
# (train + validation, the history classical models fit on), so every series counts alike
# (Hyndman & Koehler 2006; Nixtla's and the M4 convention for many series).


def mase_season(index: pd.DatetimeIndex) -> int:
    """Steps in the season the naive forecast of MASE repeats: one day for sub-daily steps
    (24 hourly, 144 at 10 minutes), one week for daily steps (7), from the step rules of the
    classical models (`classical.base.seasons_of`); 1 (the previous value) when the step
    defines neither (weekly steps, a step that does not divide a day, an irregular index)."""
    from importance.classical.base import seasons_of

    try:
        seasons = seasons_of(pd.DatetimeIndex(index))
    except ValueError:  # irregular or too short: no season to repeat
        return 1
    return seasons.day or seasons.week or 1


def naive_scale(history: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive forecast (`history[t - season]` for
    `history[t]`); NaN when the history holds no more than one season.

    >>> naive_scale(np.array([1.0, 2.0, 4.0, 7.0]), 1)
    2.0
    """
    h = np.asarray(history, dtype=np.float64)
    if len(h) <= season:
        return float("nan")
    return float(np.mean(np.abs(h[season:] - h[:-season])))


def mase(actual: np.ndarray, pred: np.ndarray, scale: float) -> float | None:
    """Test MAE over `scale` (`naive_scale` of the series' fit segment); None when the scale
    is 0 or unknown: a constant or dead series has no MASE (it is excluded and counted).

    >>> mase(np.array([3.0, 5.0]), np.array([4.0, 4.0]), 2.0), mase(np.ones(2), np.ones(2), 0.0)
    (0.5, None)
    """
    if not (np.isfinite(scale) and scale > 0):
        return None
    return mae(actual, pred) / scale


def mase_scales(ws: Any) -> dict[str | None, float]:
    """The MASE scale of each series of a windowed series or panel (`importance.data`): the
    `naive_scale` of its own fit segment (train + validation, `steps.split_lengths`) at the
    `mase_season` of its step (one for a panel: its series share their step, `make_panel`);
    {None: scale} for one series, {series id: scale} for a panel."""
    names = getattr(ws, "names", None)
    parts = [(None, ws.series)] if names is None else list(zip(names, ws.series, strict=True))
    season = mase_season(pd.DatetimeIndex(parts[0][1].index))
    out: dict[str | None, float] = {}
    for name, series in parts:
        train, val, _ = split_lengths(len(series), ws.config)
        history = series.to_numpy(dtype=np.float64)[:train + val]
        out[None if name is None else str(name)] = naive_scale(history, season)
    return out


def pooled_mase(per_series: Mapping[str, float | None]) -> dict[str, Any]:
    """A panel's MASE: the mean over the series that have one (`test_mase`, None when none
    has), how many (`mase_series`), and the series without one (`mase_excluded`: their
    count and ids: constant or dead before the test period).

    >>> pooled_mase({"a": 0.5, "b": 1.0, "c": None})["test_mase"]
    0.75
    """
    have = [float(v) for v in per_series.values() if v is not None]
    excluded = [str(k) for k, v in per_series.items() if v is None]
    return {"test_mase": float(np.mean(have)) if have else None, "mase_series": len(have),
            "mase_excluded": {"count": len(excluded), "series": excluded}}


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

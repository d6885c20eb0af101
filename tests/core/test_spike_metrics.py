"""Spike windows: thresholds from the training targets, test MAE split ordinary / spike."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from importance.config import WindowConfig
from importance.data.panel import make_panel
from importance.data.windows import make_windows
from importance.metrics import (
    spike_split,
    spike_threshold,
    spike_thresholds,
    spike_windows,
)


def test_spike_split_on_hand_made_windows():
    # three windows of two steps; threshold 10: window 1 has a step above it (12), window 2
    # one exactly at it (10, not a spike)
    actual = np.array([[1.0, 2.0], [5.0, 12.0], [10.0, 3.0]])
    pred = np.array([[2.0, 2.0], [5.0, 8.0], [7.0, 3.0]])
    sp = spike_split(actual, pred, 10.0)
    assert (sp.n_ordinary, sp.n_spike) == (2, 1)
    assert sp.mae_ordinary == pytest.approx((1 + 0 + 3 + 0) / 4)
    assert sp.mae_spike == pytest.approx((0 + 4) / 2)


def test_spike_split_takes_one_threshold_per_window_and_one_step_windows():
    actual = np.array([4.0, 4.0, 20.0])
    pred = np.array([1.0, 5.0, 10.0])
    sp = spike_split(actual, pred, np.array([3.0, 5.0, 30.0]))  # only window 0 is a spike
    assert (sp.n_ordinary, sp.n_spike) == (2, 1)
    assert sp.mae_spike == pytest.approx(3.0)
    assert sp.mae_ordinary == pytest.approx((1 + 10) / 2)


def test_spike_split_without_spikes_or_without_ordinary_windows_gives_nan():
    a = np.array([[1.0], [2.0]])
    none = spike_split(a, a + 1, 5.0)
    assert none.n_spike == 0 and math.isnan(none.mae_spike) and none.mae_ordinary == 1.0
    every = spike_split(a, a, 0.5)
    assert every.n_ordinary == 0 and math.isnan(every.mae_ordinary) and every.mae_spike == 0.0
    # no threshold (no finite training target): nothing is a spike
    assert not spike_windows(a, float("nan")).any()


def test_spike_threshold_is_the_95th_percentile_of_finite_targets():
    t = np.arange(1.0, 101.0)  # 1..100
    assert spike_threshold(t) == pytest.approx(np.percentile(t, 95))
    assert spike_threshold(np.append(t, np.nan).reshape(-1, 1)) == pytest.approx(95.05)
    assert spike_threshold(t, 50) == pytest.approx(50.5)
    assert math.isnan(spike_threshold(np.array([np.nan])))


def _series(level: float, n: int = 600) -> pd.Series:
    idx = pd.date_range("2024-01-01", periods=n, freq="h", name="time")
    rng = np.random.default_rng(int(level))
    return pd.Series(level * (1 + rng.random(n)), index=idx, name=f"s{level:g}")


def test_spike_thresholds_from_the_train_windows_of_a_series_and_of_each_panel_series():
    cfg = WindowConfig(lookback=24, horizon=3, stride=5, calendar=False)
    ws = make_windows(_series(10), cfg)
    (only,) = spike_thresholds(ws).items()
    assert only == (None, pytest.approx(np.percentile(ws.actual("train"), 95)))

    panel = make_panel([_series(10), _series(1000)], ["a", "b"], cfg)
    got = spike_thresholds(panel)
    assert list(got) == ["a", "b"]
    for name, s in zip(("a", "b"), (_series(10), _series(1000)), strict=True):
        own = make_windows(s, cfg).actual("train")
        assert got[name] == pytest.approx(np.percentile(own, 95))
    assert got["b"] > 50 * got["a"]  # each series by its own level, not pooled

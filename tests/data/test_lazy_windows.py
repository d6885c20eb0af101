"""Lazy windows (importance.data.windows.Windows): positions into one array of the scaled
series, gathered when indexed, equal to the materialised windows; a run trained on them equals
one trained on materialised copies; a panel holds O(points), not O(windows x lookback)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from importance import training
from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.data.panel import make_panel, panel_label
from importance.data.windows import SPLITS, calendar_features, make_windows
from importance.energy import EnergyMeter
from importance.models import build_model
from importance.strategies import make_strategy
from tests.conftest import make_series

CFG = WindowConfig(lookback=24, horizon=3, stride=2, holidays="ITA")  # calendar + holiday flag


def _series(days: tuple[int, int, int] = (9, 12, 10)) -> list[pd.Series]:
    """Three series of different lengths and levels (one 80x another)."""
    return [make_series(days=days[0], seed=0), 40 * make_series(days=days[1], seed=1),
            0.5 * make_series(days=days[2], seed=2)]


def reference(series: pd.Series, scaler, start: np.ndarray, cfg: WindowConfig
              ) -> tuple[np.ndarray, np.ndarray]:
    """Materialised windows built with numpy fancy indexing from the series itself: (N, T, F)
    inputs and (N, horizon) targets, as copies."""
    z = scaler.transform(series.to_numpy(dtype=np.float64))[:, None]
    features, _ = calendar_features(pd.DatetimeIndex(series.index), cfg.holidays)
    z = np.concatenate([z, features], axis=1).astype(np.float32)
    x = z[start[:, None] + np.arange(-cfg.lookback, 0)]
    y = z[start[:, None] + np.arange(cfg.horizon), 0]
    return x, y


def test_lazy_windows_of_one_series_equal_the_materialised_ones():
    series = make_series(days=9)
    ws = make_windows(series, CFG)
    assert ws.n_features == 6  # the value, hour and weekday sin/cos, the holiday flag
    for split in SPLITS:
        w = ws.split(split)
        x, y = reference(series, ws.scaler, w.start, CFG)
        assert len(w) == len(x) > 0 and w.x.shape == x.shape and w.y.shape == y.shape
        np.testing.assert_array_equal(w.x[:], x)
        np.testing.assert_array_equal(w.y[:], y)
        np.testing.assert_array_equal(np.asarray(w.x), x)
        idx = np.array([len(w) - 1, 0, 3, 3])  # any order, repeats
        np.testing.assert_array_equal(w.x[idx], x[idx])
        np.testing.assert_array_equal(w.y[idx], y[idx])
        np.testing.assert_array_equal(w.x[2], x[2])
        np.testing.assert_array_equal(w.x[1:4, :, 5], x[1:4, :, 5])
        np.testing.assert_array_equal(w.x[-1, :, 0], x[-1, :, 0])
        np.testing.assert_array_equal(w.x[np.arange(len(w)) % 2 == 0], x[::2])
        assert w.x[:].dtype == np.float32 and w.x[:].flags.c_contiguous


def test_lazy_windows_of_a_panel_equal_each_series_materialised():
    series = _series()
    panel = make_panel(series, ["a", "b", "c"], CFG)
    for split in SPLITS:
        w = panel.split(split)
        xs, ys = zip(*(reference(s, sc, w.start[sl], CFG) for s, sc, sl in zip(
            series, panel.scalers, panel.slices(split), strict=True)), strict=True)
        np.testing.assert_array_equal(w.x[:], np.concatenate(xs))
        np.testing.assert_array_equal(w.y[:], np.concatenate(ys))
        for s, sl in zip(series, panel.slices(split), strict=True):
            alone = make_windows(s, CFG).split(split)
            np.testing.assert_array_equal(w.start[sl], alone.start)  # each series' own clock
            np.testing.assert_array_equal(w.x[sl], alone.x[:])
        order = np.random.default_rng(0).permutation(len(w))
        np.testing.assert_array_equal(w.x[order], np.concatenate(xs)[order])


def test_a_panel_holds_its_points_not_its_windows_times_the_lookback():
    series = _series()
    panel = make_panel(series, ["a", "b", "c"], CFG)
    points = sum(len(s) for s in series)
    features = panel.n_features
    assert all(panel.split(s).values is panel.train.values for s in SPLITS)  # one array
    assert panel.train.values.nbytes == points * features * 4
    for split in SPLITS:
        w = panel.split(split)
        assert w.nbytes == points * features * 4 + len(w) * 16  # values + anchor, start
    materialised = len(panel.train) * CFG.lookback * features * 4
    assert panel.train.nbytes < materialised / 5


class Materialised(training.DeviceWindows):
    """The trainer's old way: every training window copied to the device (numpy fancy
    indexing), each batch and scoring request indexed from the copies."""

    def __init__(self, w, device):
        x = w.values[w.anchor[:, None] + np.arange(-w.lookback, 0)]
        y = w.values[w.anchor[:, None] + np.arange(w.horizon), 0]
        self.x, self.y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def inputs(self, idx):
        return self.x[idx]

    def targets(self, idx):
        return self.y[idx]

    def subset(self, idx):
        t = torch.from_numpy(idx)
        return self.x[t], self.y[t]


def _train(panel, strategy: str, **params):
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=4), n_features=panel.n_features,
                        lookback=CFG.lookback, horizon=CFG.horizon)
    cfg = TrainConfig(strategy=strategy, strategy_params=params, epochs=2, seed=0,
                      batch_size=32)
    res = training.train(model, panel, make_strategy(strategy, **params), cfg,
                         meter=EnergyMeter("ITA"))
    return res, training.predict(model, panel.test.x)


@pytest.mark.parametrize(("strategy", "params"), [
    ("full", {}),
    ("gradnorm", {"keep_ratio": 0.5, "warmup_epochs": 0, "scoring": "exact"}),
])
def test_training_on_lazy_windows_equals_training_on_materialised_copies(
        monkeypatch, strategy, params):
    panel = make_panel(_series(days=(2, 4, 3)), ["a", "b", "c"], CFG)
    lazy, lazy_pred = _train(panel, strategy, **params)
    monkeypatch.setattr(training, "DeviceWindows", Materialised)
    copies, copies_pred = _train(panel, strategy, **params)
    assert [(r.train_loss, r.val_mae, r.n_selected) for r in lazy.records] == [
        (r.train_loss, r.val_mae, r.n_selected) for r in copies.records]
    np.testing.assert_array_equal(lazy.scores, copies.scores)
    np.testing.assert_array_equal(lazy.selected, copies.selected)
    np.testing.assert_array_equal(lazy_pred, copies_pred)
    if strategy == "gradnorm":
        assert lazy.records[0].n_scored == len(panel.train)  # the scoring path was taken


def test_predict_gathers_the_lazy_windows_batch_by_batch():
    ws = make_windows(make_series(days=3), CFG)
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=4), n_features=ws.n_features,
                        lookback=CFG.lookback, horizon=CFG.horizon)
    np.testing.assert_array_equal(training.predict(model, ws.val.x, batch_size=7),
                                  training.predict(model, ws.val.x[:], batch_size=1024))


def test_a_panel_label_names_the_count_and_a_few_ids():
    def loaded(k: int) -> SimpleNamespace:
        return SimpleNamespace(label=f"cell {k} · Energy", column="Energy")

    assert panel_label([loaded(k) for k in range(1000)]) == (
        "1,000 series: cell 0, cell 1, cell 2, ... · Energy")
    assert panel_label([loaded(1), loaded(2)]) == "2 series: cell 1, cell 2 · Energy"
    assert panel_label([loaded(7)]) == "cell 7 · Energy"

"""Faults: a diverging run stops at the bad batch with a clear message and stores nothing;
non-finite scores never win a top-k selection."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest
import torch

import importance.training as training
from importance.cli import main
from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.models import build_model
from importance.runs.store import RunStore
from importance.strategies import ScoreBook, make_strategy, top_k
from importance.training import NonFiniteLoss, train
from tests.conftest import make_series

TINY = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4))


@pytest.fixture(scope="module")
def ws():
    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))


def _model(ws):
    torch.manual_seed(0)
    return build_model(ModelConfig(hidden=4), n_features=ws.n_features, lookback=24, horizon=1)


def _nothing_stored(root):
    store = RunStore(root)
    assert store.ids() == [] and store.unreadable() == []
    assert not root.exists() or list(root.iterdir()) == []  # no run, no temp folder


@pytest.mark.parametrize("lr", [1e6, 1e30])
def test_a_real_divergence_stops_with_the_message_and_stores_nothing(tmp_path, lr):
    """1e6: the predictions overflow on the validation windows first (no RuntimeWarning
    escapes); 1e30: the training loss itself overflows."""
    cfg = RunConfig(TINY.data, TINY.window, TINY.model, TrainConfig(epochs=3, lr=lr))
    with pytest.raises(NonFiniteLoss, match=r"^training diverged at epoch \d of 3(, batch \d+ of "
                                            r"\d+)?: the (loss|gradient norm|validation MAE) is "
                                            r"(nan|inf); try a lower learning rate "
                                            rf"\(now {re.escape(f'{lr:g}')}\)$"):
        run_experiment(cfg, store=RunStore(tmp_path / "runs"), meter=EnergyMeter("ITA"))
    _nothing_stored(tmp_path / "runs")


def test_a_nan_validation_mae_stops_after_that_epoch(ws, monkeypatch):
    """Every epoch NaN used to end in a cryptic load_state_dict(None) error."""
    monkeypatch.setattr(training, "evaluate", lambda model, ws, split: (
        None, {"mae": float("nan"), "rmse": float("nan"), "smape": float("nan")}))
    with pytest.raises(NonFiniteLoss, match=r"^training diverged at epoch 1 of 2: the "
                                            r"validation MAE is nan; try a lower learning rate "
                                            r"\(now 0.01\)$"):
        train(_model(ws), ws, make_strategy("full"), TrainConfig(epochs=2),
              meter=EnergyMeter("ITA"))


def test_a_nan_loss_stops_at_that_batch_before_the_step(ws, monkeypatch):
    calls = []
    real = training.per_sample_loss
    batches = -(-len(ws.train) // TrainConfig().batch_size)

    def loss_nan_at_epoch_2_batch_3(pred, y):
        calls.append(1)
        per = real(pred, y)
        return per * float("nan") if len(calls) == batches + 3 else per

    monkeypatch.setattr(training, "per_sample_loss", loss_nan_at_epoch_2_batch_3)
    model = _model(ws)
    steps = []
    real_step = torch.optim.Adam.step

    def step(self, *a, **kw):
        steps.append(1)
        return real_step(self, *a, **kw)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    events = []
    msg = (f"training diverged at epoch 2 of 3, batch 3 of {batches}: the loss is nan; "
           "try a lower learning rate (now 0.01)")
    with pytest.raises(NonFiniteLoss) as info:
        train(model, ws, make_strategy("full"), TrainConfig(epochs=3), meter=EnergyMeter("ITA"),
              on_event=events.append)
    assert str(info.value) == msg
    err = info.value
    assert (err.epoch, err.batch, err.batches, err.what) == (1, 2, batches, "the loss")
    assert len(events) == 1  # epoch 1 finished; epoch 2 never reported
    assert len(steps) == batches + 2  # the NaN batch took no optimiser step
    assert all(torch.isfinite(p).all() for p in model.parameters())
    back = pickle.loads(pickle.dumps(err))  # crosses a process boundary intact
    assert type(back) is NonFiniteLoss and str(back) == msg


def test_a_nan_gradient_with_a_finite_loss_stops_too(ws):
    """Clipping does not clean a NaN gradient: it must stop the run, not reach the weights."""
    model = _model(ws)
    first = next(model.parameters())
    first.register_hook(lambda g: torch.full_like(g, float("nan")))
    with pytest.raises(NonFiniteLoss, match=r"epoch 1 of 2, batch 1 of \d+: the gradient norm "
                                            r"is nan; try a lower learning rate \(now 0.5\)"):
        train(model, ws, make_strategy("gradnorm", keep_ratio=0.5), TrainConfig(epochs=2, lr=0.5),
              meter=EnergyMeter("ITA"))
    assert torch.isfinite(first).all()


def test_compare_prints_the_message_and_exits_2_storing_nothing(tmp_path, capsys):
    runs = tmp_path / "runs"
    code = main(["compare", "--strategies", "full", "--epochs", "2", "--hidden", "4",
                 "--lookback", "24", "--stride", "32", "--lr", "1e30", "--no-progress",
                 "--runs-dir", str(runs)])
    err = capsys.readouterr().err
    assert code == 2
    assert "importance: error: training diverged at epoch 1 of 2" in err
    assert "try a lower learning rate (now 1e+30)" in err and "Traceback" not in err
    _nothing_stored(runs)


def test_non_finite_scores_rank_last_in_top_k():
    for bad in (np.nan, np.inf, -np.inf):
        scores = np.array([bad, 0.1, bad, 0.3, 0.2])
        assert top_k(scores, 2).tolist() == [3, 4], bad
        assert set(top_k(scores, 4).tolist()) >= {1, 3, 4}, bad  # finite first, then broken
    assert len(top_k(np.full(3, np.nan), 2)) == 2  # still k windows when all are broken


def test_gradnorm_never_picks_a_window_whose_score_came_out_nan():
    s = make_strategy("gradnorm", keep_ratio=0.5, warmup_epochs=0, scoring="exact")
    book = ScoreBook(6)
    book.update(np.arange(6), np.array([0.1, np.nan, 0.3, np.inf, 0.2, 0.05]), 0)
    assert s.plan_epoch(1, book, np.random.default_rng(0)).indices.tolist() == [0, 2, 4]

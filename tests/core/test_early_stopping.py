"""Early stopping on validation MAE: the rule, the trainer, the run summary and the CLI."""

from __future__ import annotations

import copy
import json

import pytest
import torch

import importance.training as training
from importance.aggregates.importance import latest_scores, score_histograms, selection_to_show
from importance.cli import main
from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.models import build_model
from importance.runs.store import RunStore
from importance.stopping import EarlyStopping, check_stopping, ending, ending_note
from importance.strategies import make_strategy
from tests.conftest import make_series

TINY = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4))


@pytest.fixture(scope="module")
def ws():
    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=4))


@pytest.fixture
def fake_val(monkeypatch):
    """Make the trainer see the given validation MAEs, one per epoch (the test set is real)."""
    real = training.evaluate

    def install(values):
        it = iter(values)

        def evaluate(model, ws, split):
            pred, metrics = real(model, ws, split)
            return pred, metrics | {"mae": next(it)}

        monkeypatch.setattr(training, "evaluate", evaluate)
    return install


def _stops(values, patience, min_delta=0.0):
    """1-based epoch at which the rule says stop, or None."""
    rule = EarlyStopping(patience, min_delta)
    return next((i + 1 for i, v in enumerate(values) if rule.update(v)), None)


def test_stops_after_patience_epochs_without_improvement():
    vals = [10, 8, 9, 9, 8.5, 9, 7]
    assert _stops(vals, 3) == 5  # best 8 at epoch 2, then 3 epochs without a lower MAE
    assert _stops(vals, 4) == 6
    assert _stops(vals, 5) is None
    assert _stops(vals, 0) is None and _stops(vals, None) is None  # off


def test_min_delta_is_relative_to_the_last_improvement_and_small_gains_add_up():
    assert _stops([100, 99.95, 99.9, 99.85], 2, min_delta=0.001) == 3  # 0.05%: no gain
    assert _stops([100, 99.95, 99.9, 99.85], 2, min_delta=0.0) is None
    # 0.06% a step: the third step is 0.18% below the reference 100 and resets the count
    assert _stops([100, 99.94, 99.88, 99.82, 99.8, 99.8], 3, min_delta=0.001) == 6
    assert _stops([100, 98.9, 98.0], 1, min_delta=0.01) == 3  # 1.1% counts, 0.9% does not


@pytest.mark.parametrize("patience, min_delta", [(-1, 0.0), (1.5, 0.0), (True, 0.0),
                                                 (3, -0.1), (3, 1.0), (3, float("nan"))])
def test_bad_settings_are_refused_by_name(patience, min_delta):
    with pytest.raises(ValueError, match="patience|min_delta"):
        check_stopping(patience, min_delta)


def _train(ws, strategy, epochs, patience, min_delta=0.0, **kw):
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=4), n_features=ws.n_features, lookback=24, horizon=1)
    cfg = TrainConfig(epochs=epochs, patience=patience, min_delta=min_delta)
    return model, training.train(model, ws, strategy, cfg, meter=EnergyMeter("ITA"), **kw)


def test_the_trainer_stops_trims_its_arrays_and_keeps_the_best_weights(ws, fake_val):
    fake_val([5.0, 3.0, 4.0, 4.0, 4.0, 1.0, 1.0, 1.0])
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=4), n_features=ws.n_features, lookback=24, horizon=1)
    states, events = [], []

    def on_event(ev):
        events.append(ev)
        states.append(copy.deepcopy(model.state_dict()))

    cfg = TrainConfig(strategy="random", epochs=8, patience=3, min_delta=0.0)
    res = training.train(model, ws, make_strategy("random", keep_ratio=0.5), cfg,
                         meter=EnergyMeter("ITA"), on_event=on_event)
    assert [r.epoch for r in res.records] == [0, 1, 2, 3, 4]
    assert res.stopped_early and res.best_epoch == 1
    n = len(ws.train)
    assert res.scores.shape == res.selected.shape == res.weights.shape == (5, n)
    assert res.selected.sum(axis=1).tolist() == [r.n_selected for r in res.records]
    assert [e.last for e in events] == [False] * 4 + [True]
    assert all(e.epochs == 8 for e in events)
    for k, v in model.state_dict().items():  # the weights after epoch 2 (index 1)
        assert torch.equal(v, states[1][k])
    assert all(r.energy_kwh > 0 for r in res.records)


def test_no_stop_on_the_last_epoch_and_off_runs_every_epoch(ws, fake_val):
    fake_val([3.0, 4.0, 4.0])
    _, res = _train(ws, make_strategy("full"), epochs=3, patience=2)
    assert len(res.records) == 3 and not res.stopped_early  # the stop would be the last epoch
    fake_val([3.0, 4.0, 4.0, 4.0])
    _, res = _train(ws, make_strategy("full"), epochs=4, patience=0)
    assert len(res.records) == 4 and not res.stopped_early


def test_a_strategy_stopped_in_its_warm_up_still_gives_whole_arrays(ws, fake_val):
    """Gradient-norm top-k picks at random for 2 epochs: a stop at epoch 2 scored nothing."""
    fake_val([2.0, 3.0, 3.0, 3.0])
    strategy = make_strategy("gradnorm", keep_ratio=0.5, warmup_epochs=2)
    _, res = _train(ws, strategy, epochs=6, patience=1)
    assert len(res.records) == 2 and res.stopped_early
    n = len(ws.train)
    assert res.scores.shape == res.selected.shape == (2, n)
    assert all(r.n_scored == 0 for r in res.records)  # only the in-pass scores of the warm-up
    # the Importance page's aggregates take the trimmed arrays as they are
    assert score_histograms(res.scores, res.selected).kept.shape[0] == 2
    assert selection_to_show(res.scores, res.selected).shape[1] == n
    assert latest_scores(res.scores).shape == (n,)


def test_the_summary_counts_only_the_epochs_run(tmp_path, fake_val):
    fake_val([5.0, 3.0, 4.0, 4.0, 1.0, 1.0])
    cfg = RunConfig(TINY.data, TINY.window, TINY.model,
                    TrainConfig(epochs=6, patience=2, min_delta=0.001))
    store = RunStore(tmp_path / "runs")
    run = store.load(run_experiment(cfg, store=store, meter=EnergyMeter("ITA")))
    s, epochs = run.summary, run.summary["epochs"]
    assert len(epochs) == 4
    assert (s["epochs_planned"], s["epochs_run"], s["stopped_early"], s["best_epoch"]) == \
        (6, 4, True, 1)
    assert s["energy_kwh"] == pytest.approx(sum(e["energy_kwh"] for e in epochs))
    assert s["wall_s"] == pytest.approx(sum(e["wall_s"] for e in epochs))
    assert s["after_best_kwh"] == pytest.approx(sum(e["energy_kwh"] for e in epochs[2:]))
    assert s["after_best_s"] == pytest.approx(sum(e["wall_s"] for e in epochs[2:]))
    assert run.arrays["scores"].shape[0] == run.arrays["selected"].shape[0] == 4
    assert run.config.train.patience == 2 and run.config.train.min_delta == 0.001


def test_an_old_config_loads_with_stopping_off():
    old = RunConfig().to_dict()
    del old["train"]["patience"], old["train"]["min_delta"]
    train = RunConfig.from_dict(old).train
    assert train.patience is None and train.min_delta == 0.0
    assert TrainConfig().patience == 7 and TrainConfig().min_delta == 0.001
    now = RunConfig(train=TrainConfig(patience=3, min_delta=0.01)).to_dict()
    assert RunConfig.from_dict(json.loads(json.dumps(now))).train.patience == 3


def _records(vals, kwh=0.001, s=2.0):
    return [{"val_mae": v, "energy_kwh": kwh, "wall_s": s} for v in vals]


def test_ending_fields_and_notes():
    rec = _records([9, 5, 6, 7, 6, 6, 6, 6])
    assert ending(rec, 8) == {"epochs_planned": 8, "epochs_run": 8, "stopped_early": False,
                              "best_epoch": 1, "after_best_kwh": pytest.approx(0.006),
                              "after_best_s": pytest.approx(12.0)}
    assert ending_note(rec, 8, None, 0.0) == ("best at epoch 2 of 8: the remaining 6 epochs "
                                              "cost 6 Wh (estimated) and improved nothing")
    assert ending_note(rec[:5], 16, 3, 0.001) == ("stopped at epoch 5 of 16: no improvement of "
                                                  "0.1% for 3 epochs; best at epoch 2")
    assert ending_note(rec[:5], 16, 3, 0.0).startswith("stopped at epoch 5 of 16: no "
                                                       "improvement for 3 epochs")
    assert ending_note(_records([9, 8, 7, 6, 5, 6, 6, 6]), 8, None, 0.0) is None  # not early
    assert ending_note(_records([9, 8, 7, 6]), 4, None, 0.0) is None  # the last is the best
    assert ending_note(_records([5, 6]), 2, None, 0.0) is None  # 1 of 2 is not a quarter
    assert "cost 0.21 Wh" in ending_note(_records([5, 6, 6, 6], kwh=0.00007), 4, 0, 0.0)


FAST = ["--epochs", "8", "--hidden", "4", "--lookback", "12", "--stride", "16", "--no-progress",
        "--strategies", "full", "--seed", "0"]


def test_the_cli_says_when_the_best_epoch_came_early(tmp_path, fake_val, capsys):
    fake_val([3.0, 1.0] + [2.0] * 6)
    assert main(["compare", *FAST, "--patience", "0", "--json", str(tmp_path / "o.json"),
                 "--runs-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "full: best at epoch 2 of 8: the remaining 6 epochs cost " in out
    assert "Wh (estimated) and improved nothing" in out
    assert json.loads((tmp_path / "o.json").read_text())["runs"][0]["epochs_run"] == 8


def test_the_cli_says_when_early_stopping_ended_a_run(tmp_path, fake_val, capsys):
    fake_val([3.0, 1.0] + [2.0] * 6)
    assert main(["compare", *FAST, "--patience", "3", "--min-delta", "0.01", "--json",
                 str(tmp_path / "o.json"), "--runs-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "full: stopped at epoch 5 of 8: no improvement of 1% for 3 epochs; best at epoch 2" \
        in out
    assert json.loads((tmp_path / "o.json").read_text())["runs"][0]["epochs_run"] == 5


def test_the_cli_refuses_a_negative_patience(tmp_path, capsys):
    assert main(["compare", *FAST, "--patience", "-2", "--runs-dir", str(tmp_path)]) == 2
    assert "patience must be an integer >= 0" in capsys.readouterr().err

import threading

import numpy as np
import pytest
import torch

from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter, PhaseEnergy
from importance.models import build_model
from importance.strategies import make_strategy
from importance.training import (
    LR_FLOOR,
    Cancelled,
    epoch_progress,
    scheduled_lr,
    split_in_pass,
    train,
)


@pytest.fixture(scope="module")
def ws():
    from tests.conftest import make_series

    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))


def _train(ws, strategy, epochs=3, seed=0, **kw):
    torch.manual_seed(seed)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    cfg = TrainConfig(strategy=strategy.name, epochs=epochs, seed=seed)
    return model, train(model, ws, strategy, cfg, meter=EnergyMeter("ITA"), **kw)


def test_full_training_learns_and_records_every_epoch(ws):
    events = []
    _, res = _train(ws, make_strategy("full"), epochs=4, on_event=events.append)
    n = len(ws.train)
    assert [e.record.epoch for e in events] == [0, 1, 2, 3]
    assert all(r.samples_backprop == n and r.n_scored == 0 for r in res.records)
    assert res.records[-1].val_mae < res.records[0].val_mae
    assert res.selected.all() and np.isnan(res.scores).all()
    assert res.best_epoch == int(np.argmin([r.val_mae for r in res.records]))
    assert all(r.energy_kwh > 0 and r.emissions_kg > 0 for r in res.records)


def test_gradnorm_trains_on_the_highest_scores_and_counts_scoring(ws):
    _, res = _train(ws, make_strategy("gradnorm", keep_ratio=0.5, warmup_epochs=0,
                                           scoring="exact", rescore_every=1), epochs=3)
    n = len(ws.train)
    k = round(0.5 * n)
    first = res.records[0]
    assert first.n_scored == n and first.score_method == "exact" and first.scoring_s > 0
    # exact rescoring is a per-sample backward: counted as scoring backprops, not forwards
    assert first.samples_scoring_backprop == n and first.samples_forward == 0
    assert first.samples_backprop == k
    # the norms read off training steps are scoring too: their seconds left training
    assert all(0 < r.in_pass_scoring_s <= r.scoring_s for r in res.records)
    assert res.records[1].scoring_s >= res.records[1].in_pass_scoring_s
    for e, rec in enumerate(res.records):
        assert res.selected[e].sum() == k == rec.samples_backprop
    for e in range(3):  # each epoch trained exactly the top half of the scores it saw
        s = res.scores[e]
        assert s[res.selected[e]].min() >= s[~res.selected[e]].max()
    # later epochs rescore only the windows not trained in the previous epoch
    assert res.records[1].n_scored == n - k


def test_gradnorm_rescores_the_untrained_windows_every_other_epoch_by_default(ws):
    _, res = _train(ws, make_strategy("gradnorm", keep_ratio=0.5, warmup_epochs=0), epochs=4)
    n, k = len(ws.train), round(0.5 * len(ws.train))
    assert [r.n_scored for r in res.records] == [n, 0, n - k, 0]
    # last-layer rescoring is forward-only; training forwards are not counted as forwards
    assert [r.samples_forward for r in res.records] == [n, 0, n - k, 0]
    assert all(r.samples_scoring_backprop == 0 for r in res.records)
    assert all(r.in_pass_scoring_s > 0 for r in res.records)  # head norms off each step


def test_same_seed_same_result_and_random_uses_the_same_budget(ws):
    _, a = _train(ws, make_strategy("random", keep_ratio=0.6), seed=3)
    _, b = _train(ws, make_strategy("random", keep_ratio=0.6), seed=3)
    assert [r.val_mae for r in a.records] == [r.val_mae for r in b.records]
    assert (a.selected == b.selected).all()
    assert a.selected[0].sum() == round(0.6 * len(ws.train))


def test_cancel_stops_between_batches(ws):
    cancel = threading.Event()
    events = []

    def on_event(ev):
        events.append(ev)
        cancel.set()

    with pytest.raises(Cancelled):
        _train(ws, make_strategy("full"), epochs=5, on_event=on_event, cancel=cancel)
    assert len(events) == 1


def test_cosine_schedule_starts_at_the_peak_and_ends_at_the_floor():
    cfg = TrainConfig(lr=0.01)
    lrs = [scheduled_lr(cfg, p) for p in np.linspace(0, 1, 11)]
    assert lrs[0] == pytest.approx(0.01) and lrs[-1] == pytest.approx(0.01 * LR_FLOOR)
    assert all(a > b for a, b in zip(lrs, lrs[1:], strict=False))
    assert scheduled_lr(TrainConfig(lr=0.01, lr_schedule="constant"), 0.9) == 0.01


@pytest.fixture
def adam_lrs(monkeypatch):
    """The learning rate of every optimizer step taken during the test."""
    seen = []
    real = torch.optim.Adam.step

    def step(self, *a, **kw):
        seen.append(self.param_groups[0]["lr"])
        return real(self, *a, **kw)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    return seen


def test_the_schedule_decays_the_optimiser_lr_within_the_run(ws, adam_lrs):
    seen = adam_lrs
    _train(ws, make_strategy("random", keep_ratio=0.5), epochs=2)
    assert seen[0] == pytest.approx(TrainConfig().lr)
    assert seen[-1] < 0.1 * TrainConfig().lr  # a subset strategy gets the whole decay too


def test_unknown_schedule_is_rejected_by_name(ws):
    model = build_model(ModelConfig(hidden=4), n_features=ws.n_features, lookback=24, horizon=1)
    cfg = TrainConfig(lr_schedule="step")
    with pytest.raises(ValueError, match="lr_schedule must be one of cosine, constant; got 'step'"):
        train(model, ws, make_strategy("full"), cfg, meter=EnergyMeter("ITA"))


def test_a_learning_rate_must_be_a_finite_positive_number(ws):
    model = build_model(ModelConfig(hidden=4), n_features=ws.n_features, lookback=24, horizon=1)
    for lr in (0.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"a finite lr > 0; got .*lr={lr}$"):
            train(model, ws, make_strategy("full"), TrainConfig(lr=lr), meter=EnergyMeter("ITA"))


def test_a_training_step_can_return_each_windows_unweighted_loss(ws):
    from importance.models import per_sample_loss
    from importance.scoring import train_step_with_losses

    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    x, y = torch.from_numpy(ws.train.x[:16]), torch.from_numpy(ws.train.y[:16])
    w = torch.linspace(0.5, 2.0, 16)
    with torch.no_grad():
        expected = per_sample_loss(model(x), y)  # (16,)
    loss, per = train_step_with_losses(model, x, y, w)
    torch.testing.assert_close(per, expected)
    torch.testing.assert_close(loss, (expected * w).mean())
    assert all(p.grad is not None for p in model.parameters())


def test_infobatch_reads_losses_off_training_and_anneals_on_everything(ws):
    _, res = _train(ws, make_strategy("infobatch", prune_ratio=0.5, delta=0.5), epochs=3)
    n = len(ws.train)
    assert all(r.n_scored == 0 and r.samples_forward == 0
               for r in res.records)  # the losses cost no extra pass
    assert res.selected[0].all() and (res.weights[0] == 1).all()  # epoch 0: everything
    assert np.isfinite(res.scores[1]).all()  # every window's loss from epoch 0's training
    low = res.scores[1] < res.scores[1].mean()
    assert res.selected[1, ~low].all()  # only below-mean windows are pruned
    assert 0 < res.records[1].samples_backprop < n
    assert set(np.unique(res.weights[1][res.selected[1]])) == {1.0, 2.0}
    assert (res.weights[1][res.selected[1] & low] == 2.0).all()
    skipped = ~res.selected[1]  # not trained in epoch 1: they keep their epoch-0 loss
    np.testing.assert_array_equal(res.scores[2][skipped], res.scores[1][skipped])
    assert not np.array_equal(res.scores[2][~skipped], res.scores[1][~skipped])
    assert res.selected[2].all() and (res.weights[2] == 1).all()  # annealing: 2 >= 0.5 x 3
    assert [r.samples_backprop for r in res.records] == res.selected.sum(1).tolist()


def test_selective_backprop_counts_its_loss_pass_as_scoring(ws):
    _, res = _train(ws, make_strategy("selective_backprop"), epochs=2)
    n = len(ws.train)
    first, second = res.records
    assert first.n_scored == 0 and first.samples_backprop == n
    assert second.n_scored == n and second.score_method == "loss" and second.scoring_s > 0
    assert second.samples_forward == n  # its selection forward, counted apart from training
    assert 0.15 * n < second.samples_backprop < 0.35 * n  # ~1/(beta+1) of the windows


def test_each_epoch_records_whether_the_strategy_selected_by_score(ws):
    _, res = _train(ws, make_strategy("gradnorm", warmup_epochs=1), epochs=3)
    assert [r.selected_by_score for r in res.records] == [False, True, True]
    assert res.records[1].to_dict()["selected_by_score"] is True
    _, res = _train(ws, make_strategy("full"), epochs=1)
    assert res.records[0].to_dict()["selected_by_score"] is False


def test_a_failed_energy_reading_is_recorded_as_not_measured(ws):
    from tests.conftest import unmeasured_meter

    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    res = train(model, ws, make_strategy("full"), TrainConfig(epochs=2), meter=unmeasured_meter())
    for rec in res.records:
        assert rec.energy_kwh is None and rec.emissions_kg is None and rec.wall_s > 0
        assert rec.to_dict()["training_kwh"] is None


def test_in_pass_norm_time_moves_to_scoring_with_its_share_of_the_energy():
    phase = PhaseEnergy(seconds=4.0, energy_kwh=2.0, cpu_kwh=1.5, ram_kwh=0.5, emissions_kg=0.8)
    scoring, training = split_in_pass(phase, 1.0)
    assert (scoring.seconds, scoring.energy_kwh, scoring.emissions_kg) == (1.0, 0.5, 0.2)
    assert (training.seconds, training.energy_kwh, training.cpu_kwh) == (3.0, 1.5, 1.125)
    unmeasured = PhaseEnergy(seconds=2.0, energy_kwh=None)
    assert split_in_pass(unmeasured, 9.0)[0].energy_kwh is None  # never 0 kWh
    assert split_in_pass(unmeasured, 9.0)[0].seconds == 2.0  # at most the whole phase


def test_full_data_books_no_scoring_time(ws):
    _, res = _train(ws, make_strategy("full"), epochs=1)
    rec = res.records[0]
    assert rec.scoring_s == rec.in_pass_scoring_s == 0 and rec.scoring_kwh == 0


def test_the_schedule_runs_over_the_actual_steps_of_uneven_epochs():
    # selective backprop at keep 0.25: a full epoch, then three quarter-size ones
    later, done, ends = 0.25 * 400, 0.0, []
    for e, sel in enumerate([400, 100, 100, 100]):
        done = epoch_progress(done, sel, later * (3 - e))
        ends.append(done)
    assert ends == pytest.approx([4 / 7, 5 / 7, 6 / 7, 1.0])  # each epoch's share of steps
    fixed = 0.0
    for e in range(4):
        fixed = epoch_progress(fixed, 70, 70 * (3 - e))
        assert fixed == pytest.approx((e + 1) / 4)


def test_the_last_step_of_a_pruned_run_reaches_the_floor(ws, adam_lrs):
    seen = adam_lrs
    _train(ws, make_strategy("selective_backprop"), epochs=3)
    lr = TrainConfig().lr
    batches = -(-len(ws.train) // TrainConfig().batch_size)
    # the full first epoch spends its share of the steps, not a third of the schedule
    first_end = seen[batches - 1]
    assert first_end < scheduled_lr(TrainConfig(), 1 / 3)
    assert seen[-1] < 2 * LR_FLOOR * lr  # close to the floor at the last step

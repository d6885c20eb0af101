"""EL2N: the scoring runs (hand computations, mean over runs, counted backprops, no side
effects on the main model or torch's generator) and the static top-k strategy."""

import copy
import math

import numpy as np
import pytest
import torch

from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.models import build_model, per_sample_loss
from importance.scoring import score_windows
from importance.scoring.el2n import (
    CLIP,
    el2n_scores,
    error_norms,
    fresh_copy,
    run_seed,
    train_copy,
)
from importance.strategies import ScoreBook, make_strategy, top_k
from importance.strategies.el2n import EL2N
from importance.training import train

N, T, F = 12, 6, 2


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, T, F, generator=g, dtype=torch.float64)
    y = torch.randn(N, 2, generator=g, dtype=torch.float64)
    return x, y


def _model(kind="nlinear"):
    torch.manual_seed(0)
    return build_model(ModelConfig(kind=kind, hidden=4, revin=False), n_features=F, lookback=T,
                       horizon=2).double()


def _reinit(model, seed):
    """The model with every parameter re-initialised from torch seed `seed`, by hand."""
    twin = copy.deepcopy(model)
    torch.manual_seed(seed)
    for m in twin.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return twin


def test_untrained_scores_are_the_mean_error_norms_of_the_reinitialised_copies():
    model, (x, y) = _model(), _data()
    with torch.no_grad():
        model.head.weight.zero_()  # the main weights: not what the copies start from
        model.head.bias.zero_()
    scores, backprops = el2n_scores(model, x, y, runs=2, epochs=0, batch_size=4, lr=0.01,
                                    seed=7)
    with torch.no_grad():
        hand = np.mean([np.linalg.norm((_reinit(model, run_seed(7, r))(x) - y).numpy(), axis=1)
                        for r in range(2)], axis=0)
        main = np.linalg.norm((model(x) - y).numpy(), axis=1)
    assert backprops == 0 and scores.shape == (N,) and scores.dtype == np.float64
    np.testing.assert_allclose(scores, hand, rtol=1e-12)
    assert not np.allclose(scores, main)
    assert run_seed(7, 0) != run_seed(7, 1) != 7


def test_one_full_batch_epoch_is_one_clipped_adam_step_by_hand():
    model, (x, y) = _model(), _data()
    lr = 0.01
    scores, backprops = el2n_scores(model, x, y, runs=1, epochs=1, batch_size=N, lr=lr, seed=3)
    twin = _reinit(model, run_seed(3, 0))
    loss = per_sample_loss(twin(x), y).mean()
    grads = torch.autograd.grad(loss, list(twin.parameters()))
    norm = math.sqrt(sum(float(g.square().sum()) for g in grads))
    clip = min(1.0, CLIP / (norm + 1e-6))  # torch's clip_grad_norm_
    with torch.no_grad():
        for p, g in zip(twin.parameters(), grads, strict=True):
            g = g * clip
            p -= lr * g / (g.abs() + 1e-8)  # Adam's first step: m_hat / (sqrt(v_hat) + eps)
        hand = np.linalg.norm((twin(x) - y).numpy(), axis=1)
    assert backprops == N
    np.testing.assert_allclose(scores, hand, rtol=1e-9)


@pytest.mark.parametrize("kind", ["gru", "mlp"])
def test_scores_are_the_mean_over_runs_of_the_trained_copies_error_norms(kind):
    model, (x, y) = _model(kind), _data()
    scores, backprops = el2n_scores(model, x, y, runs=3, epochs=2, batch_size=5, lr=0.01,
                                    seed=1)
    per_run = []
    for r in range(3):
        s = run_seed(1, r)
        twin = fresh_copy(model, s)
        train_copy(twin, x, y, epochs=2, batch_size=5, lr=0.01, rng=np.random.default_rng(s))
        per_run.append(error_norms(twin, x, y))
    assert backprops == 3 * 2 * N  # runs x epochs x windows
    np.testing.assert_allclose(scores, np.mean(per_run, axis=0), rtol=1e-12)
    assert not np.allclose(per_run[0], per_run[1])  # independent copies
    untrained = el2n_scores(model, x, y, runs=3, epochs=0, batch_size=5, lr=0.01, seed=1)[0]
    assert not np.allclose(scores, untrained)  # the copies did train


def test_scoring_leaves_the_main_model_and_torch_generator_alone_and_is_deterministic():
    model, (x, y) = _model("gru"), _data()
    before = copy.deepcopy(model.state_dict())
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a, _ = el2n_scores(model, x, y, runs=2, epochs=1, batch_size=4, lr=0.01, seed=0)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert all(p.grad is None for p in model.parameters()) and model.training
    b, _ = el2n_scores(model, x, y, runs=2, epochs=1, batch_size=4, lr=0.01, seed=0)
    c, _ = el2n_scores(model, x, y, runs=2, epochs=1, batch_size=4, lr=0.01, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_score_windows_takes_el2n_settings_and_empty_sets():
    model, (x, y) = _model(), _data()
    got = score_windows(model, x, y, "el2n", batch_size=5,
                        el2n={"runs": 2, "epochs": 1, "batch_size": 4, "lr": 0.01, "seed": 2})
    want, _ = el2n_scores(model, x, y, runs=2, epochs=1, batch_size=4, lr=0.01, seed=2)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    empty, backprops = el2n_scores(model, x[:0], y[:0], runs=2, epochs=1, batch_size=4,
                                   lr=0.01, seed=0)
    assert empty.shape == (0,) and backprops == 0


@pytest.mark.parametrize("kw,name", [
    ({"runs": 0}, "runs"), ({"epochs": -1}, "epochs"), ({"batch_size": 0}, "batch_size"),
    ({"lr": float("nan")}, "lr"), ({"lr": 0}, "lr"), ({"runs": 1.5}, "runs")])
def test_bad_scoring_settings_raise_naming_them(kw, name):
    model, (x, y) = _model(), _data()
    settings = {"runs": 1, "epochs": 1, "batch_size": 4, "lr": 0.01, "seed": 0} | kw
    with pytest.raises(ValueError, match=name):
        el2n_scores(model, x, y, **settings)


@pytest.mark.parametrize("kw,name", [
    ({"keep_ratio": 0}, "keep_ratio"), ({"keep_ratio": 1.2}, "keep_ratio"),
    ({"runs": 0}, "runs"), ({"epochs": 0}, "epochs"), ({"score_epoch": -1}, "score_epoch"),
    ({"epochs": 2.0}, "epochs")])
def test_bad_strategy_params_raise_naming_them(kw, name):
    with pytest.raises(ValueError, match=name):
        EL2N(**kw)
    with pytest.raises(ValueError, match="el2n"):
        make_strategy("el2n", rounds=3)


def test_plan_scores_once_then_keeps_the_same_top_k():
    s, book = EL2N(keep_ratio=0.3, score_epoch=2, runs=4, epochs=3), ScoreBook(50, epochs=5)
    rng, scores = np.random.default_rng(0), np.random.default_rng(1).random(50)
    plans = []
    for epoch in range(5):
        req = s.needs_scores(epoch, book)
        if epoch == 2:
            assert req.method == "el2n" and dict(req.params) == {"runs": 4, "epochs": 3}
            assert (req.indices == np.arange(50)).all()
            book.update(req.indices, scores, epoch)
        else:
            assert req is None
        plans.append(s.plan_epoch(epoch, book, rng))
    assert [p.by_score for p in plans] == [False, False, True, True, True]
    assert all(len(p.indices) == 15 and p.weights is None for p in plans)
    top = np.sort(np.argsort(-scores)[:15])
    assert all((p.indices == top).all() for p in plans[2:])
    assert s.expected_budget(5, 50).share == 15 / 50 and s.expected_budget(5, 50).tol == 0


@pytest.fixture(scope="module")
def ws():
    from tests.conftest import make_series

    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))


def _train(ws, seed=0, epochs=2):
    torch.manual_seed(seed)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    events = []
    cfg = TrainConfig(strategy="el2n", epochs=epochs, seed=seed)
    res = train(model, ws, make_strategy("el2n"), cfg, meter=EnergyMeter("ITA"),
                on_event=events.append)
    return res, events


def test_training_counts_the_scoring_runs_and_trains_a_static_top_k(ws):
    (res, events), (again, _) = _train(ws), _train(ws)
    n, k = len(ws.train), round(0.7 * len(ws.train))
    first = res.records[0]
    assert first.score_method == "el2n" and first.n_scored == n and first.scoring_s > 0
    assert first.samples_scoring_backprop == 3 * 2 * n  # runs x epochs x windows
    assert all(r.n_scored == 0 and r.samples_scoring_backprop == 0 for r in res.records[1:])
    top = top_k(res.scores[0], k)
    for ev, rec in zip(events, res.records, strict=True):
        assert (ev.selection.indices == top).all() and ev.selection.by_score
        assert rec.samples_backprop == k and rec.selected_by_score
    assert (res.scores == res.scores[0]).all() and np.isfinite(res.scores).all()
    # the same seed, the same run: scoring did not disturb the main run's determinism
    np.testing.assert_array_equal(res.scores, again.scores)
    assert [r.val_mae for r in res.records] == [r.val_mae for r in again.records]

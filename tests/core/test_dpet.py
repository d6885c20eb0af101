"""DPET: RS2 warm-up chunks, a pool that only grows by the top-ranked unused windows, an
exact declared budget, and parameter checks."""

import numpy as np
import pytest
import torch

from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.models import build_model
from importance.strategies import ScoreBook, make_strategy
from importance.strategies.dpet import DPET
from importance.strategies.rs2 import RS2
from importance.training import train


def _drive(strategy, n, epochs, scores, seed=0):
    """Plan a run as the trainer does, with fixed `scores` (n,) standing in for the model's:
    (requests, selections)."""
    book, rng = ScoreBook(n, epochs), np.random.default_rng(seed)
    requests, plans = [], []
    for epoch in range(epochs):
        req = strategy.needs_scores(epoch, book)
        if req is not None:
            book.update(req.indices, scores[req.indices], epoch)
        sel = strategy.plan_epoch(epoch, book, rng)
        book.mark_trained(sel.indices, epoch)
        requests.append(req)
        plans.append(sel)
    return requests, plans


SCORES = np.random.default_rng(42).permutation(100).astype(float)


def test_warmup_trains_disjoint_rs2_chunks_of_0_3_n():
    requests, plans = _drive(DPET(), 100, 8, SCORES)
    rs2 = RS2(keep_ratio=0.3)
    rng, book = np.random.default_rng(0), ScoreBook(100, 8)
    for epoch in range(2):  # default warm-up at 8 epochs: 2
        assert requests[epoch] is None and not plans[epoch].by_score
        assert (plans[epoch].indices == rs2.plan_epoch(epoch, book, rng).indices).all()
        assert len(plans[epoch].indices) == 30 and plans[epoch].weights is None
    assert not np.intersect1d(plans[0].indices, plans[1].indices).size


def test_rounds_add_exactly_the_top_ranked_unused_windows_and_the_pool_only_grows():
    requests, plans = _drive(DPET(), 100, 8, SCORES)
    pool = np.union1d(plans[0].indices, plans[1].indices)
    for epoch in range(2, 8):
        req, sel = requests[epoch], plans[epoch]
        if epoch % 2 == 0:  # a round: rank the unused windows only, add the top 10
            unused = np.setdiff1d(np.arange(100), pool)
            assert req.method == "last_layer" and (req.indices == unused).all()
            top = unused[np.argsort(-SCORES[unused])[:10]]
            assert (np.setdiff1d(sel.indices, pool) == np.sort(top)).all()
        else:
            assert req is None and (sel.indices == pool).all()
        assert np.isin(pool, sel.indices).all() and sel.by_score
        pool = sel.indices
    assert [len(p.indices) for p in plans] == [30, 30, 70, 70, 80, 80, 90, 90]


def test_the_last_windows_join_without_scoring_and_the_pool_stays_full():
    requests, plans = _drive(DPET(), 100, 12, SCORES)
    assert [len(p.indices) for p in plans] == [30, 30, 70, 70, 80, 80, 90, 90, 100, 100, 100,
                                               100]
    assert [r is not None for r in requests] == [False, False, True, False, True, False, True,
                                                 False, False, False, False, False]
    assert all(p.by_score for p in plans[2:])


def test_a_full_pool_after_warmup_never_selects_by_score():
    requests, plans = _drive(DPET(warmup_epochs=4), 100, 6, SCORES)  # 4 x 30 >= 100
    assert all(r is None for r in requests) and not any(p.by_score for p in plans)
    assert [len(p.indices) for p in plans] == [30, 30, 30, 30, 100, 100]


@pytest.mark.parametrize("epochs,n,kw,warmup", [
    (8, 100, {}, 2), (16, 100, {}, 2), (7, 100, {}, 1), (2, 391, {}, 1),
    (16, 100, {"warmup_ratio": 0.1}, 4), (8, 100, {"warmup_ratio": 0.5}, 1),
    (8, 100, {"warmup_epochs": 3}, 3)])
def test_default_warmup_is_a_quarter_of_the_run_leaving_a_chunk_unused(epochs, n, kw, warmup):
    assert DPET(**kw).warmup(epochs, n) == warmup


@pytest.mark.parametrize("epochs,n,kw", [
    (8, 100, {}), (16, 100, {}), (2, 391, {}), (12, 97, {"add_ratio": 0.15}),
    (9, 50, {"warmup_epochs": 5}), (10, 100, {"round_epochs": 3, "warmup_ratio": 0.2}),
    (3, 10, {"warmup_epochs": 1, "add_ratio": 1.0})])
def test_realised_budget_is_exactly_the_declared_one(epochs, n, kw):
    scores = np.random.default_rng(1).random(n)
    strategy = DPET(**kw)
    _, plans = _drive(strategy, n, epochs, scores)
    realised = sum(len(p.indices) for p in plans) / (epochs * n)
    claim = strategy.expected_budget(epochs, n)
    assert claim.tol == 0 and claim.covers(realised), (realised, claim)
    assert [len(p.indices) for p in plans] == strategy.pool_sizes(epochs, n)


def test_defaults_budget_at_8_and_16_epochs():
    assert DPET().expected_budget(8, 100).share == pytest.approx(0.675)
    assert DPET().expected_budget(16, 100).share == pytest.approx(13.4 / 16)


def test_a_new_run_starts_a_new_pool_and_other_ranks_are_requested():
    strategy = DPET(rank="loss")
    first = _drive(strategy, 100, 4, SCORES)
    again = _drive(strategy, 100, 4, SCORES)  # the same instance, a new run
    assert [p.indices.tolist() for p in first[1]] == [p.indices.tolist() for p in again[1]]
    assert first[0][1].method == "loss"  # warm-up at 4 epochs: 1


@pytest.mark.parametrize("kw,name", [
    ({"warmup_ratio": 0}, "warmup_ratio"), ({"warmup_epochs": 0}, "warmup_epochs"),
    ({"round_epochs": 0}, "round_epochs"), ({"add_ratio": 1.5}, "add_ratio"),
    ({"rank": "mc_dropout"}, "rank"), ({"warmup_epochs": 2.5}, "warmup_epochs")])
def test_bad_params_raise_naming_them(kw, name):
    with pytest.raises(ValueError, match=name):
        DPET(**kw)


def test_default_warmup_needs_the_run_length():
    with pytest.raises(ValueError, match="warmup_epochs"):
        DPET().plan_epoch(0, ScoreBook(10), np.random.default_rng(0))
    assert len(DPET(warmup_epochs=1).plan_epoch(0, ScoreBook(10), np.random.default_rng(0))
               .indices) == 3


@pytest.fixture(scope="module")
def ws():
    from tests.conftest import make_series

    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))


def test_training_scores_only_the_unused_windows_forward_only(ws):
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    cfg = TrainConfig(strategy="dpet", epochs=4, seed=0)
    strategy = make_strategy("dpet")
    res = train(model, ws, strategy, cfg, meter=EnergyMeter("ITA"))
    n, chunk, add = len(ws.train), round(0.3 * len(ws.train)), round(0.1 * len(ws.train))
    recs = res.records
    assert [r.samples_backprop for r in recs] == [chunk, chunk + add, chunk + add,
                                                 chunk + 2 * add]
    assert [r.n_scored for r in recs] == [0, n - chunk, 0, n - chunk - add]
    assert all(r.samples_scoring_backprop == 0 and r.samples_forward == r.n_scored
               for r in recs)
    assert [r.selected_by_score for r in recs] == [False, True, True, True]
    assert (res.selected[1:].sum(1) >= res.selected[:-1].sum(1)).all()
    assert (res.selected[2] >= res.selected[1]).all() and (res.selected[3] >= res.selected[2]).all()
    realised = sum(r.samples_backprop for r in recs) / (4 * n)
    assert strategy.expected_budget(4, n).covers(realised)

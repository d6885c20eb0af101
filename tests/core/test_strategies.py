"""Contract tests run over every registered strategy."""

import doctest

import numpy as np
import pytest

from importance.strategies import STRATEGIES, ScoreBook, make_strategy
from importance.strategies.gradnorm import top_k


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_plans_valid_unique_indices(name):
    strategy = make_strategy(name)
    book = ScoreBook(50, epochs=3)
    rng = np.random.default_rng(0)
    for epoch in range(3):
        req = strategy.needs_scores(epoch, book)
        if req is not None:
            book.update(req.indices, np.random.default_rng(epoch).random(len(req.indices)), epoch)
        sel = strategy.plan_epoch(epoch, book, rng)
        assert sel.indices.dtype == np.int64
        assert len(np.unique(sel.indices)) == len(sel.indices) > 0
        assert sel.indices.min() >= 0 and sel.indices.max() < 50
        if sel.weights is not None:
            assert sel.weights.shape == sel.indices.shape and (sel.weights > 0).all()
    assert strategy.label and strategy.name == name


def test_registry_rejects_unknown_names_and_parameters():
    with pytest.raises(ValueError, match="unknown strategy 'nope'; allowed: full"):
        make_strategy("nope")
    with pytest.raises(ValueError, match="bad parameters for strategy 'full'"):
        make_strategy("full", keep_ratio=0.5)
    with pytest.raises(ValueError, match=r"keep_ratio must be a number in \(0, 1\], got 1.5"):
        make_strategy("gradnorm", keep_ratio=1.5)
    with pytest.raises(ValueError, match="rescore_method must be one of"):
        make_strategy("gradnorm", rescore_method="psychic")
    with pytest.raises(ValueError, match="rescore_method must be one of .*; got 'el2n'"):
        make_strategy("gradnorm", rescore_method="el2n")  # training runs are no rescoring
    with pytest.raises(ValueError, match="scoring must be one of exact, last_layer; got 'loss'"):
        make_strategy("gradnorm", scoring="loss")


def test_gradnorm_keeps_the_top_keep_ratio_by_score():
    s = make_strategy("gradnorm", keep_ratio=0.3, warmup_epochs=0, scoring="exact")
    book = ScoreBook(10)
    req = s.needs_scores(0, book)
    assert req.method == "exact" and len(req.indices) == 10 and s.train_scores == "exact"
    book.update(req.indices, np.arange(10.0), 0)
    sel = s.plan_epoch(0, book, np.random.default_rng(0))
    assert sel.indices.tolist() == [7, 8, 9]


def test_gradnorm_rescores_only_windows_not_trained_last_epoch():
    s = make_strategy("gradnorm", keep_ratio=0.5, rescore_every=2, rescore_method="last_layer",
                      warmup_epochs=0)
    book = ScoreBook(6)
    book.update(np.arange(6), np.zeros(6), 0)
    book.mark_trained(np.array([0, 1, 2]), 1)  # trained (and scored) in epoch 1
    book.update(np.array([0, 1, 2]), np.ones(3), 1)
    assert s.needs_scores(1, book) is None  # 1 % 2 != 0
    req = s.needs_scores(2, book)
    assert req.method == "last_layer" and req.indices.tolist() == [3, 4, 5]


def test_gradnorm_warmup_is_a_random_budget_then_scores_only_untrained_windows():
    s = make_strategy("gradnorm", keep_ratio=0.5, warmup_epochs=1, rescore_method="truncated")
    book = ScoreBook(8)
    assert s.needs_scores(0, book) is None
    a = s.plan_epoch(0, book, np.random.default_rng(0))
    b = s.plan_epoch(0, book, np.random.default_rng(1))
    assert len(a.indices) == len(b.indices) == 4 and a.indices.tolist() != b.indices.tolist()
    book.mark_trained(a.indices, 0)
    book.update(a.indices, np.ones(4), 0)
    req = s.needs_scores(1, book)
    assert req.method == "truncated"
    assert sorted(req.indices.tolist()) == sorted(set(range(8)) - set(a.indices.tolist()))


def test_top_k_puts_windows_marked_first_before_any_score():
    unscored = np.array([False, True, False, False])
    assert top_k(np.array([5.0, np.nan, 1.0, 3.0]), 2, first=unscored).tolist() == [0, 1]
    with pytest.raises(ValueError, match="k must be in 1..4"):
        top_k(np.zeros(4), 0)


@pytest.mark.parametrize("module", ["base", "rs2", "selective_backprop"])
def test_the_examples_in_the_strategy_docstrings_run(module):
    import importlib

    result = doctest.testmod(importlib.import_module(f"importance.strategies.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_random_subset_is_one_uniform_draw_fixed_for_the_run():
    s = make_strategy("random", keep_ratio=0.5)
    book = ScoreBook(1000)
    rng = np.random.default_rng(1)
    first = s.plan_epoch(0, book, rng).indices
    assert len(first) == 500 and len(np.unique(first)) == 500
    for epoch in range(1, 5):  # the same windows every epoch: the static control
        assert (s.plan_epoch(epoch, book, rng).indices == first).all()
    counts = np.zeros(1000)
    for run in range(40):  # a new run (epoch 0) draws afresh, uniformly over the windows
        counts[s.plan_epoch(0, book, np.random.default_rng(run)).indices] += 1
    assert 15 < counts.mean() < 25 and counts.std() < 6  # ~Binomial(40, 0.5)


def test_new_strategies_reject_bad_parameters_by_name():
    for name, params, message in (
            ("rs2", {"keep_ratio": 0}, r"keep_ratio must be a number in \(0, 1\], got 0"),
            ("selective_backprop", {"beta": 0}, "beta must be a finite number > 0, got 0"),
            ("selective_backprop", {"keep_ratio": 2}, r"keep_ratio must be a number in \(0, 1\]"),
            ("infobatch", {"prune_ratio": 1}, r"prune_ratio must be a number in \[0, 1\), got 1"),
            ("infobatch", {"delta": 0}, r"delta must be a number in \(0, 1\], got 0"),
            ("infobatch", {"target_budget": 0}, r"target_budget must be a number in \(0, 1\]"),
            ("infobatch", {"max_prune": 1.0}, r"max_prune must be a number in \[0, 1\)"),
            ("infobatch", {"keep_ratio": 0.5}, "bad parameters for strategy 'infobatch'")):
        with pytest.raises(ValueError, match=message):
            make_strategy(name, **params)


def test_rs2_trains_every_window_once_before_any_twice():
    s = make_strategy("rs2", keep_ratio=0.3)  # 3 of 10 per epoch
    book, rng = ScoreBook(10), np.random.default_rng(0)
    plans = [s.plan_epoch(e, book, rng).indices for e in range(20)]
    assert all(len(p) == 3 and len(set(p.tolist())) == 3 for p in plans)
    assert len(set(np.concatenate(plans[:3]).tolist())) == 9  # no repeats in the first 9
    assert set(np.concatenate(plans[:4]).tolist()) == set(range(10))  # all seen by the 10th
    counts = np.zeros(10)
    for p in plans:
        counts[p] += 1
        assert counts.max() - counts.min() <= 1  # nobody twice before everyone once
    assert len({tuple(p) for p in plans}) > 10  # a fresh subset each epoch, not a fixed one
    again = s.plan_epoch(0, book, np.random.default_rng(0)).indices
    assert again.tolist() == plans[0].tolist()  # epoch 0 starts a new stream


def test_selective_backprop_trains_everything_first_then_scores_every_window_by_loss():
    s = make_strategy("selective_backprop")
    book = ScoreBook(20)
    assert s.needs_scores(0, book) is None and s.train_scores is None
    assert s.plan_epoch(0, book, np.random.default_rng(0)).indices.tolist() == list(range(20))
    req = s.needs_scores(1, book)
    assert req.method == "loss" and req.indices.tolist() == list(range(20))


@pytest.mark.parametrize("keep_ratio", [None, 0.5])
def test_selective_backprop_keeps_by_a_probability_monotone_in_the_loss_percentile(keep_ratio):
    s = make_strategy("selective_backprop", keep_ratio=keep_ratio)
    losses = np.random.default_rng(0).lognormal(size=200)
    p = s.probabilities(losses)
    by_loss = p[np.argsort(losses)]
    assert (np.diff(by_loss) >= 0).all() and by_loss[-1] == 1
    if keep_ratio is None:  # (rank / n) ** 3
        assert p[np.argmax(losses)] == 1 and p.min() == pytest.approx(200.0 ** -3)
        assert p.mean() == pytest.approx(0.25, abs=0.01)
    else:
        assert p.mean() == pytest.approx(keep_ratio)
    book, rng = ScoreBook(200), np.random.default_rng(1)
    book.update(np.arange(200), losses, 1)
    kept = np.zeros(200)
    for epoch in range(1, 301):
        kept[s.plan_epoch(epoch, book, rng).indices] += 1
    assert np.abs(kept / 300 - p).max() < 0.1  # each window kept at its own rate


def test_infobatch_prunes_below_mean_windows_and_rescales_the_kept_ones():
    s = make_strategy("infobatch", prune_ratio=0.4)
    book = ScoreBook(2000, epochs=8)
    losses = np.random.default_rng(0).exponential(size=2000)
    book.update(np.arange(2000), losses, 0)
    first = s.plan_epoch(0, book, np.random.default_rng(1))
    assert first.indices.tolist() == list(range(2000)) and first.weights is None  # epoch 0 full
    sel = s.plan_epoch(1, book, np.random.default_rng(1))
    low = losses < losses.mean()
    assert set(range(2000)) - set(sel.indices.tolist()) <= set(np.flatnonzero(low).tolist())
    np.testing.assert_allclose(sel.weights, np.where(low[sel.indices], 1 / 0.6, 1.0))
    pruned = low.sum() - low[sel.indices].sum()
    assert pruned / low.sum() == pytest.approx(0.4, abs=0.05)


def test_infobatch_anneals_on_full_data_with_weight_one():
    """Epochs from delta x epochs on train everything at weight 1 even when delta x epochs is
    not whole (10 x 0.875 = 8.75): the public code's reset compares the int epoch with that
    float, so its annealing epochs keep the last pruned epoch's weights."""
    s = make_strategy("infobatch")
    book, rng = ScoreBook(50, epochs=10), np.random.default_rng(0)
    losses = np.random.default_rng(1).exponential(size=50)
    plans = []
    for epoch in range(10):
        book.update(np.arange(50), losses, epoch)
        plans.append(s.plan_epoch(epoch, book, rng))
    assert all(p.weights is not None and (p.weights > 1).any() for p in plans[1:9])
    last = plans[9]
    assert last.indices.tolist() == list(range(50))
    assert last.weights is None or (last.weights == 1).all()
    assert [e for e in range(10) if s.pruning(e, 10)] == list(range(1, 9))
    assert [e for e in range(8) if s.pruning(e, 8)] == list(range(1, 7))  # 7 = 0.875 x 8
    lean = make_strategy("infobatch", delta=0.7)  # 0.7 x 10 is 7.000000000000001
    assert [e for e in range(10) if lean.pruning(e, 10)] == list(range(1, 7))


def test_infobatch_needs_the_run_length():
    with pytest.raises(ValueError, match="infobatch .* needs the run length"):
        make_strategy("infobatch").plan_epoch(1, ScoreBook(5), np.random.default_rng(0))


@pytest.mark.parametrize("target", [0.7, 0.8])
def test_infobatch_target_budget_reaches_its_share_and_rescales(target):
    n, epochs = 3000, 8
    s = make_strategy("infobatch", target_budget=target)
    book, rng = ScoreBook(n, epochs=epochs), np.random.default_rng(0)
    losses = np.random.default_rng(1).exponential(size=n)  # heavy tail: most below the mean
    trained = 0
    for epoch in range(epochs):
        book.update(np.arange(n), losses, epoch)
        sel = s.plan_epoch(epoch, book, rng)
        trained += len(sel.indices)
        if sel.weights is not None:  # kept below-mean windows weigh 1/(1-r_e) > 1
            low = losses[sel.indices] < losses.mean()
            assert (sel.weights[low] > 1).all() and (sel.weights[~low] == 1).all()
    assert trained / (n * epochs) == pytest.approx(target, abs=0.01)
    assert s.expected_budget(epochs, n).covers(trained / (n * epochs))
    # a second run with the same strategy object starts its account afresh
    again = sum(len(s.plan_epoch(e, book, np.random.default_rng(0)).indices)
                for e in range(epochs))
    assert again / (n * epochs) == pytest.approx(target, abs=0.01)


def test_infobatch_target_out_of_reach_is_missed_upwards_at_the_cap():
    n, epochs = 1000, 8
    s = make_strategy("infobatch", target_budget=0.1, max_prune=0.5)
    book = ScoreBook(n, epochs=epochs)
    book.update(np.arange(n), np.random.default_rng(1).exponential(size=n), 0)
    sel = [s.plan_epoch(e, book, np.random.default_rng(e)) for e in range(epochs)]
    share = sum(len(x.indices) for x in sel) / (n * epochs)
    assert share > 0.5 and max(x.weights.max() for x in sel[1:7]) == pytest.approx(2.0)
    assert s.expected_budget(epochs, n).covers(share)


def test_a_keep_ratio_reaches_every_subset_strategy_under_its_budget_name():
    from importance.strategies import accepted_params

    assert accepted_params("infobatch", keep_ratio=0.6, scoring="exact") == {
        "target_budget": 0.6}
    assert accepted_params("gradnorm", keep_ratio=0.6, scoring="exact") == {
        "keep_ratio": 0.6, "scoring": "exact"}
    assert accepted_params("full", keep_ratio=0.6) == accepted_params("dpet", keep_ratio=0.6) == {}

"""Contract tests run over every registered strategy."""

import doctest

import numpy as np
import pytest

from importance.strategies import STRATEGIES, ScoreBook, make_strategy
from importance.strategies.gradnorm import top_k


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_plans_valid_unique_indices(name):
    strategy = make_strategy(name)
    book = ScoreBook(50)
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


def test_the_examples_in_the_strategy_docstrings_run():
    from importance.strategies import base

    result = doctest.testmod(base)
    assert result.attempted > 0 and result.failed == 0


def test_random_subset_draws_the_budget_uniformly():
    s = make_strategy("random", keep_ratio=0.5)
    book = ScoreBook(1000)
    rng = np.random.default_rng(1)
    counts = np.zeros(1000)
    for epoch in range(40):
        sel = s.plan_epoch(epoch, book, rng)
        assert len(sel.indices) == 500
        counts[sel.indices] += 1
    assert 15 < counts.mean() < 25 and counts.std() < 6  # ~Binomial(40, 0.5)

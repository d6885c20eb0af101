"""Importance sampling (Katharopoulos & Fleuret): tau, the switch, unbiased weights, floors,
budget, determinism and parameter checks."""

import math

import numpy as np
import pytest

from importance.strategies import ScoreBook, make_strategy
from importance.strategies.importance_sampling import (
    ImportanceSampling,
    aggregate_draws,
    floored_scores,
    variance_reduction,
)

SKEWED = np.r_[np.ones(90), np.full(10, 30.0)]  # tau = sqrt(90.9)/3.9 = 2.44 > 2


def _epoch(strategy, book, scores, epoch, rng, train=None):
    """One epoch as the trainer drives it: `scores` (n,) stand in for the model's scoring
    pass, `train` (n,; default `scores`) for the norms its training pass returns."""
    req = strategy.needs_scores(epoch, book)
    if req is not None:
        assert req.method == "last_layer"
        book.update(req.indices, scores[req.indices], epoch)
    sel = strategy.plan_epoch(epoch, book, rng)
    book.mark_trained(sel.indices, epoch)
    assert strategy.train_scores == "last_layer"
    book.update(sel.indices, (scores if train is None else train)[sel.indices], epoch)
    return req, sel


def test_tau_matches_a_hand_computed_example():
    # g = [1, 1, 1, 5]/8, u = 1/4: ||g-u||^2 = 12/64, ||g||^2 = 28/64, tau = 1/sqrt(1-3/7)
    assert variance_reduction(np.array([1.0, 1.0, 1.0, 5.0])) == pytest.approx(math.sqrt(7 / 4))
    assert variance_reduction(np.ones(50)) == pytest.approx(1.0)
    assert variance_reduction(np.r_[1.0, np.zeros(15)]) == pytest.approx(4.0)  # sqrt(16)
    assert variance_reduction(SKEWED) == pytest.approx(math.sqrt(90.9) / 3.9)


def test_uniform_scores_keep_it_off_with_a_uniform_draw_and_no_scoring_pass():
    s, book = ImportanceSampling(), ScoreBook(100, epochs=3)
    rng = np.random.default_rng(0)
    for epoch in range(3):
        req, sel = _epoch(s, book, np.full(100, 2.5), epoch, rng)
        # epoch 0 scores every window; off-epochs after it score nothing apart
        assert (req is not None and len(req.indices) == 100) if epoch == 0 else req is None
        assert not sel.by_score and sel.weights is None and len(sel.indices) == 70
        assert len(np.unique(sel.indices)) == 70
    assert [h["on"] for h in s.history] == [False] * 3
    assert [h["scored"] for h in s.history] == [100, 0, 0]
    # epoch 1's tau was read off its training pass at epoch 2's start; epoch 2's is pending
    assert s.history[1]["tau"] == pytest.approx(1.0) and s.history[2]["tau"] is None
    assert s.history[-1]["tau_smoothed"] == pytest.approx(1.0)


def test_skewed_scores_switch_it_on_with_aggregated_unbiased_weights():
    s, book = ImportanceSampling(), ScoreBook(100, epochs=1)
    _, sel = _epoch(s, book, SKEWED, 0, np.random.default_rng(1))
    h = s.history[0]
    assert sel.by_score and h["on"] and h["tau"] == pytest.approx(2.4446, abs=1e-4)
    u = len(sel.indices)
    assert h["unique"] == u < 70 and h["weight_var"] > 0
    # weight = count * mean(s)/s_i * u/k: the counts are whole and sum to k
    per_draw = 3.9 / SKEWED[sel.indices]
    counts = sel.weights / per_draw * 70 / u
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    assert (np.round(counts) >= 1).all() and np.round(counts).sum() == 70


def test_weighted_mean_over_the_selection_is_unbiased():
    """Monte-Carlo: mean of sum_i weight_i v_i / u over many epochs ~ the uniform mean of v,
    while the unweighted mean over the same selections is far off (the test can fail)."""
    n = 100
    values = SKEWED * 2 + np.sin(np.arange(n))  # correlated with the scores
    truth = values.mean()
    rng = np.random.default_rng(2)
    est, plain = [], []
    for _ in range(3000):
        s, book = ImportanceSampling(), ScoreBook(n, epochs=1)
        _, sel = _epoch(s, book, SKEWED, 0, rng)
        assert sel.by_score
        est.append((sel.weights * values[sel.indices]).mean())
        plain.append(values[sel.indices].mean())
    se = np.std(est) / math.sqrt(len(est))
    assert abs(np.mean(est) - truth) < 4 * se
    assert abs(np.mean(plain) - truth) > 20 * se


def test_aggregate_draws_reproduces_the_mean_over_draws():
    rng = np.random.default_rng(3)
    counts, w, v = rng.multinomial(20, np.full(8, 1 / 8)), rng.random(8) + 0.5, rng.random(8)
    pos, weights = aggregate_draws(counts, w)
    assert (weights * v[pos]).mean() == pytest.approx((counts * w * v).sum() / 20)


def test_zero_and_non_finite_scores_get_finite_positive_weights():
    scores = np.r_[np.zeros(40), np.full(5, np.nan), np.inf, -1.0, np.full(53, 1.0)]
    scores[:3] = 1000.0  # skewed enough to be on
    f = floored_scores(scores, 10)
    assert np.isfinite(f).all() and (f > 0).all()
    for seed in range(5):
        s, book = ImportanceSampling(), ScoreBook(100, epochs=1)
        _, sel = _epoch(s, book, scores, 0, np.random.default_rng(seed))
        assert sel.by_score
        assert np.isfinite(sel.weights).all() and (sel.weights > 0).all()
        u, k = len(sel.indices), 70
        # per-draw weights are clipped at max_weight: weight_i <= count_i * 10 * u/k
        assert (sel.weights <= k * 10 * u / k).all()
    assert (floored_scores(np.full(4, np.nan), 10) == 1).all()  # nothing usable: uniform
    assert (floored_scores(np.r_[0.0, -1.0, np.inf], 10) == 1).all()
    huge = floored_scores(np.r_[1e308, 1e308, 0.0], 10)  # no overflow to inf
    assert np.isfinite(huge).all() and variance_reduction(huge) > 1


def test_ema_remembers_earlier_epochs_and_resets_at_epoch_zero():
    s, book = ImportanceSampling(), ScoreBook(100, epochs=4)
    rng = np.random.default_rng(4)
    ones = np.ones(100)
    _epoch(s, book, ones, 0, rng)  # tau 1 on its scoring pass: off
    _, sel1 = _epoch(s, book, ones, 1, rng, train=SKEWED)  # off; its training pass is skewed
    req, sel = _epoch(s, book, ones, 2, rng)
    tau1 = variance_reduction(SKEWED[sel1.indices])  # over the 70 windows it trained
    assert tau1 > 2  # on its own it would switch importance sampling on
    # bias-corrected EMA: (0.9 * 0.1 * 1 + 0.1 * tau1) / (1 - 0.9^2) < 2: still off
    assert s.history[1]["tau"] == pytest.approx(tau1)
    assert s.history[2]["tau_smoothed"] == pytest.approx((0.09 + 0.1 * tau1) / 0.19)
    assert s.history[2]["tau_smoothed"] < 2
    assert req is None and not s.history[2]["on"] and not sel.by_score
    tau = math.sqrt(90.9) / 3.9
    # a new run: the EMA forgets the uniform epochs and switches on at once
    book = ScoreBook(100, epochs=3)
    _, sel = _epoch(s, book, SKEWED, 0, rng)
    assert len(s.history) == 1 and s.history[0]["tau_smoothed"] == pytest.approx(tau)
    assert sel.by_score


def test_a_skewed_training_pass_switches_it_on_with_a_presample():
    s, book = ImportanceSampling(keep_ratio=0.5), ScoreBook(100, epochs=3)
    rng = np.random.default_rng(6)
    spiky = np.where(np.arange(100) % 20 == 0, 1000.0, 1.0)  # 5 spikes in 100
    _epoch(s, book, np.ones(100), 0, rng, train=spiky)  # epoch 0: tau 1 from its scoring
    # epoch 0's own training pass is not read (its scoring pass measured it)
    req, sel1 = _epoch(s, book, np.ones(100), 1, rng, train=spiky)
    assert req is None and not sel1.by_score and s.history[0]["tau"] == pytest.approx(1.0)
    req, sel = _epoch(s, book, spiky, 2, rng)
    # over the 50 windows it trained, floored at mean/10 (which lifts the ones here)
    tau1 = variance_reduction(floored_scores(spiky[sel1.indices], 10))
    smoothed = (0.09 + 0.1 * tau1) / 0.19
    assert smoothed > 2 and s.history[2]["tau_smoothed"] == pytest.approx(smoothed)
    assert s.history[2]["on"]
    assert req is not None and len(req.indices) == 100 == s.history[2]["scored"]
    assert sel.by_score and np.isin(sel.indices, req.indices).all()


def test_presample_smaller_than_n_is_drawn_uniformly_for_the_next_epoch():
    s, book = ImportanceSampling(keep_ratio=0.1), ScoreBook(100, epochs=3)
    rng = np.random.default_rng(5)
    req0, _ = _epoch(s, book, SKEWED, 0, rng)
    assert len(req0.indices) == 100  # epoch 0 scores everything, samples 30 of them
    assert s.history[0]["scored"] == 100 and s.history[0]["on"]
    req1, sel1 = _epoch(s, book, SKEWED, 1, rng)
    assert len(req1.indices) == 30 == s.history[1]["scored"]
    assert len(np.unique(req1.indices)) == 30
    assert np.isin(sel1.indices, req1.indices).all()


def test_plans_are_deterministic_for_a_seeded_generator():
    def run(seed):
        s, book, rng, out = ImportanceSampling(keep_ratio=0.2), ScoreBook(60, 4), \
            np.random.default_rng(seed), []
        for epoch in range(4):
            scores = np.r_[np.ones(50), np.full(10, 30.0)] * (epoch + 1)  # tau 2.1: on
            _, sel = _epoch(s, book, scores, epoch, rng)
            out.append((sel.indices.tolist(), None if sel.weights is None
                        else sel.weights.tolist()))
        assert all(h["on"] for h in s.history)
        return out, s.history

    assert run(7) == run(7)
    assert run(7)[0] != run(8)[0]


def test_declared_budget_covers_off_and_extreme_on_epochs():
    n, s = 100, ImportanceSampling()
    claim = s.expected_budget(4, n)
    assert claim.covers(0.7)  # off: exactly k/n
    assert not claim.covers(0.71) and not claim.covers(1.0) and not claim.covers(0.005)
    big = s.expected_budget(4, 10_000)  # the 4-sigma margin shrinks relative to n
    assert 0.05 < big.share - big.tol < 0.06 and big.covers(0.7) and not big.covers(0.71)
    extreme = np.r_[1e6, np.zeros(n - 1)]  # one window takes (nearly) all the mass
    for seed in range(5):
        st, book, rng = ImportanceSampling(), ScoreBook(n, 4), np.random.default_rng(seed)
        trained = 0
        for epoch in range(4):
            _, sel = _epoch(st, book, extreme, epoch, rng)
            assert sel.by_score
            trained += len(sel.indices)
        assert claim.covers(trained / (4 * n)), (trained, claim)
        assert trained / (4 * n) < 0.7


def test_registered_with_keyword_only_parameters():
    s = make_strategy("importance_sampling", keep_ratio=0.5, max_weight=5)
    assert isinstance(s, ImportanceSampling) and s.uses_scores
    assert s.train_scores == "last_layer"
    with pytest.raises(TypeError):
        ImportanceSampling(0.5)


@pytest.mark.parametrize("param, value", [
    ("keep_ratio", 0), ("keep_ratio", 1.5), ("keep_ratio", "0.7"),
    ("presample", 0.5), ("presample", math.nan), ("presample", math.inf),
    ("tau_th", 0.9), ("tau_th", math.nan), ("tau_th", None),
    ("tau_ema", 1.0), ("tau_ema", -0.1),
    ("max_weight", 0.5), ("max_weight", math.inf), ("max_weight", math.nan),
])
def test_bad_parameters_raise_value_error_naming_them(param, value):
    with pytest.raises(ValueError, match=param):
        ImportanceSampling(**{param: value})

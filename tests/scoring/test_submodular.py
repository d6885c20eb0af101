"""Submodular selection (importance.strategies.submodular): lazy greedy against the plain
greedy and the brute-force optimum, similarities from gradient embeddings, blocks, weights."""

import itertools
import math

import numpy as np
import pytest

from importance.strategies.base import HeadView
from importance.strategies.submodular import (
    MAX_DENSE,
    FacilityLocation,
    GraphCut,
    blocks,
    greedy,
    lazy_greedy,
    represented,
    select,
    shares,
    similarity,
)


def _view(m, d=3, horizon=2, seed=0):
    rng = np.random.default_rng(seed)
    return HeadView(np.c_[rng.normal(size=(m, d - 1)), np.ones(m)], rng.normal(size=(m, horizon)),
                    rng.normal(size=(m, horizon)), np.ones(m))


def _objective(kind, sim):
    return FacilityLocation(sim) if kind == "facility_location" else GraphCut(sim)


def _value(kind, sim, chosen):
    chosen = np.asarray(chosen, dtype=np.int64)
    return (FacilityLocation.value(sim, chosen) if kind == "facility_location"
            else GraphCut.value(sim, chosen))


KINDS = ("facility_location", "graph_cut")


def test_similarity_is_d_max_minus_the_distance_of_the_materialised_gradients():
    view = _view(6)
    grads = np.stack([np.outer(g, a).ravel() for g, a in zip(view.grads, view.inputs,
                                                             strict=True)])  # (m, horizon*D)
    d = np.linalg.norm(grads[:, None] - grads[None], axis=2)
    np.testing.assert_allclose(similarity(view), d.max() - d, atol=1e-10)
    np.testing.assert_allclose(view.sq_norms(), (grads ** 2).sum(1), rtol=1e-12)


def test_no_dense_similarity_beyond_the_guard():
    big = HeadView(np.ones((MAX_DENSE + 1, 1)), np.ones((MAX_DENSE + 1, 1)),
                   np.zeros((MAX_DENSE + 1, 1)), np.ones(MAX_DENSE + 1))
    with pytest.raises(ValueError, match="dense similarity over 20001 windows"):
        similarity(big)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(6))
def test_lazy_greedy_picks_what_the_plain_greedy_picks(kind, seed):
    m = 30
    sim = similarity(_view(m, seed=seed))
    for k in (1, 5, 17, m):
        plain = greedy(_objective(kind, sim), m, k)
        lazy = lazy_greedy(_objective(kind, sim), m, k)
        assert plain.tolist() == lazy.tolist() and len(set(lazy.tolist())) == k


def test_greedy_breaks_ties_by_the_lower_index_in_both_forms():
    sim = np.ones((5, 5))  # every window alike: every first gain ties
    for kind in KINDS:
        assert greedy(_objective(kind, sim), 5, 2).tolist()[0] == 0
        assert lazy_greedy(_objective(kind, sim), 5, 2).tolist() == greedy(
            _objective(kind, sim), 5, 2).tolist()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(5))
def test_greedy_reaches_one_minus_one_over_e_of_the_brute_force_optimum(kind, seed):
    m, k = 9, 3
    sim = similarity(_view(m, seed=seed))
    best = max(_value(kind, sim, c) for c in itertools.combinations(range(m), k))
    got = _value(kind, sim, lazy_greedy(_objective(kind, sim), m, k))
    assert best > 0 and got >= (1 - 1 / math.e) * best - 1e-12
    assert got <= best + 1e-9


def test_gains_are_value_differences():
    sim = similarity(_view(7, seed=3))
    for kind in KINDS:
        f = _objective(kind, sim)
        chosen: list[int] = []
        for j in (4, 1, 6):
            expected = [_value(kind, sim, [*chosen, c]) - _value(kind, sim, chosen)
                        for c in range(7)]
            np.testing.assert_allclose(f.gains(np.arange(7))[[c for c in range(7)
                                                               if c not in chosen]],
                                       [e for c, e in enumerate(expected) if c not in chosen],
                                       rtol=1e-10, atol=1e-10)
            f.add(j)
            chosen.append(j)


def test_blocks_and_shares():
    parts = blocks(10, 4)
    assert [p.tolist() for p in parts] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert shares(5, [4, 3, 3]) == [2, 2, 1] and sum(shares(7, [4, 3, 3])) == 7
    assert shares(10, [4, 3, 3]) == [4, 3, 3]
    with pytest.raises(ValueError, match="block size"):
        blocks(3, 0)


def test_represented_counts_each_window_once_and_each_pick_at_least_itself():
    sim = np.ones((4, 4))  # duplicates: every window equally near both picks
    counts = represented(sim, np.array([2, 0]))
    assert counts.tolist() == [3.0, 1.0]  # ties go to the earlier pick; pick 0 keeps itself
    sim = similarity(_view(12, seed=1))
    picks = lazy_greedy(FacilityLocation(sim), 12, 4)
    counts = represented(sim, picks)
    assert counts.sum() == 12 and (counts >= 1).all()


@pytest.mark.parametrize("kind", KINDS)
def test_select_chooses_k_within_blocks_and_craig_weights_sum_to_n(kind):
    view = _view(50, seed=2)
    idx, w = select(view, 12, kind, block_size=20)  # blocks of 17, 17, 16
    assert len(idx) == 12 and (np.diff(idx) > 0).all()
    assert [int(((idx >= a) & (idx < b)).sum()) for a, b in ((0, 17), (17, 34), (34, 50))] == \
        shares(12, [17, 17, 16])
    if kind == "facility_location":
        assert w is not None and w.sum() == 50 and (w >= 1).all()
    else:
        assert w is None
    whole, _ = select(view, 12, kind, block_size=50)
    assert whole.tolist() == sorted(lazy_greedy(_objective(kind, similarity(view)), 50,
                                                12).tolist())

"""GraNd, CRAIG, GraphCut, Glister and active learning: Glister's gains against explicit
validation losses, the strategies' plans, and what their training runs count as scoring."""

import numpy as np
import pytest
import torch

from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.models import build_model
from importance.strategies import ScoreBook, make_strategy
from importance.strategies.active_learning import disagreement
from importance.strategies.base import HeadView
from importance.strategies.glister import GlisterGains, glister_select
from importance.training import train


def _val_loss(w, val):
    """The validation loss of head W by its definition: mean_v mean_h (s_v (W a_v - z_v))^2."""
    err = (val.inputs @ w.T - val.targets) * val.scale[:, None]
    return float((err ** 2).mean())


def _views(seed=0, m=6, v=5, d=3, horizon=2):
    """A head W, candidate windows' views and validation views, consistent with W."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(horizon, d))

    def view(count):
        a = np.c_[rng.normal(size=(count, d - 1)), np.ones(count)]
        z, s = rng.normal(size=(count, horizon)), rng.uniform(0.5, 2, count)
        g = (2 / horizon) * s[:, None] ** 2 * (a @ w.T - z)  # dl/draw at W
        return HeadView(a, g, z, s)

    return w, view(m), view(v)


def test_glister_gain_is_the_validation_loss_drop_of_a_head_step_before_and_after_picks():
    w, cand, val = _views()
    eta = 0.05
    state = GlisterGains(cand, val, eta)
    steps = [np.outer(cand.grads[j], cand.inputs[j]) for j in range(len(cand))]
    explicit = [_val_loss(w, val) - _val_loss(w - eta * g, val) for g in steps]
    np.testing.assert_allclose(state.gains(), explicit, rtol=1e-10)
    # the first-order part alone: eta <grad L_val, G_j>, with grad L_val by finite differences
    grad = np.zeros_like(w)
    for idx in np.ndindex(*w.shape):
        e = np.zeros_like(w)
        e[idx] = 1e-6
        grad[idx] = (_val_loss(w + e, val) - _val_loss(w - e, val)) / 2e-6
    np.testing.assert_allclose(state.gains() + state.curvature,
                               [eta * (grad * g).sum() for g in steps], rtol=1e-6)
    # after stepping on windows 2 and 4, the gains are those at the stepped head
    state.step(np.array([2, 4]))
    w2 = w - eta * (steps[2] + steps[4])
    np.testing.assert_allclose(state.gains(),
                               [_val_loss(w2, val) - _val_loss(w2 - eta * g, val) for g in steps],
                               rtol=1e-10)


def test_glister_greedy_picks_the_best_explicit_step_one_at_a_time():
    w, cand, val = _views(seed=3, m=8)
    eta, chosen, head = 0.2, [], w.copy()
    for _ in range(3):
        drops = {j: _val_loss(head, val) - _val_loss(
            head - eta * np.outer(cand.grads[j], cand.inputs[j]), val)
            for j in range(8) if j not in chosen}
        best = max(drops, key=drops.get)
        chosen.append(best)
        head = head - eta * np.outer(cand.grads[best], cand.inputs[best])
    assert glister_select(cand, val, 3, eta=eta, rounds=3).tolist() == sorted(chosen)


def test_ensemble_disagreement_grows_away_from_the_pool():
    rng = np.random.default_rng(0)
    a = np.c_[rng.normal(0, 0.1, size=(40, 2)), np.ones(40)]
    z = a @ np.array([[1.0], [-2.0], [0.5]]) + rng.normal(0, 0.05, size=(40, 1))
    pool = HeadView(a, np.zeros_like(z), z, np.ones(40))
    near, far = [0.05, -0.05, 1.0], [3.0, 3.0, 1.0]
    unused = HeadView(np.array([near, far]), np.zeros((2, 1)), np.zeros((2, 1)),
                      np.array([1.0, 2.0]))
    doubt = disagreement(pool, unused, 5, np.random.default_rng(1))
    assert doubt[1] > 10 * doubt[0] > 0  # far from the pool: the heads disagree (x s^2)


def test_active_learning_grows_the_pool_from_a_random_start_by_disagreement():
    n, epochs = 200, 7
    strategy = make_strategy("active_learning", keep_ratio=0.5)
    assert strategy.rounds(epochs) == [2, 4, 6]
    sizes = strategy.pool_sizes(epochs, n)
    assert sizes == [20, 20, 47, 47, 74, 74, 100]  # 0.2 of the final 100, then 3 rounds
    book, rng = ScoreBook(n, epochs), np.random.default_rng(0)
    feats = np.random.default_rng(5).normal(size=(n, 3))
    views = HeadView(np.c_[feats, np.ones(n)], np.zeros((n, 1)), feats[:, :1] ** 2,
                     np.ones(n))
    pools = []
    for epoch in range(epochs):
        req = strategy.needs_scores(epoch, book)
        assert (req is not None) == (epoch in (2, 4, 6))
        if req is not None:
            assert req.method == "gradient_embedding" and len(req.indices) == n
            book.update(req.indices, np.zeros(n), epoch)
            book.update_views(req.indices, views)
        sel = strategy.plan_epoch(epoch, book, rng)
        pools.append(set(sel.indices.tolist()))
        assert len(sel.indices) == sizes[epoch] and sel.by_score == (epoch >= 2)
        if req is not None:  # the added windows were the most disputed of the unused ones
            added = pools[-1] - pools[-2]
            unused = sorted(set(range(n)) - pools[-2])
            cut = np.sort(book.scores[unused])[-len(added)]
            assert all(book.scores[i] >= cut for i in added)
    assert all(a <= b for a, b in zip(pools, pools[1:], strict=False))  # it only grows
    other = make_strategy("active_learning", keep_ratio=0.5)
    start = other.plan_epoch(0, ScoreBook(n, epochs), np.random.default_rng(1))
    assert set(start.indices.tolist()) != pools[0]  # the start is random


def test_bad_parameters_raise_naming_them():
    for name, kw, what in (("craig", {"interval": 0}, "interval"),
                           ("graphcut", {"block_size": 0}, "block_size"),
                           ("glister", {"eta": -1.0}, "eta"),
                           ("grand", {"runs": 0}, "runs"),
                           ("active_learning", {"heads": 1}, "heads")):
        with pytest.raises(ValueError, match=what):
            make_strategy(name, **kw)


# --- training runs: what selection costs, counted as scoring ---------------------------------

EPOCHS = 3


@pytest.fixture(scope="module")
def ws():
    from tests.conftest import make_series

    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))


class PhaseSpy:
    """An energy meter that remembers which phase is open (and measures nothing)."""

    def __init__(self):
        self.meter, self.open = EnergyMeter("ITA"), None

    def phase(self, name):
        spy = self

        class _Phase:
            def __enter__(self):
                self.inner = spy.meter.phase(name)
                spy.open = name
                return self.inner.__enter__()

            def __exit__(self, *exc):
                spy.open = None
                return self.inner.__exit__(*exc)

        return _Phase()


def _train(ws, strategy, meter=None):
    """`strategy` trained EPOCHS epochs on `ws`: (result, events)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    events = []
    res = train(model, ws, strategy, TrainConfig(strategy=strategy.name, epochs=EPOCHS, seed=0),
                meter=meter or EnergyMeter("ITA"), on_event=events.append)
    return res, events


@pytest.mark.parametrize("name", ["craig", "graphcut", "glister"])
def test_coresets_embed_every_window_at_each_reselection_and_select_in_the_scoring_phase(
        ws, name):
    spy, strategy, phases = PhaseSpy(), make_strategy(name), []
    choose = strategy.choose
    strategy.choose = lambda book, k: (phases.append(spy.open), choose(book, k))[1]
    res, events = _train(ws, strategy, meter=spy)
    n, n_val = len(ws.train), len(ws.val)
    assert phases == ["scoring", "scoring"]  # reselections at epochs 0 and 2, while scoring
    for rec, ev in zip(res.records, events, strict=True):
        chosen = rec.epoch % 2 == 0
        assert rec.score_method == ("gradient_embedding" if chosen else "")
        assert rec.samples_forward == (n + (n_val if name == "glister" else 0) if chosen else 0)
        assert rec.samples_scoring_backprop == 0 and (rec.scoring_s > 0) == chosen
        assert rec.samples_backprop == round(0.7 * n) and ev.selection.by_score
        if name == "craig":
            assert ev.selection.weights.sum() == n and (ev.selection.weights >= 1).all()
        else:
            assert ev.selection.weights is None
    same = events[0].selection.indices, events[1].selection.indices
    assert (same[0] == same[1]).all()  # kept between reselections


def test_grand_counts_its_fresh_copies_forwards_and_keeps_a_static_top_k(ws):
    res, events = _train(ws, make_strategy("grand", runs=2))
    n = len(ws.train)
    first = res.records[0]
    assert first.score_method == "grand_norm" and first.n_scored == n
    assert (first.samples_forward, first.samples_scoring_backprop) == (2 * n, 0)
    assert all(r.n_scored == 0 and r.samples_forward == 0 for r in res.records[1:])
    top = np.sort(np.argsort(-res.scores[0], kind="stable")[:round(0.7 * n)])
    assert all((ev.selection.indices == top).all() for ev in events)
    trained, _ = _train(ws, make_strategy("grand", runs=2, epochs=1))
    assert trained.records[0].samples_scoring_backprop == 2 * n  # runs x epochs x windows


def test_active_learning_counts_one_forward_per_window_per_round(ws):
    strategy = make_strategy("active_learning")
    res, _ = _train(ws, strategy)
    n = len(ws.train)
    sizes = strategy.pool_sizes(EPOCHS, n)
    assert [r.samples_backprop for r in res.records] == sizes and sizes[2] > sizes[0]
    assert [r.samples_forward for r in res.records] == [0, 0, n]
    assert [r.score_method for r in res.records] == ["", "", "gradient_embedding"]

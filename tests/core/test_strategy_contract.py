"""The contract every registered strategy meets, run over the registry: a strategy added to
`STRATEGIES` is checked here without further ado (and fails the suite if it breaks it)."""

import numpy as np
import pytest
import torch

from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.models import build_model
from importance.scoring import SCORE_METHODS
from importance.strategies import STRATEGIES, Budget, ScoreBook, make_strategy
from importance.training import train

EPOCHS = 2
NAMES = sorted(STRATEGIES)


@pytest.fixture(scope="module")
def ws():
    from tests.conftest import make_series

    return make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))


@pytest.fixture(scope="module")
def meter():
    return EnergyMeter("ITA")


def _run(ws, meter, name, seed=0):
    """A fresh strategy (its defaults) trained EPOCHS epochs: (result, events)."""
    torch.manual_seed(seed)
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    events = []
    cfg = TrainConfig(strategy=name, epochs=EPOCHS, seed=seed)
    res = train(model, ws, make_strategy(name), cfg, meter=meter, on_event=events.append)
    return res, events


@pytest.fixture(scope="module")
def runs(ws, meter):
    """Two runs of every registered strategy with the same seed."""
    return {name: (_run(ws, meter, name), _run(ws, meter, name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_declares_its_name_label_and_in_pass_scores(name):
    strategy = make_strategy(name)
    assert strategy.name == name and strategy.label
    assert strategy.train_scores in (None, "exact", "last_layer", "loss")
    assert isinstance(strategy.expected_budget(EPOCHS, 100), Budget)


@pytest.mark.parametrize("name", NAMES)
def test_trains_every_epoch_and_is_deterministic_for_a_seed(runs, name):
    (a, events_a), (b, events_b) = runs[name]
    assert [r.epoch for r in a.records] == list(range(EPOCHS))
    assert (a.selected == b.selected).all() and (a.weights == b.weights).all()
    np.testing.assert_array_equal(a.scores, b.scores)  # NaN == NaN here
    assert [r.val_mae for r in a.records] == [r.val_mae for r in b.records]
    for ea, eb in zip(events_a, events_b, strict=True):
        assert (ea.selection.indices == eb.selection.indices).all()


@pytest.mark.parametrize("name", NAMES)
def test_selections_are_unique_in_range_and_weights_finite_positive(ws, runs, name):
    (res, events), _ = runs[name]
    n = len(ws.train)
    for ev, rec in zip(events, res.records, strict=True):
        idx, w = ev.selection.indices, ev.selection.weights
        assert idx.dtype == np.int64 and len(idx) > 0
        assert len(np.unique(idx)) == len(idx) and idx.min() >= 0 and idx.max() < n
        if w is not None:
            assert w.shape == idx.shape and np.isfinite(w).all() and (w > 0).all()
        assert rec.n_selected == rec.samples_backprop == len(idx)
        # what scoring cost: exact norms backpropagate each window once, EL2N trains `runs`
        # copies `epochs` epochs each then forwards them once, the rest forward only
        strategy = make_strategy(name)  # its defaults, as the run used
        runs, epochs = getattr(strategy, "runs", 0), getattr(strategy, "epochs", 0)
        forward, backprop = {"": (0, 0), "exact": (0, 1), "el2n": (runs, runs * epochs),
                             "grand_norm": (runs, runs * epochs)}.get(rec.score_method, (1, 0))
        # a request that views the validation windows too (Glister) forwards each once more
        val = len(ws.val) if getattr(strategy, "validation", False) and rec.n_scored else 0
        assert rec.samples_forward == forward * rec.n_scored + val
        assert rec.samples_scoring_backprop == backprop * rec.n_scored
        assert (rec.n_scored == 0) == (rec.score_method == "")
        assert rec.score_method in ("", *SCORE_METHODS)
        assert isinstance(ev.selection.by_score, bool)
        assert rec.selected_by_score is ev.selection.by_score


@pytest.mark.parametrize("name", NAMES)
def test_backpropagates_the_budget_it_declares(ws, runs, name):
    (res, _), _ = runs[name]
    n = len(ws.train)
    realised = sum(r.samples_backprop for r in res.records) / (EPOCHS * n)
    claim = make_strategy(name).expected_budget(EPOCHS, n)
    assert 0 < claim.share <= 1 and claim.tol >= 0
    assert claim.covers(realised), (realised, claim)


@pytest.mark.parametrize("name", NAMES)
def test_draws_only_from_the_generator_it_is_given(name):
    """Same generator seed, same plans; NumPy's global generator untouched."""
    def plans(seed):
        strategy, book = make_strategy(name), ScoreBook(40, epochs=4)
        rng, out = np.random.default_rng(seed), []
        for epoch in range(4):
            req = strategy.needs_scores(epoch, book)
            if req is not None:
                book.update(req.indices, np.linspace(1, 2, len(req.indices)), epoch)
            sel = strategy.plan_epoch(epoch, book, rng)
            book.mark_trained(sel.indices, epoch)
            if strategy.train_scores is not None:
                book.update(sel.indices, np.cos(sel.indices + epoch) + 2, epoch)
            out.append((sel.indices.tolist(), None if sel.weights is None
                        else sel.weights.tolist()))
        return out

    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    assert plans(5) == plans(5)
    assert (np.random.get_state()[1] == state).all()


@pytest.fixture(scope="module")
def ws_multi():
    from tests.conftest import make_series

    return make_windows(make_series(days=6), WindowConfig(lookback=24, horizon=3, stride=3))


@pytest.mark.parametrize("name", NAMES)
def test_multi_horizon_losses_rank_one_value_per_window(ws_multi, meter, name):
    """With a 3-step horizon every score is one finite value per window (a (B, H) loss must
    be reduced before any ranking or weighting: with H == B it would broadcast silently)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=8), n_features=ws_multi.n_features, lookback=24,
                        horizon=3)
    cfg = TrainConfig(strategy=name, epochs=EPOCHS, seed=0, batch_size=3)
    res = train(model, ws_multi, make_strategy(name), cfg, meter=meter)
    n = len(ws_multi.train)
    assert res.scores.shape == res.selected.shape == res.weights.shape == (EPOCHS, n)
    seen = res.scores[np.isfinite(res.scores)]
    assert (seen >= 0).all()
    assert np.isfinite(res.weights).all() and (res.weights[res.selected] > 0).all()


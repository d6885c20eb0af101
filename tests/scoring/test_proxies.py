"""Proxies (last_layer, truncated, loss) and batched scoring of a window set."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from importance.models import per_sample_loss, restore
from importance.scoring import SCORE_METHODS, exact_grad_norms, proxy_scores, score_windows
from tests.scoring.conftest import KINDS


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


def truncated_reference(model, x, y, steps):
    """Per-sample autograd through the last `steps` steps from the (constant) prefix state
    (the window prepared as a whole: instance normalisation uses every step)."""
    cut = x.shape[1] - steps
    out = []
    for i in range(len(x)):
        x_in, scale, offset = model.prepare(x[i:i + 1])
        with torch.no_grad():
            _, state = model.rnn(x_in[:, :cut])
        seq, _ = model.rnn(x_in[:, cut:], state)
        loss = per_sample_loss(restore(model.head(seq[:, -1]), scale, offset), y[i:i + 1])[0]
        grads = torch.autograd.grad(loss, list(model.parameters()))
        out.append(torch.sqrt(sum(g.square().sum() for g in grads)))
    return torch.stack(out)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("horizon", [1, 3])
def test_last_layer_is_the_exact_head_norm(make_model, make_windows, naive_norms, kind, horizon):
    model = make_model(kind, 2, horizon)
    x, y = make_windows(horizon=horizon)
    got = proxy_scores(model, x, y, "last_layer")
    ref = naive_norms(model, x, y, params=[model.head.weight, model.head.bias])
    assert got.shape == (5,)
    assert rel_err(got, ref) < 1e-8
    if "linear" in kind:  # the head is every parameter
        torch.testing.assert_close(got, exact_grad_norms(model, x, y), rtol=1e-10, atol=0)
    else:  # equal only where no gradient reaches the body (every ReLU off)
        exact = exact_grad_norms(model, x, y)
        assert (got <= exact * (1 + 1e-12)).all() and (got < exact).any()


@pytest.mark.parametrize("kind", ["lstm", "gru", "lstm+revin", "gru+revin"])
@pytest.mark.parametrize("layers", [1, 2])
def test_truncated_backprops_through_the_last_steps(make_model, make_windows, kind, layers):
    model = make_model(kind, layers, 2)
    x, y = make_windows(horizon=2)
    got = proxy_scores(model, x, y, "truncated", truncate_steps=2)
    assert rel_err(got, truncated_reference(model, x, y, 2)) < 1e-8
    assert not torch.allclose(got, exact_grad_norms(model, x, y))


@pytest.mark.parametrize("kind,steps", [("lstm", 6), ("gru", 50), ("mlp", 2), ("dlinear", 2),
                                        ("nlinear+revin", 3), ("gru+revin", 6)])
def test_truncated_is_exact_when_nothing_is_cut(make_model, make_windows, kind, steps):
    model = make_model(kind, 2)
    x, y = make_windows()
    got = proxy_scores(model, x, y, "truncated", truncate_steps=steps)
    torch.testing.assert_close(got, exact_grad_norms(model, x, y), rtol=1e-12, atol=0)


def test_loss_proxy_and_errors(make_model, make_windows):
    model = make_model("lstm")
    x, y = make_windows()
    torch.testing.assert_close(proxy_scores(model, x, y, "loss"),
                               per_sample_loss(model(x), y).detach())
    with pytest.raises(ValueError, match="proxy"):
        proxy_scores(model, x, y, "exact")
    with pytest.raises(ValueError, match="truncate_steps"):
        proxy_scores(model, x, y, "truncated", truncate_steps=0)


@pytest.mark.parametrize("method", SCORE_METHODS)
def test_score_windows_batches_and_weights(make_model, make_windows, method):
    model = make_model("gru", 2)
    x, y = make_windows(b=7)
    whole = score_windows(model, x, y, method, batch_size=100)
    assert whole.dtype == np.float64 and whole.shape == (7,)
    np.testing.assert_allclose(score_windows(model, x, y, method, batch_size=3), whole, rtol=1e-12)
    w = torch.tensor([1.0, -2.0, 0.0, 0.5, 3.0, 1.0, 1.0], dtype=torch.float64)
    np.testing.assert_allclose(score_windows(model, x, y, method, batch_size=3, weights=w),
                               whole * np.abs(w.numpy()), rtol=1e-10, atol=1e-15)
    assert all(p.grad is None for p in model.parameters())


def test_score_windows_guards(make_model, make_windows):
    model = make_model("mlp")
    x, y = make_windows()
    assert score_windows(model, x[:0], y[:0]).shape == (0,)
    with pytest.raises(ValueError, match="unknown score method"):
        score_windows(model, x, y, "grand")
    with pytest.raises(ValueError, match="batch_size"):
        score_windows(model, x, y, batch_size=0)

"""Exact per-sample gradient norms against the naive per-sample autograd loop."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from importance.models import per_sample_loss
from importance.scoring import exact_grad_norms
from importance.scoring.exact import loss_and_seed
from tests.scoring.conftest import KINDS

CASES = [(kind, layers) for kind in KINDS for layers in ((1,) if "linear" in kind else (1, 2))]


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max()).item()


@pytest.mark.parametrize("kind,layers", CASES)
@pytest.mark.parametrize("horizon", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_exact_matches_naive_float64(make_model, make_windows, naive_norms, kind, layers,
                                     horizon, weighted):
    model = make_model(kind, layers, horizon)
    x, y = make_windows(horizon=horizon)
    w = torch.tensor([0.5, 2.0, 0.0, 1.0, 3.0], dtype=torch.float64) if weighted else None
    got = exact_grad_norms(model, x, y, w)
    assert got.shape == (5,) and got.dtype == torch.float64
    assert rel_err(got, naive_norms(model, x, y, w)) < 1e-8
    if weighted:
        assert got[2] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_exact_float32_close_to_float64_reference(make_model, make_windows, naive_norms, kind):
    model = make_model(kind, 2, 2)
    x, y = make_windows(b=8, horizon=2)
    ref = naive_norms(model, x, y)
    got = exact_grad_norms(model.float(), x.float(), y.float())
    assert got.dtype == torch.float32
    assert ((got.double() - ref).abs().max() / ref.median()).item() < 1e-4


def test_weights_of_another_dtype(make_model, make_windows):
    model = make_model("lstm").float()
    x, y = make_windows(dtype=torch.float32)
    w = torch.tensor([0.5, 2.0, 0.0, 1.0, 3.0], dtype=torch.float64)
    got = exact_grad_norms(model, x, y, w)
    torch.testing.assert_close(got, exact_grad_norms(model, x, y, w.float()))
    assert got.dtype == torch.float32


def test_exact_leaves_grads_untouched(make_model, make_windows):
    model = make_model("lstm", 2)
    x, y = make_windows()
    exact_grad_norms(model, x, y)
    assert all(p.grad is None for p in model.parameters())
    model.head.weight.grad = torch.ones_like(model.head.weight)
    exact_grad_norms(model, x, y)
    assert torch.equal(model.head.weight.grad, torch.ones_like(model.head.weight))


@pytest.mark.parametrize("kind", ["lstm", "gru", "mlp"])
def test_frozen_parameters_are_left_out(make_model, make_windows, naive_norms, kind):
    model = make_model(kind, 2)
    x, y = make_windows()
    frozen = [model.head.bias, *list(model.rnn.parameters() if kind != "mlp"
                                     else model.body.parameters())[:2]]
    for p in frozen:
        p.requires_grad_(False)
    assert rel_err(exact_grad_norms(model, x, y), naive_norms(model, x, y)) < 1e-8


def test_exact_independent_of_batch_composition(make_model, make_windows):
    model = make_model("gru", 2)
    x, y = make_windows(b=5)
    whole = exact_grad_norms(model, x, y)
    parts = torch.cat([exact_grad_norms(model, x[:2], y[:2]),
                       exact_grad_norms(model, x[2:], y[2:])])
    assert rel_err(parts, whole) < 1e-12


@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_seed_is_the_loss_gradient(weighted):
    g = torch.Generator().manual_seed(0)
    pred = torch.randn(6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randn(6, 4, generator=g, dtype=torch.float64)
    w = torch.rand(6, generator=g, dtype=torch.float64) if weighted else None
    wl_ref = per_sample_loss(pred, y) * (1 if w is None else w)
    (seed_ref,) = torch.autograd.grad(wl_ref.sum(), pred)
    wl, seed = loss_and_seed(pred.detach(), y, w)
    torch.testing.assert_close(wl, wl_ref.detach(), rtol=1e-12, atol=0)
    torch.testing.assert_close(seed, seed_ref, rtol=1e-12, atol=0)


def test_unsupported_models_are_rejected():
    class NoHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Identity()

    x, y = torch.randn(2, 6, 3), torch.randn(2, 1)
    with pytest.raises(TypeError, match="head"):
        exact_grad_norms(NoHead(), x, y)
    from importance.models import RecurrentForecaster

    model = RecurrentForecaster("lstm", 3, 4, 1, 1)
    model.rnn = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        exact_grad_norms(model, x, y)


@pytest.mark.parametrize("layers", [1, 2])
def test_exact_matches_opacus_for_lstm(make_model, make_windows, layers):
    """An independent implementation: the benchmark's Opacus row computes the same norms."""
    pytest.importorskip("opacus")
    from benchmarks.bench_scoring import opacus_grad_norms

    model = make_model("lstm", layers)
    x, y = make_windows()
    ref = opacus_grad_norms(model)(x, y)
    assert rel_err(exact_grad_norms(model, x, y), ref.detach()) < 1e-8

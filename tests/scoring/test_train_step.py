"""train_step_with_norms: the same grads and loss as the plain step, plus exact norms."""

from __future__ import annotations

import pytest
import torch

from importance.models import per_sample_loss
from importance.scoring import exact_grad_norms, train_step_with_norms
from tests.scoring.conftest import KINDS

CASES = [(kind, layers) for kind in KINDS for layers in ((1,) if "linear" in kind else (1, 2))]


def plain_grads(model, x, y, w):
    per = per_sample_loss(model(x), y)
    loss = (per * w).mean() if w is not None else per.mean()
    grads = torch.autograd.grad(loss, list(model.parameters()))
    return loss.detach(), grads


@pytest.mark.parametrize("kind,layers", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_grads_loss_and_norms_match_plain_step(make_model, make_windows, naive_norms, kind,
                                               layers, weighted):
    model = make_model(kind, layers, horizon=2)
    x, y = make_windows(horizon=2)
    w = torch.tensor([0.5, 2.0, 0.1, 1.0, 3.0], dtype=torch.float64) if weighted else None
    ref_loss, ref_grads = plain_grads(model, x, y, w)
    loss, norms = train_step_with_norms(model, x, y, w)
    assert loss.dim() == 0 and not loss.requires_grad
    torch.testing.assert_close(loss, ref_loss, rtol=1e-12, atol=0)
    for p, ref in zip(model.parameters(), ref_grads, strict=True):
        assert ((p.grad - ref).norm() / ref.norm()).item() < 1e-8
    ref_norms = naive_norms(model, x, y, w)
    assert ((norms - ref_norms).abs().max() / ref_norms.max()).item() < 1e-8


def test_grads_accumulate_like_backward(make_model, make_windows):
    model = make_model("lstm", 2)
    x, y = make_windows()
    _, ref_grads = plain_grads(model, x, y, None)
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    train_step_with_norms(model, x, y)
    for p, ref in zip(model.parameters(), ref_grads, strict=True):
        torch.testing.assert_close(p.grad, ref + 1, rtol=1e-10, atol=1e-12)


def test_frozen_parameters_get_no_grad(make_model, make_windows):
    model = make_model("gru", 1)
    x, y = make_windows()
    model.rnn.weight_hh_l0.requires_grad_(False)
    _, norms = train_step_with_norms(model, x, y)
    assert model.rnn.weight_hh_l0.grad is None
    assert model.rnn.weight_ih_l0.grad is not None
    torch.testing.assert_close(norms, exact_grad_norms(model, x, y), rtol=1e-12, atol=0)

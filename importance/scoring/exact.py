"""Exact per-sample gradient norms and the training step that returns them.

One pass: the model's parameter-free `prepare` (instance normalisation, NLinear's last
value), a hand-written forward of the body (recurrent, MLP, or none for the linear models),
the head, the per-sample loss gradient w.r.t. the head's output (the forecast's gradient times
the window's scale), then a hand-written batched backward that
yields per-sample squared norms of every trainable parameter's gradient and, for training,
the batch-summed gradients. No autograd graph and no per-sample loop.
"""

from __future__ import annotations

import torch
from torch import nn

from importance.models import LINEAR_KINDS, per_sample_loss, restore
from importance.scoring.mlp import mlp_backward, mlp_forward
from importance.scoring.norms import GradCollector, collect_linear
from importance.scoring.recurrent import check_rnn, recurrent_backward, recurrent_forward


def body_kind(model: nn.Module) -> str:
    """'lstm', 'gru', 'mlp' or 'linear' (no body parameters) from the model's modules."""
    if not isinstance(getattr(model, "head", None), nn.Linear):
        raise TypeError("model needs a `head: nn.Linear`")
    rnn = getattr(model, "rnn", None)
    if rnn is not None:
        check_rnn(rnn)
        return "lstm" if isinstance(rnn, nn.LSTM) else "gru"
    if isinstance(getattr(model, "body", None), nn.Module):
        return "mlp"
    if getattr(model, "kind", None) in LINEAR_KINDS:
        return "linear"
    raise TypeError(f"unsupported model {type(model).__name__}: needs `rnn` or `body`")


def loss_and_seed(pred: torch.Tensor, y: torch.Tensor, weights: torch.Tensor | None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted per-sample losses w_i l_i (B,) and their gradients w.r.t. pred (B, horizon).

    The gradient is the closed form of `per_sample_loss` (mean squared error over the
    horizon): 2 w_i (pred_i - y_i) / horizon; a test pins it to autograd of that function.
    """
    wl = per_sample_loss(pred, y)
    err = pred - y  # (B, horizon)
    scale = 2.0 / pred.shape[1]
    if weights is None:
        return wl, err.mul_(scale)
    w = weights.to(pred.dtype)
    return wl * w, err.mul_(w.unsqueeze(1) * scale)


@torch.no_grad()
def per_sample_pass(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                    weights: torch.Tensor | None, want_grads: bool
                    ) -> tuple[torch.Tensor, GradCollector]:
    """Weighted per-sample losses (B,) and a collector holding the per-sample squared grad
    norms of w_i l_i (and, if `want_grads`, their batch sums)."""
    body_kind(model)  # an unsupported model is refused before it is run
    x_in, scale, offset = model.prepare(x)
    return prepared_pass(model, x_in, scale, offset, y, weights, want_grads)


@torch.no_grad()
def prepared_pass(model: nn.Module, x_in: torch.Tensor, scale: torch.Tensor | None,
                  offset: torch.Tensor | None, y: torch.Tensor, weights: torch.Tensor | None,
                  want_grads: bool, init: tuple[torch.Tensor, ...] | None = None
                  ) -> tuple[torch.Tensor, GradCollector]:
    """`per_sample_pass` from the prepared input (`model.prepare`); `init`: recurrent start
    states (the body then reads `x_in` from that state on)."""
    kind = body_kind(model)
    if kind == "mlp":
        acts = mlp_forward(model.body, x_in)
        h_last = acts[-1]  # (B, H)
    elif kind == "linear":
        h_last = model.encode(x_in)  # parameter-free
    else:
        tapes = recurrent_forward(model.rnn, x_in, init)
        h_last = tapes[-1].hs[-1]  # (B, H)
    head = model.head
    raw = torch.addmm(head.bias.detach(), h_last, head.weight.detach().t())  # (B, horizon)
    wl, seed = loss_and_seed(restore(raw, scale, offset), y, weights)
    if scale is not None:
        seed.mul_(scale)  # dl/draw = dl/dforecast * scale
    col = GradCollector(x_in.shape[0], raw, want_grads)
    collect_linear(col, head, h_last, seed)
    if kind != "linear":
        dh = seed @ head.weight.detach()  # (B, H)
        if kind == "mlp":
            mlp_backward(model.body, acts, dh, col)
        else:
            recurrent_backward(model.rnn, tapes, dh, col)
    return wl, col


def exact_grad_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                     weights: torch.Tensor | None = None) -> torch.Tensor:
    """L2 norms (B,) over all trainable parameters of grad(w_i l_i); leaves no .grad."""
    _, col = per_sample_pass(model, x, y, weights, want_grads=False)
    return col.sq.sqrt()


def train_step_with_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                          weights: torch.Tensor | None = None
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Accumulate the grads of loss = mean_i(w_i l_i) into p.grad (as loss.backward() would)
    and return (loss, per-sample norms (B,) of grad(w_i l_i)) from the same backward."""
    wl, col = per_sample_pass(model, x, y, weights, want_grads=True)
    assert col.grads is not None
    scale = 1.0 / x.shape[0]
    for p, g in col.grads.items():
        g.mul_(scale)
        if p.grad is None:
            p.grad = g
        else:
            p.grad.add_(g)
    return wl.mean(), col.sq.sqrt()

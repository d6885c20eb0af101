"""Cheap proxies of the per-sample gradient norm, and batched scoring of a window set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from importance import runtime
from importance.models import per_sample_loss, restore
from importance.scoring.el2n import EL2N_DEFAULTS, el2n_scores
from importance.scoring.embeddings import GRAND_DEFAULTS, grand_scores, head_view
from importance.scoring.exact import body_kind, exact_grad_norms, loss_and_seed, prepared_pass
from importance.scoring.norms import NORM_CLOCK

# Every method a ScoreRequest may name. "el2n" trains scoring copies of the model
# (importance.scoring.el2n) and is no gradient-norm proxy. "gradient_embedding" scores like
# "last_layer" and also gives each window's head view (the coreset strategies' gradient
# embedding); "grand_norm" averages last-layer norms over fresh copies (embeddings.py).
SCORE_METHODS = ("exact", "last_layer", "truncated", "loss", "el2n", "gradient_embedding",
                 "grand_norm")
PROXY_METHODS = ("last_layer", "truncated", "loss")


def check_method(method: str) -> None:
    if method not in SCORE_METHODS:
        raise ValueError(f"unknown score method {method!r}; allowed: {', '.join(SCORE_METHODS)}")


@torch.no_grad()
def head_norms(h: torch.Tensor, pred: torch.Tensor, y: torch.Tensor,
               weights: torch.Tensor | None = None, scale: torch.Tensor | None = None
               ) -> torch.Tensor:
    """Exact per-sample grad norm of the head alone from its input h (B, H), the forecast
    (B, horizon) and the window's output scale (B, 1) (`Forecaster.prepare`)."""
    _, seed = loss_and_seed(pred, y, weights)  # (B, horizon): dl/dforecast
    if scale is not None:
        seed.mul_(scale)  # dl/d(head output)
    return torch.linalg.vector_norm(seed, dim=1) * (h.square().sum(1) + 1).sqrt()


@torch.no_grad()
def last_layer_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exact per-sample grad norm of the head alone: ||dl/draw|| sqrt(||h||^2 + 1) (B,)."""
    x_in, scale, offset = model.prepare(x)
    h = model.encode(x_in)  # (B, H)
    return head_norms(h, restore(model.head(h), scale, offset), y, scale=scale)


def train_step_with_head_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                               weights: torch.Tensor | None = None
                               ) -> tuple[torch.Tensor, torch.Tensor]:
    """A plain training step (mean weighted loss, backward) that also returns the
    `last_layer` score of each sample, read off the same forward at no extra pass."""
    x_in, scale, offset = model.prepare(x)
    h = model.encode(x_in)  # (B, H)
    pred = restore(model.head(h), scale, offset)  # (B, horizon)
    per = per_sample_loss(pred, y)  # (B,)
    loss = (per * weights).mean() if weights is not None else per.mean()
    loss.backward()
    with NORM_CLOCK.timing():
        norms = head_norms(h.detach(), pred.detach(), y, weights, scale)
    return loss.detach(), norms


def train_step_with_losses(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                           weights: torch.Tensor | None = None
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """A plain training step (mean weighted loss, backward) that also returns each sample's
    unweighted loss (B,) from the same forward (the `loss` score, at no extra pass)."""
    per = per_sample_loss(model(x), y)  # (B,)
    loss = (per * weights).mean() if weights is not None else per.mean()
    loss.backward()
    return loss.detach(), per.detach()


def truncated_grad_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                         steps: int) -> torch.Tensor:
    """Exact per-sample grad norms with backprop through only the last `steps` time steps
    (the state entering them is held constant); equals exact norms for MLP and linear models."""
    if steps < 1:
        raise ValueError(f"truncate_steps must be >= 1, got {steps}")
    cut = x.shape[1] - steps
    if body_kind(model) in ("mlp", "linear") or cut <= 0:
        return exact_grad_norms(model, x, y)
    x_in, scale, offset = model.prepare(x)  # the whole window's statistics
    with torch.no_grad():
        _, state = model.rnn(x_in[:, :cut])  # LSTM (h_n, c_n), GRU h_n: (layers, B, H)
    init = state if isinstance(state, tuple) else (state,)
    _, col = prepared_pass(model, x_in[:, cut:], scale, offset, y, None, want_grads=False,
                           init=init)
    return col.sq.sqrt()


@torch.no_grad()
def proxy_scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, method: str, *,
                 truncate_steps: int = 16) -> torch.Tensor:
    """Per-sample proxy score (B,): `last_layer` (head-only grad norm, one forward),
    `truncated` (grad norm through the last `truncate_steps` steps) or `loss` (per-sample
    loss; ranks exactly like EL2N's ||error||, a monotone function of it)."""
    if method == "last_layer":
        return last_layer_norms(model, x, y)
    if method == "truncated":
        return truncated_grad_norms(model, x, y, truncate_steps)
    if method == "loss":
        return per_sample_loss(model(x), y)
    raise ValueError(f"unknown proxy {method!r}; allowed: {', '.join(PROXY_METHODS)}")


def score_windows(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, method: str = "exact", *,
                  batch_size: int = 512, weights: torch.Tensor | None = None,
                  truncate_steps: int = 16, el2n: Mapping[str, Any] | None = None,
                  grand: Mapping[str, Any] | None = None) -> np.ndarray:
    """Score every window X (N, T, F), Y (N, horizon) in batches: float64 (N,).
    With `weights` (N,), scores are those of w_i l_i (proxies are scaled by |w_i|).
    "el2n" trains its scoring copies on all of X, Y (settings `el2n`, over EL2N_DEFAULTS;
    `batch_size` is then only the forward batch of the error norms); "grand_norm" likewise
    (settings `grand`, over GRAND_DEFAULTS)."""
    check_method(method)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if method in ("el2n", "grand_norm", "gradient_embedding"):
        if method == "el2n":
            out, _ = el2n_scores(model, X, Y, **{**EL2N_DEFAULTS, **(el2n or {})},
                                 eval_batch=batch_size)
        elif method == "grand_norm":
            out, _, _ = grand_scores(model, X, Y, **{**GRAND_DEFAULTS, **(grand or {})},
                                     eval_batch=batch_size)
        else:
            out = np.sqrt(head_view(model, X, Y, batch_size).sq_norms())
        return out if weights is None else out * weights.abs().double().cpu().numpy()
    out = np.empty(len(X), dtype=np.float64)
    for s in range(0, len(X), batch_size):
        runtime.tick()
        x, y = X[s:s + batch_size], Y[s:s + batch_size]
        w = None if weights is None else weights[s:s + batch_size]
        if method == "exact":
            score = exact_grad_norms(model, x, y, w)
        else:
            score = proxy_scores(model, x, y, method, truncate_steps=truncate_steps)
            if w is not None:
                score = score * w.abs()
        out[s:s + len(x)] = score.detach().cpu().double().numpy()
    return out

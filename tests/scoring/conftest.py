"""Tiny models, windows and the naive per-sample-loop reference for the scoring tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from importance.models import (
    LINEAR_KINDS,
    LinearForecaster,
    MLPForecaster,
    RecurrentForecaster,
    per_sample_loss,
)

T, F, H = 6, 3, 4  # lookback, features, hidden: small enough for the naive loop
# Every model kind, and with reversible instance normalisation ("+revin").
KINDS = ("lstm", "gru", "mlp", "dlinear", "nlinear", "lstm+revin", "gru+revin", "mlp+revin",
         "dlinear+revin", "nlinear+revin")

def build(kind: str, layers: int = 1, horizon: int = 1, dtype: torch.dtype = torch.float64,
          seed: int = 0) -> nn.Module:
    """`kind` is a model kind, with "+revin" for instance normalisation."""
    torch.manual_seed(seed)
    kind, _, norm = kind.partition("+")
    revin = norm == "revin"
    if kind in LINEAR_KINDS:
        model = LinearForecaster(kind, F, T, horizon, revin=revin)
    elif kind == "mlp":
        model = MLPForecaster(F, T, H, layers, horizon, revin=revin)
    else:
        model = RecurrentForecaster(kind, F, H, layers, horizon, revin=revin)
    return model.to(dtype)


def windows(b: int = 5, horizon: int = 1, dtype: torch.dtype = torch.float64, seed: int = 1
            ) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, T, F, generator=g, dtype=dtype),
            torch.randn(b, horizon, generator=g, dtype=dtype))


def naive(model: nn.Module, x: torch.Tensor, y: torch.Tensor, w: torch.Tensor | None = None,
          params: list[nn.Parameter] | None = None) -> torch.Tensor:
    """Per-sample loop: ||grad of w_i l_i|| over `params` (default: the trainable ones)."""
    params = [p for p in model.parameters() if p.requires_grad] if params is None else params
    out = []
    for i in range(len(x)):
        loss = per_sample_loss(model(x[i:i + 1]), y[i:i + 1])[0]
        if w is not None:
            loss = loss * w[i]
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        out.append(torch.sqrt(sum(g.square().sum() for g in grads if g is not None)))
    return torch.stack(out)


@pytest.fixture
def make_model() -> Callable[..., nn.Module]:
    """build(kind, layers=1, horizon=1, dtype=float64, seed=0); kind may end in "+revin"."""
    return build


@pytest.fixture
def make_windows() -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """windows(b=5, horizon=1, dtype=float64, seed=1) -> x (b, T, F), y (b, horizon)."""
    return windows


@pytest.fixture
def naive_norms() -> Callable[..., torch.Tensor]:
    """naive(model, x, y, w=None, params=None): the per-sample autograd loop."""
    return naive

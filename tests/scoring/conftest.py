"""Tiny models, windows and the naive per-sample-loop reference for the scoring tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from importance.models import MLPForecaster, RecurrentForecaster, per_sample_loss

T, F, H = 6, 3, 4  # lookback, features, hidden: small enough for the naive loop



def build(kind: str, layers: int = 1, horizon: int = 1, dtype: torch.dtype = torch.float64,
          seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    if kind == "mlp":
        model = MLPForecaster(F, T, H, layers, horizon)
    else:
        model = RecurrentForecaster(kind, F, H, layers, horizon)
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
    """build(kind, layers=1, horizon=1, dtype=float64, seed=0)."""
    return build


@pytest.fixture
def make_windows() -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """windows(b=5, horizon=1, dtype=float64, seed=1) -> x (b, T, F), y (b, horizon)."""
    return windows


@pytest.fixture
def naive_norms() -> Callable[..., torch.Tensor]:
    """naive(model, x, y, w=None, params=None): the per-sample autograd loop."""
    return naive

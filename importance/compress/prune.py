"""Unstructured magnitude pruning: the smallest weights of each weight matrix set to zero.

Layer-wise L1 magnitude (as `torch.nn.utils.prune.l1_unstructured` per tensor), applied once
and made permanent; biases are kept. Shapes do not change, so dense kernels do the same work
(no speed-up on CPU, DESIGN.md 4c); only a compressed file gets smaller.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def pruned_weights(model: nn.Module) -> list[str]:
    """Names of the parameters magnitude pruning touches: every weight matrix."""
    return [name for name, p in model.named_parameters()
            if p.dim() >= 2 and name.rsplit(".", 1)[-1].startswith("weight")]


def magnitude_prune(model: nn.Module, sparsity: float) -> nn.Module:
    """A copy of `model` with the round(sparsity x n) smallest-magnitude entries of each weight
    matrix set to zero (ties broken by position: exactly that many)."""
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    out = copy.deepcopy(model)
    params = dict(out.named_parameters())
    with torch.no_grad():
        for name in pruned_weights(out):
            flat = params[name].view(-1)
            k = round(sparsity * flat.numel())
            flat[torch.argsort(flat.abs(), stable=True)[:k]] = 0
    return out


def sparsity_of(model: nn.Module) -> float:
    """Fraction of zeros over the weight matrices magnitude pruning touches."""
    params = dict(model.named_parameters())
    names = pruned_weights(model)
    zeros = sum(int((params[n] == 0).sum()) for n in names)
    total = sum(params[n].numel() for n in names)
    return zeros / total if total else 0.0

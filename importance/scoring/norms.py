"""Per-sample squared gradient norms of Linear-like parameters, without per-sample loops.

A weight used as `z[t] = W a[t]` at steps t = 0..T-1 has the per-sample gradient
`G_i = sum_t dz[t, i] a[t, i]^T`. Its squared Frobenius norm is computed either by
materialising every `G_i` with one batched matmul, cost ~ B*T*G*K, or from Gram matrices,
`||G_i||^2 = sum_{t,s} (a_t . a_s)(dz_t . dz_s)`, cost ~ B*T^2*(G+K); whichever is cheaper.
With T = 1 the Gram form is the ghost-norm identity `||a_i||^2 ||dz_i||^2`.
"""

from __future__ import annotations

import torch
from torch import nn

# Per-sample matrices materialised at once, at most this many elements (bounds the workspace
# to 8 MB in float32, so it stays cache-friendly and never hits the allocator's mmap path).
_MATERIALISE_CHUNK = 1 << 21


def use_gram(t: int, g: int, k: int) -> bool:
    """True if the Gram form is cheaper than materialising (G, K) per-sample matrices."""
    return t * t * (g + k) < t * g * k


def outer_sq_norms(dz: torch.Tensor, a: torch.Tensor, *, gram: bool | None = None,
                   total: torch.Tensor | None = None) -> torch.Tensor:
    """Squared norms (B,) of `sum_t dz[t, i] a[t, i]^T` for dz (T, B, G), a (T, B, K).

    If `total` (G, K) is given, the batch sum `sum_i G_i` is added to it.
    `gram` forces the Gram (True) or materialising (False) form; None picks the cheaper.
    """
    t, b, g = dz.shape
    k = a.shape[2]
    if gram is None:
        gram = use_gram(t, g, k)
    if gram:
        if total is not None:
            total.addmm_(dz.reshape(t * b, g).t(), a.reshape(t * b, k))  # (G, T*B) @ (T*B, K)
        return _gram_sq_norms(dz, a)
    out = dz.new_empty(b)
    chunk = max(1, _MATERIALISE_CHUNK // (g * k))
    for s in range(0, b, chunk):
        e = min(b, s + chunk)
        per = torch.bmm(dz[:, s:e].permute(1, 2, 0), a[:, s:e].transpose(0, 1))  # (b, G, K)
        torch.linalg.vector_norm(per.flatten(1), dim=1, out=out[s:e])
        if total is not None:
            total.add_(per.sum(0))
    return out.square_()


def _gram_sq_norms(dz: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """`sum_{t,s} (a_t . a_s)(dz_t . dz_s)` per sample: (T, B, G), (T, B, K) -> (B,)."""
    if dz.shape[0] == 1:
        return dz[0].square().sum(1) * a[0].square().sum(1)
    dz_b, a_b = dz.transpose(0, 1), a.transpose(0, 1)  # (B, T, G), (B, T, K)
    gram_z = torch.bmm(dz_b, dz_b.transpose(1, 2))  # (B, T, T)
    gram_a = torch.bmm(a_b, a_b.transpose(1, 2))  # (B, T, T)
    return gram_z.mul_(gram_a).sum((1, 2))


class GradCollector:
    """Accumulates per-sample squared norms and, optionally, batch-summed parameter grads.

    Each `weight` / `bias` call covers a block of rows of one parameter; parameters that do
    not require grad are skipped (they are not trainable, so not part of the norm).
    """

    def __init__(self, batch: int, like: torch.Tensor, want_grads: bool):
        self.sq = like.new_zeros(batch)  # (B,)
        self.grads: dict[nn.Parameter, torch.Tensor] | None = {} if want_grads else None

    def _total(self, p: nn.Parameter, rows: slice) -> torch.Tensor | None:
        if self.grads is None:
            return None
        if p not in self.grads:
            self.grads[p] = torch.zeros_like(p)
        return self.grads[p][rows]

    def weight(self, p: nn.Parameter, dz: torch.Tensor, a: torch.Tensor,
               rows: slice = slice(None)) -> None:
        """p[rows] is used as `dz`'s pre-activation = p[rows] @ a, dz (T, B, G), a (T, B, K)."""
        if p.requires_grad:
            self.sq += outer_sq_norms(dz, a, total=self._total(p, rows))

    def bias(self, p: nn.Parameter, dz: torch.Tensor, rows: slice = slice(None)) -> None:
        """p[rows] is added to the pre-activation at every step: dz (T, B, G)."""
        if p.requires_grad:
            per = dz.sum(0)  # (B, G)
            self.sq += per.square().sum(1)
            total = self._total(p, rows)
            if total is not None:
                total.add_(per.sum(0))

"""Per-sample squared gradient norms of Linear-like parameters, without per-sample loops.

A layer computes `z[t] = W_cat a[t]` at steps t = 0..T-1, where `a[t]` (N,) stacks the
inputs of all its parameters (e.g. `[x_t, h_{t-1}, 1]`: the constant 1 carries the biases).
Sample i's gradient of `W_cat` is `P_i = sum_t a[t, i] dz[t, i]^T` (N, G); every parameter
is a block of it (`Block`). Squared block norms come either from materialising `P_i` with
one batched matmul, cost ~ B*T*N*G, or from Gram matrices,
`||P_i[R, C]||^2 = sum_{t,s} (a_t[R] . a_s[R]) (dz_t[C] . dz_s[C])`, cost ~ B*T^2*(N+G),
whichever is cheaper. A Linear layer seeing one vector per sample uses the ghost-norm identity
(`collect_linear`): `||a_i||^2 ||dz_i||^2`, plus `||dz_i||^2` for its bias.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn

from importance.energy import settle

# Elements of per-sample matrices materialised at once (8 MB in float32): bounds the
# workspace so it stays cache-friendly and off the allocator's mmap path.
_MATERIALISE_CHUNK = 1 << 21


class NormClock(threading.local):
    """Seconds this thread spent on per-sample norm arithmetic (the part of a training step
    that only scores); the trainer books them as scoring, not training."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        settle()  # on a GPU: the step's work queued before is not the norms'
        t0 = time.perf_counter()
        try:
            yield
        finally:
            settle()  # ... and the norms' queued kernels are
            self.seconds += time.perf_counter() - t0


NORM_CLOCK = NormClock()


@dataclass(frozen=True)
class Block:
    """`param[rows]` gets sample i's gradient `P_i[a_cols, dz_cols]^T`; a bias has a
    one-element `a_cols` (the constant-1 column) and gets `P_i[a_cols, dz_cols][0]`."""

    param: nn.Parameter
    a_cols: slice
    dz_cols: slice
    rows: slice = field(default_factory=lambda: slice(None))


def use_gram(t: int, n: int, g: int) -> bool:
    """True if Gram matrices are cheaper than materialising (N, G) per-sample matrices."""
    return t * t * (n + g) < t * n * g


class GradCollector:
    """Accumulates per-sample squared grad norms (B,) and, optionally, batch-summed grads
    (into fresh tensors, not p.grad). Parameters that do not require grad are skipped."""

    def __init__(self, batch: int, like: torch.Tensor, want_grads: bool):
        self.sq = like.new_zeros(batch)  # (B,)
        self.grads: dict[nn.Parameter, torch.Tensor] | None = {} if want_grads else None

    def collect(self, dz: torch.Tensor, a: torch.Tensor, blocks: list[Block], *,
                gram: bool | None = None) -> None:
        """Add the blocks' contributions for dz (T, B, G), a (T, B, N). `gram` forces the
        Gram (True) or materialising (False) form; None picks the cheaper."""
        blocks = [blk for blk in blocks if blk.param.requires_grad]
        if not blocks:
            return
        t, b, g = dz.shape
        n = a.shape[2]
        if gram is None:
            gram = use_gram(t, n, g)
        with NORM_CLOCK.timing():
            if gram:
                self.sq += _gram_sq_norms(dz, a, blocks)
            else:
                _materialised_sq_norms(dz, a, blocks, self.sq)
        if self.want_grads:
            self._add_grads(a.reshape(t * b, n).t() @ dz.reshape(t * b, g), blocks)  # (N, G)

    @property
    def want_grads(self) -> bool:
        return self.grads is not None

    def add_grad(self, p: nn.Parameter, grad: torch.Tensor, rows: slice = slice(None)) -> None:
        """Add a batch-summed gradient of p[rows] (only called when grads are wanted).
        A whole-parameter first gradient is kept as is: the caller hands over ownership."""
        assert self.grads is not None
        if p in self.grads:
            self.grads[p][rows].add_(grad)
        elif rows == slice(None):
            self.grads[p] = grad
        else:
            self.grads[p] = torch.zeros_like(p)
            self.grads[p][rows].copy_(grad)

    def _add_grads(self, total: torch.Tensor, blocks: list[Block]) -> None:
        for blk in blocks:
            part = total[blk.a_cols, blk.dz_cols]  # (R, C)
            grad = part[0] if blk.param.dim() == 1 else part.t()
            self.add_grad(blk.param, grad.clone(memory_format=torch.contiguous_format), blk.rows)


def _materialised_sq_norms(dz: torch.Tensor, a: torch.Tensor, blocks: list[Block],
                           sq: torch.Tensor) -> None:
    """Add block norms to sq (B,) from P_i built in chunks of samples."""
    t, b, g = dz.shape
    n = a.shape[2]
    chunk = max(1, _MATERIALISE_CHUNK // (n * g))
    for s in range(0, b, chunk):
        e = min(b, s + chunk)
        per = torch.bmm(a[:, s:e].permute(1, 2, 0), dz[:, s:e].transpose(0, 1))  # (b, N, G)
        for blk in blocks:
            sq[s:e] += torch.linalg.vector_norm(per[:, blk.a_cols, blk.dz_cols], dim=(1, 2)
                                                ).square_()


def _gram_sq_norms(dz: torch.Tensor, a: torch.Tensor, blocks: list[Block]) -> torch.Tensor:
    """Sum over blocks of sum_{t,s} (a_t[R] . a_s[R]) (dz_t[C] . dz_s[C]): (B,)."""
    cache: dict[tuple[int, int, int, int], torch.Tensor] = {}

    def gram(x: torch.Tensor, cols: slice, key: tuple[int, int, int, int]) -> torch.Tensor:
        if key not in cache:
            xc = x[:, :, cols]  # (T, B, R)
            xb = xc.transpose(0, 1)  # (B, T, R)
            cache[key] = torch.bmm(xb, xb.transpose(1, 2))  # (B, T, T)
        return cache[key]

    out = dz.new_zeros(dz.shape[1])
    for blk in blocks:
        ga = gram(a, blk.a_cols, (0, *blk.a_cols.indices(a.shape[2])))
        gz = gram(dz, blk.dz_cols, (1, *blk.dz_cols.indices(dz.shape[2])))
        out += (ga * gz).sum((1, 2))
    return out


def collect_linear(col: GradCollector, lin: nn.Linear, a: torch.Tensor, g: torch.Tensor) -> None:
    """A Linear layer seeing one vector per sample: a (B, K) its input, g (B, G) the grad of
    its output. Ghost norms: ||a_i||^2 ||g_i||^2 for the weight, ||g_i||^2 for the bias."""
    with NORM_CLOCK.timing():
        g_sq = torch.linalg.vector_norm(g, dim=1).square_()  # (B,)
        if lin.weight.requires_grad:
            col.sq.addcmul_(torch.linalg.vector_norm(a, dim=1).square_(), g_sq)
        if lin.bias is not None and lin.bias.requires_grad:
            col.sq += g_sq
    if col.want_grads:
        if lin.weight.requires_grad:
            col.add_grad(lin.weight, g.t() @ a)  # (G, K)
        if lin.bias is not None and lin.bias.requires_grad:
            col.add_grad(lin.bias, g.sum(0))

"""Per-sample outer-product norms: Gram and materialising forms agree; the cheaper is picked."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from importance.scoring.norms import Block, GradCollector, use_gram


def blocks() -> list[Block]:
    w = nn.Parameter(torch.zeros(6, 4, dtype=torch.float64))  # (G rows 0:6) x (a cols 0:4)
    w2 = nn.Parameter(torch.zeros(2, 3, dtype=torch.float64))  # rows 6:8 of dz, a cols 2:5
    b = nn.Parameter(torch.zeros(8, dtype=torch.float64))  # a col 5 is the constant 1
    return [Block(w, slice(0, 4), slice(0, 6)), Block(w2, slice(2, 5), slice(6, 8)),
            Block(b, slice(5, 6), slice(0, 8))]


def reference(dz, a, blks):
    """Per-sample matrices by an explicit loop over samples and steps."""
    t, b, _ = dz.shape
    sq = torch.zeros(b, dtype=dz.dtype)
    for i in range(b):
        per = sum(torch.outer(a[s, i], dz[s, i]) for s in range(t))  # (N, G)
        for blk in blks:
            sq[i] += per[blk.a_cols, blk.dz_cols].square().sum()
    return sq


@pytest.mark.parametrize("gram", [True, False, None])
@pytest.mark.parametrize("steps", [1, 5])
def test_both_forms_match_loop_and_sum_grads(gram, steps):
    g = torch.Generator().manual_seed(0)
    dz = torch.randn(steps, 7, 8, generator=g, dtype=torch.float64)  # (T, B, G)
    a = torch.randn(steps, 7, 6, generator=g, dtype=torch.float64)  # (T, B, N)
    a[:, :, 5] = 1
    blks = blocks()
    col = GradCollector(7, dz, want_grads=True)
    col.collect(dz, a, blks, gram=gram)
    torch.testing.assert_close(col.sq, reference(dz, a, blks), rtol=1e-12, atol=0)
    total = torch.einsum("tbn,tbg->ng", a, dz)  # (N, G) batch-summed gradient
    torch.testing.assert_close(col.grads[blks[0].param], total[0:4, 0:6].t())
    torch.testing.assert_close(col.grads[blks[1].param], total[2:5, 6:8].t())
    torch.testing.assert_close(col.grads[blks[2].param], total[5, :])


def test_skips_parameters_without_grad():
    blks = blocks()
    blks[0].param.requires_grad_(False)
    dz, a = torch.randn(3, 4, 8, dtype=torch.float64), torch.randn(3, 4, 6, dtype=torch.float64)
    col = GradCollector(4, dz, want_grads=True)
    col.collect(dz, a, blks)
    assert blks[0].param not in col.grads
    torch.testing.assert_close(col.sq, reference(dz, a, blks[1:]))


def test_use_gram_picks_the_cheaper_form():
    assert not use_gram(144, 68, 256)  # LSTM h=64, F=3: materialise (B, N, G)
    assert use_gram(2, 64, 256)  # two steps: Gram (B, 2, 2) is cheaper
    assert use_gram(1, 433, 64)  # one step: the ghost norm

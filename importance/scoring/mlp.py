"""MLP body (Linear + ReLU blocks): manual forward/backward with ghost norms.

Every Linear sees one vector per sample, so its per-sample squared gradient norm is
`||a_i||^2 ||g_i||^2` (+ `||g_i||^2` for the bias), from its input a and output grad g.
"""

from __future__ import annotations

import torch
from torch import nn

from importance.scoring.norms import GradCollector, collect_linear


def check_body(body: nn.Module) -> list[nn.Linear]:
    """The body's Linear layers, each followed by a ReLU; raise for anything else."""
    mods = list(body.children()) if isinstance(body, nn.Sequential) else [body]
    linears = mods[0::2]
    ok = (len(mods) % 2 == 0 and all(isinstance(m, nn.Linear) and m.bias is not None
                                     for m in linears)
          and all(isinstance(m, nn.ReLU) for m in mods[1::2]))
    if not ok:
        raise TypeError("MLP body must be nn.Sequential of (Linear with bias, ReLU) pairs")
    return linears


def mlp_forward(body: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Inputs of every Linear, then the body output: [a_0 (B, T*F), ..., a_L (B, H)]."""
    acts = [x.flatten(1)]  # (B, T*F)
    for lin in check_body(body):
        acts.append(torch.addmm(lin.bias.detach(), acts[-1], lin.weight.detach().t()).relu_())
    return acts


def mlp_backward(body: nn.Module, acts: list[torch.Tensor], dh: torch.Tensor,
                 col: GradCollector) -> None:
    """Backward from dL/d(body output) (B, H), adding per-sample norms (and grads) to col."""
    linears = check_body(body)
    for layer in range(len(linears) - 1, -1, -1):
        lin = linears[layer]
        # (B, out): grad of the pre-activation; zero where the ReLU was off (autograd's op)
        g = torch.ops.aten.threshold_backward(dh, acts[layer + 1], 0)
        collect_linear(col, lin, acts[layer], g)
        if layer:
            dh = g @ lin.weight.detach()  # (B, in)

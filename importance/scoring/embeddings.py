"""Per-window last-layer gradient embeddings (head views) and GraNd scores, from forwards only.

Every forecaster ends in one linear head, raw = W a with a = [h, 1] the body's output and a
constant for the bias (`importance.models.base`). Under the squared loss the per-sample
gradient of the head is exactly the outer product dl/draw a^T: one forward gives it, with no
backward, for any body. `head_view` returns its two factors (and the head-space target and
RevIN scale, which make the validation loss of a changed head exactly computable), the
coreset strategies' gradient embedding (`importance.strategies.base.HeadView`).

GraNd (Paul, Ganguli and Dziugaite, NeurIPS 2021) scores a window by its expected gradient
norm over random initialisations. `grand_scores` averages the last-layer gradient norm
||dl/draw|| ||a|| over `runs` fresh copies of the model (EL2N's `fresh_copy`: re-initialised
from seeds derived from the run's seed, the main model and the global torch generator left
as they were), each optionally trained `epochs` epochs first (`train_copy`, as EL2N's).
The last layer only, as DeepCore's GraNd: the full per-sample norm of an LSTM would need one
hand-written backward per window and copy.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from importance import runtime
from importance.scoring.el2n import EL2N_DEFAULTS, EVAL_BATCH, fresh_copy, run_seed, train_copy
from importance.strategies.base import HeadView

# Settings of GraNd's copies when a caller gives none: 5 initialisations, scored untrained
# (the paper's GraNd at initialisation; it averages 10); the trainer passes its own batch
# size, learning rate and seed (`training.score_request`), the request its runs and epochs.
GRAND_DEFAULTS = {**EL2N_DEFAULTS, "runs": 5, "epochs": 0}


@torch.no_grad()
def head_view(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
              batch_size: int = EVAL_BATCH) -> HeadView:
    """The head view of every window `x` (N, T, F), `y` (N, horizon): one forward each,
    in batches, float64 (see `HeadView`). The model is left in training mode."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    model.eval()
    parts: list[tuple[torch.Tensor, ...]] = []
    for s in range(0, len(x), batch_size):
        runtime.tick()
        xb, yb = x[s:s + batch_size], y[s:s + batch_size]
        x_in, scale, offset = model.prepare(xb)
        h = model.encode(x_in)  # (B, H)
        raw = model.head(h).double()  # (B, horizon)
        s_ = torch.ones(len(h), 1, dtype=torch.float64, device=h.device) if scale is None \
            else scale.double()
        z = yb.double() if offset is None else yb.double() - offset.double()
        z = z / s_
        grads = (2.0 / raw.shape[1]) * s_.square() * (raw - z)
        inputs = torch.cat([h.double(), torch.ones_like(h[:, :1], dtype=torch.float64)], 1)
        parts.append((inputs, grads, z, s_[:, 0]))
    model.train()
    if not parts:
        d, hz = model.head.in_features + 1, model.head.out_features
        return HeadView(np.empty((0, d)), np.empty((0, hz)), np.empty((0, hz)), np.empty(0))
    inputs, grads, z, scale = (torch.cat(p).cpu().numpy() for p in zip(*parts, strict=True))
    return HeadView(inputs, grads, z, scale)


def grand_scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, runs: int,
                 epochs: int, batch_size: int, lr: float, seed: int,
                 eval_batch: int = EVAL_BATCH) -> tuple[np.ndarray, int, int]:
    """GraNd score of every window: the mean over `runs` fresh copies of `model` (each trained
    `epochs` epochs first; 0: at initialisation) of its last-layer gradient norm. Returns the
    scores (N,), the samples forwarded (runs x N) and backpropagated (runs x epochs x N)."""
    for name, value, least in (("runs", runs, 1), ("epochs", epochs, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"grand {name} must be an integer >= {least}, got {value!r}")
    n = len(x)
    total = np.zeros(n, dtype=np.float64)
    with torch.random.fork_rng(devices=[]):  # the main run's torch draws stay where they were
        for r in range(runs):
            s = run_seed(seed, r)
            twin = fresh_copy(model, s)
            if epochs:
                train_copy(twin, x, y, epochs=epochs, batch_size=batch_size, lr=float(lr),
                           rng=np.random.default_rng(s))
            total += np.sqrt(head_view(twin, x, y, eval_batch).sq_norms())
    return total / runs, runs * n, runs * epochs * n

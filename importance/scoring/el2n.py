"""EL2N scores (Paul, Ganguli and Dziugaite, NeurIPS 2021, "Deep learning on a data diet"):
a window's error L2 norm ||f(x) - y||_2 over the horizon, averaged over several short
training runs of fresh copies of the model.

Each scoring run r deep-copies the model, re-initialises every parameter (each submodule's
own `reset_parameters`, the initialisation `build_model` gives) from the torch seed
`run_seed(seed, r)`, trains the copy `epochs` epochs on the scored windows (all of them,
shuffled by a NumPy generator seeded from the same seed; mean squared error as the trainer,
Adam at the constant rate `lr`, gradients clipped at norm 5 as the trainer does, a non-finite
step skipped), then takes the error norm of every window in the model's scaled output space
(the forecast after RevIN's restore, against the scaled target). The score is the mean over
`runs` runs. The main model is neither trained nor changed, and the global torch generator
is restored afterwards (`torch.random.fork_rng`), so scoring does not move the main run's
draws. The backprops the scoring runs did, runs x epochs x windows, are returned with the
scores so the trainer counts them (`EpochRecord.samples_scoring_backprop`).

Under MSE the EL2N norm is sqrt(horizon x loss): within one model it ranks windows like the
loss and like the K-F score (see DESIGN.md); what EL2N adds is the model: an average over
independently initialised copies trained a few epochs, not the current model's state.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from importance import runtime
from importance.config import TrainConfig
from importance.models import per_sample_loss

CLIP = 5.0  # gradient-norm clip of the trainer's steps (importance.training._step)
EVAL_BATCH = 1024  # windows per forward when taking the error norms
_T = TrainConfig()
# Settings of the scoring runs when a caller gives none (`score_windows(..., "el2n")`); the
# trainer passes its own batch size, learning rate and seed (`training.score_request`).
EL2N_DEFAULTS = {"runs": 3, "epochs": 2, "batch_size": _T.batch_size, "lr": _T.lr,
                 "seed": _T.seed}


def run_seed(seed: int, run: int) -> int:
    """Torch seed of scoring run `run` of a scoring with `seed` (also seeds its shuffling);
    distinct from `seed` itself, which the main run's initialisation commonly uses."""
    return int(np.random.SeedSequence([seed, run, 0xE12]).generate_state(1)[0])


def fresh_copy(model: nn.Module, seed: int) -> nn.Module:
    """A deep copy of `model` with every parameter re-initialised from torch seed `seed`
    (draws from the global torch generator: call inside `torch.random.fork_rng`)."""
    twin = copy.deepcopy(model)
    twin.zero_grad(set_to_none=True)
    torch.manual_seed(seed)
    for module in twin.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset):
            reset()
    return twin


def train_copy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int,
               batch_size: int, lr: float, rng: np.random.Generator) -> None:
    """Train `model` in place `epochs` epochs on every window of `x`, `y` (one backprop per
    window and epoch), in an order drawn from `rng`."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        perm = torch.from_numpy(rng.permutation(len(x)))
        for i in range(0, len(perm), batch_size):
            runtime.tick()
            bi = perm[i:i + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = per_sample_loss(model(x[bi]), y[bi]).mean()
            loss.backward()
            grad_norm = float(nn.utils.clip_grad_norm_(model.parameters(), CLIP))
            if math.isfinite(float(loss.detach())) and math.isfinite(grad_norm):
                opt.step()


@torch.no_grad()
def error_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                batch_size: int = EVAL_BATCH) -> np.ndarray:
    """||f(x_i) - y_i||_2 over the horizon of every window, float64 (N,)."""
    model.eval()
    out = np.empty(len(x), dtype=np.float64)
    for s in range(0, len(x), batch_size):
        runtime.tick()
        err = model(x[s:s + batch_size]) - y[s:s + batch_size]  # (B, horizon)
        out[s:s + len(err)] = torch.linalg.vector_norm(err, dim=1).double().cpu().numpy()
    model.train()
    return out


def el2n_scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, runs: int, epochs: int,
                batch_size: int, lr: float, seed: int, eval_batch: int = EVAL_BATCH
                ) -> tuple[np.ndarray, int]:
    """EL2N score of every window `x` (N, T, F), `y` (N, horizon): the mean over `runs`
    scoring runs of ||f_r(x_i) - y_i||_2, where f_r is a fresh copy of `model` trained
    `epochs` epochs on these windows (see the module docstring). Returns the scores, float64
    (N,), and the samples the runs backpropagated: runs x epochs x N. `epochs=0` scores the
    re-initialised copies untrained (EL2N at initialisation; it mostly tracks the target).
    """
    for name, value, least in (("runs", runs, 1), ("epochs", epochs, 0),
                               ("batch_size", batch_size, 1), ("eval_batch", eval_batch, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"el2n {name} must be an integer >= {least}, got {value!r}")
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not 0 < lr < math.inf:
        raise ValueError(f"el2n lr must be a finite number > 0, got {lr!r}")
    n = len(x)
    total = np.zeros(n, dtype=np.float64)
    if n == 0:
        return total, 0
    with torch.random.fork_rng(devices=[]):  # the main run's torch draws stay where they were
        for r in range(runs):
            s = run_seed(seed, r)
            twin = fresh_copy(model, s)
            train_copy(twin, x, y, epochs=epochs, batch_size=batch_size, lr=float(lr),
                       rng=np.random.default_rng(s))
            total += error_norms(twin, x, y, eval_batch)
    return total / runs, runs * epochs * n

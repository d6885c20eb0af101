"""Glister (Killamsetty et al., AAAI 2021, "GLISTER: generalization based data subset
selection for efficient and robust learning"): greedily pick the windows whose training step
most lowers the validation loss, updating the model after each pick as if it had stepped on
it, reselected every few epochs.

Adaptation to squared loss on windows and to this project's contract (`coreset.Reselected`):

- The model is the linear head on the body's current features (`HeadView`), both for the
  training windows and the validation windows (the request views both: one forward each,
  counted as scoring forwards). With the body fixed, the validation loss is a quadratic in the
  head W: L(W) = mean_v mean_h s_v^2 (W a_v - z_v)^2. An SGD step of size `eta` on window j,
  W' = W - eta g_j a_j^T, lowers it by exactly

      gain_j = eta g_j' grad a_j - eta^2 ||g_j||^2 a_j' K a_j,

  grad = mean_v g_v a_v^T the validation gradient, K = mean_v s_v^2 a_v a_v^T / horizon.
  The first term is Glister's first-order gain; the second, its exact curvature for a linear
  head (Glister's Taylor approximation, made exact). `GlisterGains` keeps both and, after
  each pick, steps grad as the head would (grad -= 2 eta g_j (K a_j)^T): the greedy of
  Glister-online, in at most `rounds` (64) rounds of equal size, each taking the largest gains
  left (one pick per round when the budget is that small).
- eta: the run's default peak learning rate over its batch size (1e-2 / 64), the step one
  window contributes to an SGD batch; settable.
- Picks weight 1; reselected every `interval` (2) epochs from epoch 0 (Glister every 20 of
  200). A book without validation views (fed scores only) lets the training windows stand in.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.config import TrainConfig
from importance.strategies.base import HeadView, ScoreBook, check_count
from importance.strategies.coreset import Reselected

_T = TrainConfig()
ETA = _T.lr / _T.batch_size


class GlisterGains:
    """Exact validation-loss decrease of a head step on each candidate window, as picks
    step the head (see the module docstring)."""

    def __init__(self, view: HeadView, val: HeadView, eta: float):
        self.view, self.eta = view, eta
        v = len(val)
        self.grad = val.grads.T @ val.inputs / v  # (horizon, D)
        sa = val.inputs * val.scale[:, None]
        self.k = sa.T @ sa / (v * val.grads.shape[1])  # (D, D)
        self.g_sq = (view.grads ** 2).sum(1)  # (m,)
        self.curvature = eta ** 2 * self.g_sq * ((view.inputs @ self.k) * view.inputs).sum(1)

    def gains(self) -> np.ndarray:
        """gain_j for every candidate (m,), at the head stepped by the picks so far."""
        first = self.eta * ((self.view.grads @ self.grad) * self.view.inputs).sum(1)
        return first - self.curvature

    def step(self, picks: np.ndarray) -> None:
        """Step the head on each of `picks` (eta each): the validation gradient follows."""
        g, ka = self.view.grads[picks], self.view.inputs[picks] @ self.k  # (b, h), (b, D)
        self.grad -= 2 * self.eta * g.T @ ka


def glister_select(view: HeadView, val: HeadView, k: int, *, eta: float = ETA,
                   rounds: int = 64) -> np.ndarray:
    """k windows of `view` (sorted), in `rounds` greedy rounds of the largest gains left."""
    state = GlisterGains(view, val, eta)
    left = np.ones(len(view), dtype=bool)
    picked: list[np.ndarray] = []
    size = -(-k // rounds)
    while (done := sum(len(p) for p in picked)) < k:
        gains = np.where(left, state.gains(), -np.inf)
        take = min(size, k - done)
        top = np.argpartition(-gains, take - 1)[:take] if take < len(gains) else np.arange(
            len(gains))
        left[top] = False
        picked.append(top)
        state.step(top)
    return np.sort(np.concatenate(picked)).astype(np.int64)


class Glister(Reselected):
    name: ClassVar[str] = "glister"
    label: ClassVar[str] = "Glister (greedy validation-loss gain)"
    description: ClassVar[str] = (
        "Every 2 epochs, greedily picks the budget whose head steps most lower the validation "
        "loss (gradient embeddings of train and validation windows); weight 1.")
    validation: ClassVar[bool] = True

    def __init__(self, *, keep_ratio: float = 0.7, interval: int = 2, eta: float = ETA,
                 rounds: int = 64):
        super().__init__(keep_ratio=keep_ratio, interval=interval)
        if isinstance(eta, bool) or not isinstance(eta, int | float) or not 0 < eta < np.inf:
            raise ValueError(f"eta must be a finite number > 0, got {eta!r}")
        self.eta = float(eta)
        self.rounds = check_count("rounds", rounds, 1)

    def choose(self, book: ScoreBook, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        view = book.view_of(np.arange(book.n))
        val = book.val_view if book.val_view is not None else view
        return glister_select(view, val, k, eta=self.eta, rounds=self.rounds), None

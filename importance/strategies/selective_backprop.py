"""Selective backprop (Jiang et al. 2019): forward every window, backpropagate window i with
probability P_i = (percentile of its loss among the recent losses) ** beta (beta=3).

- The first epoch trains on every window (no losses yet). Each later epoch scores every train
  window by its loss in one forward pass (method "loss"; the trainer counts it as scoring
  time, energy and `n_scored`, and the kept windows' training forward again in
  `samples_forward`), then keeps each window by a coin flip with its P_i.
- Recent-loss history: the n losses of that epoch's scoring pass, all under the same model
  (the original keeps a ring of the last 1024 losses seen while training, which mixes model
  states). Percentile = share of those losses at or below the window's (in (0, 1]).
- Budget: with distinct losses the percentiles are 1/n..n/n, so an epoch keeps
  mean((i/n) ** beta) ~ 1/(beta+1) of the windows in expectation (25% at beta=3), and a run
  of E epochs backpropagates (1 + (E-1)/(beta+1))/E of its window-epochs (0.34 of 8 epochs).
  `keep_ratio` targets a budget instead: P_i becomes min(1, c P_i) with c chosen so that the
  P_i average `keep_ratio` (same order, so still monotone in the percentile); a run then
  backpropagates (1 + (E-1) keep_ratio)/E in expectation. The CLI and the Train page pass
  their keep ratio, so there all subset strategies run at the same budget. Measured on the
  embedded default data (8 epochs, LSTM, seed 0): 0.34 of full's window-epochs at the
  defaults, 0.74 with keep_ratio=0.7.
- As in the original, kept windows train with weight 1 (the gradient is biased towards
  high-loss windows, which in telecom traffic are the spikes).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from importance.strategies.base import Budget, ScoreBook, ScoreRequest, Selection, check_ratio


def loss_percentiles(losses: np.ndarray) -> np.ndarray:
    """Share of `losses` at or below each one, in (0, 1]; non-finite losses rank lowest.

    >>> loss_percentiles(np.array([0.3, 0.1, 0.2, 0.2])).tolist()
    [1.0, 0.25, 0.75, 0.75]
    """
    s = np.asarray(losses, dtype=np.float64)
    key = np.where(np.isfinite(s), s, -np.inf)  # (N,)
    return np.searchsorted(np.sort(key), key, side="right") / len(key)


def rescale_to_mean(p: np.ndarray, target: float) -> np.ndarray:
    """min(1, c p) with c > 0 such that its mean is `target` (p > 0, target in (0, 1]).

    >>> rescale_to_mean(np.array([0.1, 0.2, 0.4]), 0.5).round(3).tolist()
    [0.214, 0.429, 0.857]
    >>> rescale_to_mean(np.array([0.1, 0.2, 0.8]), 0.6).round(3).tolist()
    [0.267, 0.533, 1.0]
    """
    q = np.sort(p)[::-1]  # (N,) descending
    k = target * len(q)
    rest = np.cumsum(q[::-1])[::-1]  # rest[m] = q[m:].sum(): the part not clipped at 1
    c = (k - np.arange(len(q))) / rest  # scale if the m largest are clipped
    m = int(np.argmax(c * q <= 1 + 1e-12))  # fewest clipped that keeps the rest <= 1
    return np.minimum(1.0, c[m] * p)


class SelectiveBackprop:
    name: ClassVar[str] = "selective_backprop"
    label: ClassVar[str] = "Selective backprop (loss percentile)"
    description: ClassVar[str] = (
        "Percentile coin-flip: keep a window with probability (its loss percentile)^3, weight 1 "
        "(biased to high loss); score: loss, a forward over all windows each epoch.")
    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = None

    def __init__(self, *, beta: float = 3.0, keep_ratio: float | None = None):
        if not isinstance(beta, int | float) or not 0 < beta < math.inf:
            raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
        self.beta = float(beta)
        self.keep_ratio = None if keep_ratio is None else check_ratio("keep_ratio", keep_ratio)

    def probabilities(self, losses: np.ndarray) -> np.ndarray:
        """Keep probability of each window (N,), from its losses (N,)."""
        p = loss_percentiles(losses) ** self.beta
        return p if self.keep_ratio is None else rescale_to_mean(p, self.keep_ratio)

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if epoch == 0:
            return None
        return ScoreRequest(np.arange(book.n, dtype=np.int64), "loss")

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        if epoch == 0:
            return Selection(np.arange(book.n, dtype=np.int64))
        p = self.probabilities(book.scores)
        keep = np.flatnonzero(rng.random(book.n) < p)
        if not len(keep):  # an epoch trains at least one window
            keep = np.array([int(np.argmax(p))])
        return Selection(keep.astype(np.int64), by_score=True)

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Expected share for distinct losses, within 4 standard deviations of the coin flips."""
        p = self.probabilities(np.arange(1.0, n + 1))  # (n,)
        later = epochs - 1
        share = (n + later * p.sum()) / (epochs * n)
        return Budget(float(share), 4 * math.sqrt(later * (p * (1 - p)).sum()) / (epochs * n))

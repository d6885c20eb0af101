"""The strategy contract: each epoch a strategy asks for scores, then chooses samples.

Training loop, with the points where a strategy acts (the trainer owns everything else)::

    book = ScoreBook(n, epochs)                   # latest score per train window
    for epoch in range(epochs):
        request = strategy.needs_scores(epoch, book)    # <- strategy: which windows, how
        with scoring_phase() if request else nothing():   # selection work counts as scoring
            if request: book.update(request.indices, score(request), epoch)  # (+ head views)
            selection = strategy.plan_epoch(epoch, book, rng)   # <- strategy: indices + weights
        for batch in shuffled(selection):
            loss, per = train_step(batch, scores=strategy.train_scores)
            book.mark_trained(batch, epoch)
            if per: book.update(batch, per, epoch)   # norms or losses read off the same pass
        evaluate(val)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np


@dataclass(frozen=True)
class Selection:
    """Train windows for one epoch, optional per-sample loss weights, and whether the
    strategy chose them by importance score (False: all windows, random, or a warm-up)."""

    indices: np.ndarray  # (k,) int64, unique
    weights: np.ndarray | None = None  # (k,) float, aligned with indices
    by_score: bool = False


@dataclass(frozen=True)
class ScoreRequest:
    """Score these train windows with this method before planning the epoch; `params` go to
    the scoring method (e.g. an EL2N request's number and length of scoring runs).
    `validation`: also take the head view of every validation window (`ScoreBook.val_view`;
    only with method "gradient_embedding", one more forward per validation window)."""

    indices: np.ndarray  # (m,) int64
    method: str  # one of importance.scoring.SCORE_METHODS
    params: Mapping[str, Any] = field(default_factory=dict)
    validation: bool = False


@dataclass(frozen=True)
class HeadView:
    """What the forecast head sees of m windows, from one forward (`importance.scoring.
    embeddings.head_view`): the head is linear, raw = W a, so window i's per-sample gradient
    of the head is exactly the outer product `grads[i] inputs[i]^T` (horizon x D), its
    gradient embedding, never materialised: inner products of two windows' embeddings are
    (g_i . g_j)(a_i . a_j).

    Under the squared loss l = mean_h (raw s + o - y)^2 of a window with RevIN scale s and
    offset o: `targets` z = (y - o) / s is the head-space target and `grads` g =
    dl/draw = (2 / horizon) s^2 (raw - z)."""

    inputs: np.ndarray  # (m, D) float64: the head's input [h, 1] (1 carries the bias)
    grads: np.ndarray  # (m, horizon) float64: dl/draw
    targets: np.ndarray  # (m, horizon) float64: z, the raw output that would make l zero
    scale: np.ndarray  # (m,) float64: s (1 without RevIN)

    def __len__(self) -> int:
        return len(self.inputs)

    def take(self, idx: np.ndarray) -> HeadView:
        return HeadView(self.inputs[idx], self.grads[idx], self.targets[idx], self.scale[idx])

    def sq_norms(self) -> np.ndarray:
        """||g_i a_i^T||^2 of every window (m,): squared last-layer gradient norms."""
        return (self.grads ** 2).sum(1) * (self.inputs ** 2).sum(1)

    def inner(self, other: HeadView) -> np.ndarray:
        """<g_i a_i^T, g_j a_j^T> of every pair (m, m'): (g_i . g_j)(a_i . a_j)."""
        return (self.grads @ other.grads.T) * (self.inputs @ other.inputs.T)

    @classmethod
    def of_scores(cls, scores: np.ndarray) -> HeadView:
        """A one-dimensional stand-in from scalar scores (a book fed scores only): window i's
        embedding is its score (NaN: 0), its input 1."""
        s = np.nan_to_num(np.asarray(scores, dtype=np.float64))[:, None]
        return cls(np.ones_like(s), s, np.zeros_like(s), np.ones(len(s)))


@dataclass(frozen=True)
class Budget:
    """What a strategy declares it backpropagates over a run: `share` of epochs x windows,
    within `tol` (0 for a fixed count; random or loss-driven policies declare a spread)."""

    share: float
    tol: float = 0.0

    def covers(self, realised: float) -> bool:
        return abs(realised - self.share) <= self.tol + 1e-12


class ScoreBook:
    """Latest known importance score of every train window, and when it was trained.
    `epochs` is the run's configured length, for schedules that need it (None: unknown)."""

    def __init__(self, n: int, epochs: int | None = None):
        self.n = n
        self.epochs = epochs
        self.scores = np.full(n, np.nan)  # latest score; NaN = never scored
        self.scored_epoch = np.full(n, -1, dtype=np.int64)
        self.trained_epoch = np.full(n, -1, dtype=np.int64)  # last epoch that trained it
        # Head views (gradient embeddings) of the windows a "gradient_embedding" request
        # scored, latest per window (rows never viewed are NaN), and of the validation windows
        self.views: HeadView | None = None
        self.val_view: HeadView | None = None

    def update(self, indices: np.ndarray, scores: np.ndarray, epoch: int) -> None:
        self.scores[indices] = scores
        self.scored_epoch[indices] = epoch

    def update_views(self, indices: np.ndarray, view: HeadView) -> None:
        if self.views is None or self.views.inputs.shape[1] != view.inputs.shape[1]:
            d, h = view.inputs.shape[1], view.grads.shape[1]
            self.views = HeadView(np.full((self.n, d), np.nan), np.full((self.n, h), np.nan),
                                  np.full((self.n, h), np.nan), np.full(self.n, np.nan))
        for mine, new in zip((self.views.inputs, self.views.grads, self.views.targets,
                              self.views.scale), (view.inputs, view.grads, view.targets,
                                                  view.scale), strict=True):
            mine[indices] = new

    def view_of(self, indices: np.ndarray) -> HeadView:
        """Head views of `indices`; a book without views (fed scores only) gives the scores'
        one-dimensional stand-in (`HeadView.of_scores`)."""
        if self.views is None:
            return HeadView.of_scores(self.scores[indices])
        return self.views.take(indices)

    def mark_trained(self, indices: np.ndarray, epoch: int) -> None:
        self.trained_epoch[indices] = epoch


class Strategy(Protocol):
    """A sample-selection method. Constructors only store keyword-only parameters."""

    name: ClassVar[str]
    label: ClassVar[str]  # human name for tables and charts
    # Whether some epochs select by importance score (`Selection.by_score`); warm-up or
    # all-window epochs of such a strategy do not.
    uses_scores: ClassVar[bool]
    # Scores the trainer reads off each training step of the selected windows:
    # "exact" (per-sample gradient norms from the same backward), "last_layer" (head-only
    # norms from the same forward, free), "loss" (per-window loss, unweighted, from the same
    # forward, free) or None.
    train_scores: str | None

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None: ...

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection: ...

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Share of the `epochs` x `n` window-epochs a run backpropagates (the contract tests
        check every registered strategy's realised share against it)."""
        ...


def check_ratio(name: str, value: float) -> float:
    """Validate a fraction in (0, 1]."""
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


def check_count(name: str, value: int, least: int) -> int:
    """Validate an integer >= `least` (a bool is no count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    return value


def budget(n: int, keep_ratio: float) -> int:
    """Samples per epoch for `keep_ratio` of `n` (at least one)."""
    return max(1, int(round(keep_ratio * n)))


def uniform_subset(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """`k` of `n` windows drawn uniformly without replacement, sorted (int64): the random
    draw of warm-up epochs and of the random control."""
    return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)


def fixed_budget(n: int, keep_ratio: float) -> Budget:
    """The declared budget of a strategy that trains `budget(n, keep_ratio)` every epoch."""
    return Budget(budget(n, keep_ratio) / n)


def top_k(scores: np.ndarray, k: int, *, first: np.ndarray | None = None) -> np.ndarray:
    """Indices (sorted) of the k largest finite `scores`; every selection by rank uses this.

    Non-finite scores (NaN, +inf, -inf: a diverging model, not an important window) rank
    below every finite score, so they are taken only when the finite ones run out. `first`
    (bool, like `scores`) marks windows to take before any score, such as windows never
    scored (`ScoreBook.scored_epoch < 0`), whose NaN means "unknown", not "broken".

    >>> top_k(np.array([5.0, np.nan, np.inf, 1.0, 3.0]), 2).tolist()
    [0, 4]
    >>> top_k(np.array([5.0, np.nan, 1.0]), 2, first=np.array([False, True, False])).tolist()
    [0, 1]
    """
    s = np.asarray(scores, dtype=np.float64)
    if not 1 <= k <= len(s):
        raise ValueError(f"k must be in 1..{len(s)} (the number of scores), got {k}")
    key = np.where(np.isfinite(s), s, -np.inf)  # (N,)
    if first is not None:
        key[np.asarray(first, dtype=bool)] = np.inf
    return np.sort(np.argpartition(-key, k - 1)[:k]).astype(np.int64)

"""Gradient-norm top-k (the telecom paper): train each epoch on the windows whose
per-sample loss gradient has the largest L2 norm.

The first `warmup_epochs` train on a uniform random subset of the same budget: at random
initialisation the norms mostly reflect the target's magnitude, and training only on the
top of that ranking was measured to hurt accuracy (see benchmarks/bench_strategies.py).
Scores then come from three places: an initial scoring of every window before the first
selective epoch (`initial_method`, skipped for windows trained in the epoch before, whose
exact norms come from the same backward pass that trained them), those in-pass exact norms
of every trained window, and a rescoring of the windows *not* trained in the previous epoch,
every `rescore_every` epochs (`rescore_method`), so a stale low score can rise again.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import ScoreBook, ScoreRequest, Selection, budget, check_ratio


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores (NaN counts as +inf: unscored windows first), sorted."""
    s = np.where(np.isnan(scores), np.inf, scores)
    return np.sort(np.argpartition(-s, k - 1)[:k]).astype(np.int64)


class GradNorm:
    name: ClassVar[str] = "gradnorm"
    label: ClassVar[str] = "Gradient-norm top-k (importance)"

    def __init__(self, *, keep_ratio: float = 0.7, warmup_epochs: int = 1,
                 rescore_every: int = 1, train_scores: str = "exact",
                 initial_method: str = "exact", rescore_method: str = "exact"):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        if not isinstance(warmup_epochs, int) or warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be an integer >= 0, got {warmup_epochs!r}")
        self.warmup_epochs = warmup_epochs
        if not isinstance(rescore_every, int) or rescore_every < 1:
            raise ValueError(f"rescore_every must be an integer >= 1, got {rescore_every!r}")
        from importance.scoring import SCORE_METHODS

        if train_scores not in ("exact", "last_layer"):
            raise ValueError(f"train_scores must be 'exact' or 'last_layer'; got {train_scores!r}")
        self.train_scores = train_scores
        for arg, method in (("initial_method", initial_method), ("rescore_method", rescore_method)):
            if method not in SCORE_METHODS:
                raise ValueError(f"{arg} must be one of {', '.join(SCORE_METHODS)}; "
                                 f"got {method!r}")
        self.rescore_every = rescore_every
        self.initial_method = initial_method
        self.rescore_method = rescore_method

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if epoch < self.warmup_epochs:
            return None
        never = book.trained_epoch < 0
        stale = np.flatnonzero(never | (book.trained_epoch < epoch - 1))  # not trained last epoch
        if epoch == self.warmup_epochs:
            method = self.initial_method
        elif (epoch - self.warmup_epochs) % self.rescore_every:
            return None
        else:
            method = self.rescore_method
        return ScoreRequest(stale.astype(np.int64), method) if len(stale) else None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        k = budget(book.n, self.keep_ratio)
        if epoch < self.warmup_epochs:
            return Selection(np.sort(rng.choice(book.n, size=k, replace=False)).astype(np.int64))
        return Selection(top_k(book.scores, k))

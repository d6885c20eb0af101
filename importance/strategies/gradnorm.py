"""Gradient-norm top-k (the telecom paper): train each epoch on the windows whose
per-sample loss gradient has the largest L2 norm.

Scores come from three places: an initial scoring of every window before epoch 0
(`initial_method`), the exact norms of the windows trained in an epoch (computed in the
same backward pass that trains them), and a rescoring of the windows *not* trained, every
`rescore_every` epochs (`rescore_method`), so a stale low score can rise again.
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
    wants_train_norms: ClassVar[bool] = True

    def __init__(self, *, keep_ratio: float = 0.7, rescore_every: int = 1,
                 initial_method: str = "exact", rescore_method: str = "exact"):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        if not isinstance(rescore_every, int) or rescore_every < 1:
            raise ValueError(f"rescore_every must be an integer >= 1, got {rescore_every!r}")
        from importance.scoring import SCORE_METHODS

        for arg, method in (("initial_method", initial_method), ("rescore_method", rescore_method)):
            if method not in SCORE_METHODS:
                raise ValueError(f"{arg} must be one of {', '.join(SCORE_METHODS)}; "
                                 f"got {method!r}")
        self.rescore_every = rescore_every
        self.initial_method = initial_method
        self.rescore_method = rescore_method

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if epoch == 0:
            return ScoreRequest(np.arange(book.n, dtype=np.int64), self.initial_method)
        if epoch % self.rescore_every:
            return None
        stale = np.flatnonzero(book.trained_epoch < epoch - 1)  # not trained last epoch
        return ScoreRequest(stale.astype(np.int64), self.rescore_method) if len(stale) else None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        return Selection(top_k(book.scores, budget(book.n, self.keep_ratio)))

"""Pure active learning (the DPET paper's comparator; Settles 2009): from a small random start,
rounds that add the windows the model is least sure of to the training pool, which every
epoch trains whole.

Adaptation to regression on windows and to this project's contract:

- Pool: a random start of `start_share` (0.2) of the final pool, drawn from the strategy's
  generator at epoch 0, grown in equal rounds every `round_epochs` (2) epochs to
  `budget(n, keep_ratio)` windows by the last round (one round at epoch 1 when the run is too
  short for any other). Every epoch trains the whole pool, weight 1; `by_score=True` once a
  window was added by score.
- Uncertainty (the paper's margin sampling has no regression form): the disagreement of a
  small ensemble of heads. Each round asks for method "gradient_embedding" on every window
  (one forward each, no backprop: the pool's features and head-space targets, the unused
  windows' features); `heads` (5) ridge regressions of the head on bootstrap resamples of the
  pool (drawn from the strategy's generator) forecast the unused windows, and a window's
  uncertainty is the variance of those forecasts, averaged over the horizon, in the model's
  scaled output space (x s^2 under RevIN). The fits and forecasts run in the trainer's
  scoring phase; the uncertainties replace the unused windows' scores on the book. MC dropout
  is not offered: the models have no dropout.
- Budget: exact given n and the run length (`pool_sizes`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import (
    Budget,
    HeadView,
    ScoreBook,
    ScoreRequest,
    Selection,
    budget,
    check_count,
    check_ratio,
    top_k,
)

RIDGE = 1e-3  # ridge penalty relative to the mean feature energy: fits on a tiny start pool


def disagreement(pool: HeadView, unused: HeadView, heads: int, rng: np.random.Generator
                 ) -> np.ndarray:
    """Variance over `heads` bootstrap ridge heads fitted on `pool` of their forecasts of
    `unused` (m,), mean over the horizon, in the scaled output space."""
    a, z = pool.inputs, pool.targets
    d = a.shape[1]
    preds = []
    for _ in range(heads):
        pick = rng.integers(0, len(a), size=len(a))
        ab, zb = a[pick], z[pick]
        gram = ab.T @ ab
        lam = RIDGE * max(np.trace(gram) / d, 1e-12)
        w = np.linalg.solve(gram + lam * np.eye(d), ab.T @ zb)  # (D, horizon)
        preds.append(unused.inputs @ w)
    return np.stack(preds).var(axis=0).mean(axis=1) * unused.scale ** 2


class ActiveLearning:
    name: ClassVar[str] = "active_learning"
    label: ClassVar[str] = "Active learning (grow the pool by ensemble disagreement)"
    description: ClassVar[str] = (
        "From a small random start, every 2 epochs add the unused windows on which 5 "
        "bootstrap heads disagree most; trains the whole pool, weight 1.")
    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = None
    head_views: ClassVar[bool] = True  # holds every window's head view (runs.footprint)

    def __init__(self, *, keep_ratio: float = 0.7, start_share: float = 0.2,
                 round_epochs: int = 2, heads: int = 5):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        self.start_share = check_ratio("start_share", start_share)
        self.round_epochs = check_count("round_epochs", round_epochs, 1)
        self.heads = check_count("heads", heads, 2)
        self._pool = np.zeros(0, dtype=bool)
        self._by_score = False

    def rounds(self, epochs: int | None) -> list[int]:
        """The epochs at which a run of `epochs` grows the pool."""
        if epochs is None:
            raise ValueError("active_learning spreads its rounds over the run: it needs the "
                             "run length, ScoreBook(n, epochs)")
        at = list(range(self.round_epochs, epochs, self.round_epochs))
        return at or ([1] if epochs > 1 else [])

    def _adds(self, epochs: int | None, n: int) -> dict[int, int]:
        """Windows each round adds: the start grown to the final pool in equal rounds."""
        final = budget(n, self.keep_ratio)
        start = min(final, max(1, int(round(self.start_share * final))))
        at = self.rounds(epochs)
        each, rest = divmod(final - start, max(len(at), 1))
        return {e: each + (i < rest) for i, e in enumerate(at)}

    def pool_sizes(self, epochs: int, n: int) -> list[int]:
        """Windows each epoch of a run of `epochs` over `n` windows trains (the schedule)."""
        final = budget(n, self.keep_ratio)
        size, adds, out = min(final, max(1, int(round(self.start_share * final)))), \
            self._adds(epochs, n), []
        for epoch in range(epochs):
            size += adds.get(epoch, 0)
            out.append(size)
        return out

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if len(self._pool) != book.n or not self._adds(book.epochs, book.n).get(epoch):
            return None
        return ScoreRequest(np.arange(book.n, dtype=np.int64), "gradient_embedding")

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        n = book.n
        if epoch == 0 or len(self._pool) != n:  # a new run starts a new pool
            self._pool, self._by_score = np.zeros(n, dtype=bool), False
            self._pool[rng.choice(n, size=self.pool_sizes(1, n)[0], replace=False)] = True
        add = self._adds(book.epochs, n).get(epoch, 0)
        if add:
            unused = np.flatnonzero(~self._pool).astype(np.int64)
            pool = np.flatnonzero(self._pool)
            doubt = disagreement(book.view_of(pool), book.view_of(unused), self.heads, rng)
            book.update(unused, doubt, epoch)
            self._pool[unused[top_k(doubt, add)]] = True
            self._by_score = True
        return Selection(np.flatnonzero(self._pool).astype(np.int64), by_score=self._by_score)

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Exact: the schedule depends on n and the run length only."""
        return Budget(sum(self.pool_sizes(epochs, n)) / (epochs * n))

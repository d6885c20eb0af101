"""What CRAIG, GraphCut and Glister share: a fixed budget of windows chosen from every train
window's last-layer gradient embedding, reselected every `interval` epochs.

At epoch 0 and every `interval` epochs after, the strategy asks for method
"gradient_embedding" on every train window (one forward each, no backprop; Glister also the
validation windows), and chooses `budget(n, keep_ratio)` of them from the head views the
trainer stores on the book (`ScoreBook.views`). The trainer runs that choice inside the
scoring phase, so its time and energy (similarities, greedy passes) count as scoring. The
epochs in between train the same windows with the same weights. Every epoch is selected by
score (`by_score=True`). A book fed scores only (no head views) gives each window its score
as a one-dimensional embedding (`HeadView.of_scores`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import (
    Budget,
    ScoreBook,
    ScoreRequest,
    Selection,
    budget,
    check_count,
    check_ratio,
    fixed_budget,
)


class Reselected:
    """Base of the coreset strategies: subclasses set the class attributes and `choose`."""

    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = None
    validation: ClassVar[bool] = False  # the request also views the validation windows
    head_views: ClassVar[bool] = True  # holds every window's head view (runs.footprint)
    similarity: ClassVar[bool] = False  # builds block similarity matrices (runs.footprint)

    def __init__(self, *, keep_ratio: float = 0.7, interval: int = 2):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        self.interval = check_count("interval", interval, 1)
        self._chosen: tuple[np.ndarray, np.ndarray | None] | None = None

    def choose(self, book: ScoreBook, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        """k sorted window indices and their weights (or None) from the book's head views."""
        raise NotImplementedError

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if epoch % self.interval:
            return None
        return ScoreRequest(np.arange(book.n, dtype=np.int64), "gradient_embedding",
                            validation=self.validation)

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        stale = self._chosen is None or self._chosen[0].max() >= book.n
        if epoch % self.interval == 0 or stale:
            idx, w = self.choose(book, budget(book.n, self.keep_ratio))
            self._chosen = (idx.astype(np.int64), w)
        idx, w = self._chosen
        return Selection(idx.copy(), None if w is None else w.copy(), by_score=True)

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Training backprops only: the embedding forwards are scoring, reported apart."""
        return fixed_budget(n, self.keep_ratio)

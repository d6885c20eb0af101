"""Random subset: a uniform `keep_ratio` of the windows each epoch (the control)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import (
    Budget,
    ScoreBook,
    Selection,
    budget,
    check_ratio,
    fixed_budget,
)


class RandomSubset:
    name: ClassVar[str] = "random"
    label: ClassVar[str] = "Random subset (control)"
    description: ClassVar[str] = (
        "A fresh uniform random keep-ratio subset each epoch, weight 1; no score (the control).")
    uses_scores: ClassVar[bool] = False
    train_scores: ClassVar[str | None] = None

    def __init__(self, *, keep_ratio: float = 0.7):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)

    def needs_scores(self, epoch: int, book: ScoreBook) -> None:
        return None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        k = budget(book.n, self.keep_ratio)
        return Selection(np.sort(rng.choice(book.n, size=k, replace=False)).astype(np.int64))

    def expected_budget(self, epochs: int, n: int) -> Budget:
        return fixed_budget(n, self.keep_ratio)

"""Full data: every train window every epoch (the baseline)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import Budget, ScoreBook, Selection


class Full:
    name: ClassVar[str] = "full"
    label: ClassVar[str] = "Full data (baseline)"
    description: ClassVar[str] = "Every window every epoch, weight 1; no score (the baseline)."
    uses_scores: ClassVar[bool] = False
    train_scores: ClassVar[str | None] = None

    def needs_scores(self, epoch: int, book: ScoreBook) -> None:
        return None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        return Selection(np.arange(book.n, dtype=np.int64))

    def expected_budget(self, epochs: int, n: int) -> Budget:
        return Budget(1.0)

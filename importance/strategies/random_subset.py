"""Random subset: one uniform `keep_ratio` of the windows, drawn at the run's first epoch and
trained every epoch (the fixed-subset control for static selection such as EL2N; `rs2`,
resampled each epoch, is the control for per-epoch methods).

Until 2026-12 this strategy drew a fresh independent subset every epoch; runs stored before
then hold their own selections (`selected`), which the pages read as stored."""

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
    uniform_subset,
)


class RandomSubset:
    name: ClassVar[str] = "random"
    label: ClassVar[str] = "Random subset (control)"
    description: ClassVar[str] = (
        "One uniform random keep-ratio subset, fixed for the whole run, weight 1; no score "
        "(the control for static selection).")
    uses_scores: ClassVar[bool] = False
    train_scores: ClassVar[str | None] = None

    def __init__(self, *, keep_ratio: float = 0.7):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        self._subset: np.ndarray | None = None  # the run's subset, drawn at epoch 0

    def needs_scores(self, epoch: int, book: ScoreBook) -> None:
        return None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        if epoch == 0 or self._subset is None or self._subset.max() >= book.n:  # a new run
            k = budget(book.n, self.keep_ratio)
            self._subset = uniform_subset(book.n, k, rng)
        return Selection(self._subset.copy())

    def expected_budget(self, epochs: int, n: int) -> Budget:
        return fixed_budget(n, self.keep_ratio)

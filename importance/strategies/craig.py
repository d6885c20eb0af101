"""CRAIG (Mirzasoleiman, Bilmes and Leskovec, ICML 2020, "Coresets for data-efficient
training of machine learning models"): a weighted subset whose weighted gradient sum
approximates the full gradient, found by maximising facility location over per-sample
gradients, each pick weighted by the number of windows it represents.

Adaptation to squared loss on windows and to this project's contract (`coreset.Reselected`):

- Gradients: the last-layer per-sample gradient, exactly dl/draw a^T for the linear head under
  MSE (`HeadView`), from one forward per window, no backprop (CRAIG's own choice for deep
  networks: the last layer's gradient bounds the full one up to a constant).
- Facility location with similarity d_max - ||G_i - G_j|| maximised by lazy greedy within
  contiguous blocks of at most 2,048 windows (periods of a series; cells of a panel), each
  choosing its share of the budget (`submodular.select`), never an n x n matrix.
- Weights: each pick's count of windows whose nearest pick it is (`Selection.weights`, sum n):
  the trainer's weighted mean loss then steps along ~ the full gradient sum's direction, with
  n / k as the mean weight (Adam is insensitive to that scale; clipping is not).
- Reselected every `interval` (2) epochs from epoch 0, as CRAIG reselects each epoch or few.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import ScoreBook, check_count
from importance.strategies.coreset import Reselected
from importance.strategies.submodular import BLOCK, select


class CRAIG(Reselected):
    name: ClassVar[str] = "craig"
    label: ClassVar[str] = "CRAIG coreset (facility location, weighted)"
    description: ClassVar[str] = (
        "Every 2 epochs, facility location over last-layer gradient embeddings picks the "
        "budget, each pick weighted by how many windows it represents.")
    similarity: ClassVar[bool] = True

    def __init__(self, *, keep_ratio: float = 0.7, interval: int = 2, block_size: int = BLOCK):
        super().__init__(keep_ratio=keep_ratio, interval=interval)
        self.block_size = check_count("block_size", block_size, 1)

    def choose(self, book: ScoreBook, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        return select(book.view_of(np.arange(book.n)), k, "facility_location",
                      block_size=self.block_size)

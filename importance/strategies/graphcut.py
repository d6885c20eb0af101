"""GraphCut (the graph-cut submodular objective, as in DeepCore's comparison; Iyer et al.,
"Submodular combinatorial information measures", 2021): a subset that is both representative
of every window and diverse within itself.

Adaptation to squared loss on windows and to this project's contract (`coreset.Reselected`):
the same last-layer gradient embeddings and similarity as CRAIG (`craig`, `submodular`);
F(A) = sum_{i in V, j in A} S_ij - 0.5 sum_{i, j in A} S_ij over every window V (0.5: the
largest diversity weight that keeps F monotone), maximised by lazy greedy
within blocks of at most 2,048 windows; picks weight 1 (DeepCore weights none); reselected
every `interval` (2) epochs from epoch 0.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from importance.strategies.base import ScoreBook, check_count
from importance.strategies.coreset import Reselected
from importance.strategies.submodular import BLOCK, select


class GraphCutCoreset(Reselected):
    name: ClassVar[str] = "graphcut"
    label: ClassVar[str] = "GraphCut coreset (representative and diverse)"
    description: ClassVar[str] = (
        "Every 2 epochs, a graph-cut objective over last-layer gradient embeddings picks a "
        "representative, diverse budget; weight 1.")
    similarity: ClassVar[bool] = True

    def __init__(self, *, keep_ratio: float = 0.7, interval: int = 2, block_size: int = BLOCK):
        super().__init__(keep_ratio=keep_ratio, interval=interval)
        self.block_size = check_count("block_size", block_size, 1)

    def choose(self, book: ScoreBook, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        return select(book.view_of(np.arange(book.n)), k, "graph_cut",
                      block_size=self.block_size)

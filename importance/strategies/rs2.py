"""RS2, repeated random sampling without replacement (Okanovic et al. 2023): each epoch a
fresh uniform `keep_ratio` of the windows, walking through a random permutation of all of
them, so every window is trained once before any is trained twice.

The draws are one stream of permutations cut into epochs of `budget(n, keep_ratio)` windows.
When an epoch straddles two permutations, the next permutation puts the windows still left in
the current one last, so no epoch holds a window twice and after any epoch the windows' train
counts differ by at most one. `random` draws each epoch independently instead (a window can
wait many epochs); RS2 is the fair control for per-epoch selection methods.
"""

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


def next_chunk(queue: np.ndarray, k: int, n: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The next `k` distinct windows of the permutation stream `queue`, and what is left;
    a fresh permutation of `n` is appended (leftovers' windows last) when `queue` runs short.

    >>> chunk, rest = next_chunk(np.array([4, 1]), 3, 5, np.random.default_rng(0))
    >>> chunk[:2].tolist(), chunk[2] not in (4, 1), sorted(rest[-2:].tolist())
    ([4, 1], True, [1, 4])
    """
    if len(queue) < k:
        perm = rng.permutation(n)
        left = np.isin(perm, queue)
        queue = np.concatenate([queue, perm[~left], perm[left]])
    return queue[:k], queue[k:]


class RS2:
    name: ClassVar[str] = "rs2"
    label: ClassVar[str] = "RS2: random subset, no replacement (control)"
    description: ClassVar[str] = (
        "Uniform random keep-ratio subset each epoch, without repeats until every window trained,"
        " weight 1; no score (the fair control).")
    uses_scores: ClassVar[bool] = False
    train_scores: ClassVar[str | None] = None

    def __init__(self, *, keep_ratio: float = 0.7):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        self._queue = np.empty(0, dtype=np.int64)  # rest of the current permutation

    def needs_scores(self, epoch: int, book: ScoreBook) -> None:
        return None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        if epoch == 0:  # a new run starts a new stream
            self._queue = np.empty(0, dtype=np.int64)
        chunk, self._queue = next_chunk(self._queue, budget(book.n, self.keep_ratio), book.n,
                                        rng)
        return Selection(np.sort(chunk).astype(np.int64))

    def expected_budget(self, epochs: int, n: int) -> Budget:
        return fixed_budget(n, self.keep_ratio)

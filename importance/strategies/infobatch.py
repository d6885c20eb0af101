"""InfoBatch (Qin et al., ICLR 2024): soft pruning of well-learned windows, with rescaling.

A window's score is its latest training loss, read off the training forward that trains it
(`train_scores = "loss"`: no extra pass; windows not trained in an epoch keep their last
loss). Epoch 0 trains every window (no losses yet). Each later epoch, a window whose loss is
below the mean of the known losses is pruned with probability `prune_ratio` (r, a coin flip
from the run's strategy generator); the kept below-mean windows train with loss weight
1/(1-r), so their expected gradient is unchanged, and the others with weight 1. Epochs from
`delta` x epochs on (the last (1-delta) of the configured run; early stopping may end it
before) anneal: every window, weight 1. Weights are computed afresh each epoch, so annealing
cannot inherit the last pruned epoch's weights (the public code's reset compares an int
epoch with a float and never fires unless epochs x delta is whole).

Budget: an outcome. A pruned epoch backpropagates n - r m windows in expectation, where m is
the number of windows below the mean loss; squared errors are heavy-tailed, so m is most of
n and the saving per pruned epoch approaches r. With the defaults (r=0.5, delta=0.875) a run
of E epochs prunes epochs 1 .. ceil(0.875 E)-1 (6 of 8). Measured on the embedded default
data (8 epochs, LSTM, seed 0): its pruned epochs trained 0.56-0.64 of the windows and the run
backpropagated 0.71 of the full run's window-epochs (`EpochRecord.samples_backprop` per
epoch).

`target_budget` (a share of the full run's window-epochs, e.g. 0.7) makes the budget an
input instead, for comparisons at an equal budget: each pruned epoch's ratio r_e is what the
run still has to drop, spread over its remaining pruned epochs, divided by the windows below
the mean (so coin-flip luck in one epoch is made up in the next), capped at `max_prune`
(default 0.9: weight 10 at most). When too few windows are below the mean the target is
missed upwards; the realised share is in `samples_backprop`, as always. With ~63% of the
windows below the mean (exponential-like losses), the lowest reachable share is about
1 - 0.9 x 0.63 x (pruned epochs) / epochs: 0.57 of an 8-epoch run, 0.54 of 16 epochs.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from importance.strategies.base import Budget, ScoreBook, Selection, check_ratio


class InfoBatch:
    name: ClassVar[str] = "infobatch"
    label: ClassVar[str] = "InfoBatch (prune low-loss windows, rescale)"
    description: ClassVar[str] = (
        "Soft pruning with rescaling: drop a random share r of the below-mean-loss windows, kept "
        "ones weigh 1/(1-r); all windows in the last epochs; score: latest training loss.")
    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = "loss"
    keep_param: ClassVar[str] = "target_budget"  # a form's keep ratio sets the target budget

    def __init__(self, *, prune_ratio: float = 0.5, delta: float = 0.875,
                 target_budget: float | None = None, max_prune: float = 0.9):
        for name, value in (("prune_ratio", prune_ratio), ("max_prune", max_prune)):
            if not isinstance(value, int | float) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
        if not isinstance(delta, int | float) or not 0 < delta <= 1:
            raise ValueError(f"delta must be a number in (0, 1], got {delta!r}")
        self.prune_ratio = float(prune_ratio)
        self.delta = float(delta)
        self.target_budget = (None if target_budget is None
                              else check_ratio("target_budget", target_budget))
        self.max_prune = float(max_prune)
        self._dropped = 0  # window-epochs pruned so far in this run (target mode)

    def pruning(self, epoch: int, epochs: int) -> bool:
        """Whether `epoch` of `epochs` prunes: not the first, and before delta x epochs."""
        return 0 < epoch < self.delta * epochs - 1e-9  # 1e-9: 0.7 * 10 is 7.000000000000001

    def needs_scores(self, epoch: int, book: ScoreBook) -> None:
        return None

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        if book.epochs is None:
            raise ValueError("infobatch anneals over the run's last epochs: it needs the run "
                             "length, ScoreBook(n, epochs)")
        every = np.arange(book.n, dtype=np.int64)
        known = np.isfinite(book.scores)
        if epoch == 0:
            self._dropped = 0  # a new run
        if not self.pruning(epoch, book.epochs) or not known.any():
            return Selection(every)
        low = known & (book.scores < book.scores[known].mean())  # (N,) well learned
        r = self.epoch_ratio(epoch, book.epochs, book.n, int(low.sum()))
        keep = np.flatnonzero(~(low & (rng.random(book.n) < r)))
        self._dropped += book.n - len(keep)
        weights = np.where(low[keep], 1 / (1 - r), 1.0)
        return Selection(keep.astype(np.int64), weights, by_score=True)

    def epoch_ratio(self, epoch: int, epochs: int, n: int, below: int) -> float:
        """Prune ratio of a pruned epoch with `below` windows under the mean loss: fixed, or
        in target mode the drop still owed over the pruned epochs left, per window below.

        >>> ib = InfoBatch(target_budget=0.75, delta=1.0)  # 4 epochs, 1..3 prune
        >>> round(ib.epoch_ratio(1, 4, 100, 50), 4)  # owes 100 window-epochs over 3 epochs
        0.6667
        """
        if self.target_budget is None:
            return self.prune_ratio
        owed = (1 - self.target_budget) * epochs * n - self._dropped
        left = sum(self.pruning(e, epochs) for e in range(epoch, epochs))
        return float(np.clip(owed / left / max(below, 1), 0.0, self.max_prune))

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """The range the losses leave open: from every pruned epoch keeping all (no window
        below the mean) to all but one window below it, less 4 standard deviations of the
        coin flips; declared as its midpoint and half-width."""
        pruned = sum(self.pruning(e, epochs) for e in range(epochs))
        r = self.prune_ratio if self.target_budget is None else self.max_prune
        total = epochs * n
        low = 1 - (pruned * r * (n - 1) + 4 * math.sqrt(pruned * (n - 1) * r * (1 - r))) / total
        if self.target_budget is not None:  # owed drops are made up: no lower than the target
            low = max(low, self.target_budget - 4 * math.sqrt(n * r * (1 - r)) / total)
        return Budget((1 + low) / 2, (1 - low) / 2)

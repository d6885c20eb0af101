"""EL2N (Paul, Ganguli and Dziugaite, NeurIPS 2021, "Deep learning on a data diet"): score
every window once by its error L2 norm ||f(x) - y||_2, averaged over a few short training
runs of independently initialised copies of the model, then prune once: train every epoch
on the same top `keep_ratio` of the windows (static pruning; the paper keeps the hardest).

Adaptation to this project's per-epoch contract (`importance.strategies.base`):

- At epoch `score_epoch` (default 0: before any training) the strategy asks for method
  "el2n" on every train window, with `runs` (default 3) and `epochs` (default 2) in the
  request. The trainer runs the scoring inside its scoring phase (timed and energy-measured
  as scoring): `runs` fresh copies of the model, re-initialised from seeds derived from the
  run's seed, each trained `epochs` epochs on all windows with Adam at the run's peak
  learning rate and batch size (`importance.scoring.el2n`); the score is the mean error norm
  over the copies, in the model's scaled output space, over the horizon. The main model and
  the global torch generator are left as they were.
- Every epoch from `score_epoch` on trains `top_k(scores, keep_ratio x n)`: the same windows
  each epoch, weight 1, `by_score=True`. Epochs before `score_epoch` (none by default) train
  a uniform random `keep_ratio` subset, `by_score=False`. Scoring later than epoch 0 changes
  nothing but when the scoring cost falls: the copies start afresh either way.
- Budget: `expected_budget` declares the *training* backprops only, exactly `keep_ratio` of
  the window-epochs (as every fixed-budget strategy). The scoring runs backpropagate
  runs x epochs x n windows more, 6 n at the defaults; the trainer records them in
  `EpochRecord.samples_scoring_backprop` of the scoring epoch, and the comparison's
  cumulative-backprop axis adds them. At 8 epochs and keep_ratio 0.7 that is 5.6 n training
  + 6 n scoring = 1.45 x full's 8 n: static EL2N pays for itself only over long runs (the
  paper trains 200 epochs after scoring at epoch ~20).
- Under MSE the error norm is sqrt(horizon x loss) of the copy, so within one copy it ranks
  like the loss; the average over copies is what makes the ranking a property of the data
  rather than of one model state. The top-k keeps the hardest windows, which in telecom
  traffic are the spikes (see the spike-window error of the comparison).

Measured on the embedded default data (`importance compare --strategies full,el2n,dpet,rs2
--epochs 8 --no-progress`: LSTM, seed 0, keep_ratio 0.7, 6,106 train windows; one seed):
test MAE 49.86 against full's 47.69 (+4.6%; RS2 at the same training budget +2.7%); 34,192
training + 36,636 scoring backprops = 1.45 x full's 48,848; wall time 10.1 s against 6.7 s
(1.52 x; the scoring runs took 5.0 s). At this run length static EL2N costs more than full
and is less accurate than the random control.
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
    top_k,
    uniform_subset,
)


class EL2N:
    name: ClassVar[str] = "el2n"
    label: ClassVar[str] = "EL2N static top-k (error norm over scoring runs)"
    description: ClassVar[str] = (
        "Static top-k by EL2N error norm averaged over 3 short scoring runs (their backprops "
        "counted); the same windows every epoch, weight 1.")
    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = None

    def __init__(self, *, keep_ratio: float = 0.7, score_epoch: int = 0, runs: int = 3,
                 epochs: int = 2):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        self.score_epoch = check_count("score_epoch", score_epoch, 0)
        self.runs = check_count("runs", runs, 1)
        self.epochs = check_count("epochs", epochs, 1)  # EL2N at initialisation does not reproduce

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if epoch != self.score_epoch:
            return None
        return ScoreRequest(np.arange(book.n, dtype=np.int64), "el2n",
                            {"runs": self.runs, "epochs": self.epochs})

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        k = budget(book.n, self.keep_ratio)
        if epoch < self.score_epoch:
            return Selection(uniform_subset(book.n, k, rng))
        # scores are written once, at score_epoch: the same top-k every epoch
        return Selection(top_k(book.scores, k, first=book.scored_epoch < 0), by_score=True)

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Training backprops only; the scoring runs' runs x epochs x n are reported apart."""
        return fixed_budget(n, self.keep_ratio)

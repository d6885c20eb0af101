"""GraNd (Paul, Ganguli and Dziugaite, NeurIPS 2021, "Deep learning on a data diet"): score
every window once by its expected per-sample gradient norm over random initialisations, then
prune once: train every epoch on the same top `keep_ratio` of the windows (static top-k).

Adaptation to squared loss on windows and to this project's contract:

- At epoch 0 the strategy asks for method "grand_norm" on every train window with `runs` (5)
  and `epochs` (0) in the request. The trainer runs it in its scoring phase
  (`importance.scoring.embeddings.grand_scores`): `runs` fresh copies of the model,
  re-initialised from seeds derived from the run's seed (EL2N's copies), each trained
  `epochs` epochs first (0: the paper's GraNd at initialisation), then one forward per window
  giving its last-layer gradient norm ||dl/draw|| ||[h, 1]||: exact for the linear head under
  MSE, the norm DeepCore's GraNd takes too. The score is the mean over the copies. The main
  model and the global torch generator are left as they were.
- Cost: runs x n forwards and runs x epochs x n backprops, in the epoch record's
  `samples_forward` and `samples_scoring_backprop`; `expected_budget` declares the training
  backprops only, exactly `keep_ratio` of the window-epochs.
- Under MSE at initialisation, the norm is ~ |y - f_0(x)| ||h_0||: it favours the windows
  whose targets lie far from an untrained forecast (traffic peaks) and whose inputs excite the
  random body most; averaging over copies removes the second's dependence on one draw.
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
)


class GraNd:
    name: ClassVar[str] = "grand"
    label: ClassVar[str] = "GraNd static top-k (gradient norm over fresh models)"
    description: ClassVar[str] = (
        "Static top-k by last-layer gradient norm averaged over 5 freshly initialised copies "
        "(their forwards counted as scoring); the same windows every epoch, weight 1.")
    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = None

    def __init__(self, *, keep_ratio: float = 0.7, runs: int = 5, epochs: int = 0):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        self.runs = check_count("runs", runs, 1)
        self.epochs = check_count("epochs", epochs, 0)

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        if epoch:
            return None
        return ScoreRequest(np.arange(book.n, dtype=np.int64), "grand_norm",
                            {"runs": self.runs, "epochs": self.epochs})

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        k = budget(book.n, self.keep_ratio)
        return Selection(top_k(book.scores, k, first=book.scored_epoch < 0), by_score=True)

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Training backprops only; the copies' forwards (and backprops) are reported apart."""
        return fixed_budget(n, self.keep_ratio)

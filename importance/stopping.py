"""Early stopping on validation MAE, and what the epochs after a run's best one cost.

No torch here: the CLI and the Train page word a run's ending from its per-epoch records.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from importance import text
from importance.energy import total
from importance.strategies import uses_scores

EARLY_BEST = 0.25  # a completed run whose best epoch is in this first share of its epochs


def check_stopping(patience: int | None, min_delta: float) -> None:
    """ValueError unless `patience` is None or an integer >= 0 and `min_delta` is in [0, 1)."""
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int)
                                 or patience < 0):
        raise ValueError(f"patience must be an integer >= 0 (0 or None = off), got {patience!r}")
    if not 0 <= min_delta < 1:  # NaN fails too
        raise ValueError(f"min_delta must be a fraction in [0, 1), got {min_delta!r}")


class EarlyStopping:
    """Stop after `patience` epochs in a row without a validation MAE at least `min_delta`
    (relative) below the reference: the MAE of the last epoch that did improve by that much.

    Small gains below `min_delta` do not move the reference, so a slow steady descent still
    counts once it adds up (as Keras's EarlyStopping does). The trainer keeps the weights of
    the lowest validation MAE, improvement by `min_delta` or not. `patience` None or 0: off.
    """

    def __init__(self, patience: int | None, min_delta: float):
        check_stopping(patience, min_delta)
        self.patience, self.min_delta = patience or 0, min_delta
        self.reference = math.inf
        self.stale = 0  # epochs since the last improvement by min_delta

    def update(self, val_mae: float) -> bool:
        """Record one epoch's validation MAE; True when training should stop now."""
        if val_mae < self.reference * (1 - self.min_delta):
            self.reference, self.stale = val_mae, 0
        else:
            self.stale += 1
        return 0 < self.patience <= self.stale


def best_epoch(records: Sequence[Mapping[str, Any]]) -> int:
    """Index of the first epoch with the lowest validation MAE (the weights a run keeps)."""
    vals = [r["val_mae"] for r in records]
    return vals.index(min(vals))


def by_score_until_best(records: Sequence[Mapping[str, Any]]) -> bool:
    """Whether any epoch up to and including the best one selected its windows by score."""
    return bool(records) and any(r.get("selected_by_score", False)
                                 for r in records[:best_epoch(records) + 1])


def scores_unused_note(summary: Mapping[str, Any], name: str) -> str | None:
    """One sentence when a score-using strategy's best epoch came before any selection by
    score, else None (also for runs stored before `best_epoch_by_score`)."""
    if summary.get("best_epoch_by_score", True) or not uses_scores(summary.get("strategy")):
        return None
    return (f"{name}: its best epoch ({summary['best_epoch'] + 1}) came before any selection by "
            "score (a warm-up epoch): the importance scores played no part in this result")


def ending(records: Sequence[Mapping[str, Any]], planned: int) -> dict[str, Any]:
    """A finished run's summary fields about its length: epochs planned and run, whether it
    stopped early, its best epoch (from 0) and the energy and time of the epochs after it."""
    best = best_epoch(records)
    after = records[best + 1:]
    return {"epochs_planned": planned, "epochs_run": len(records),
            "stopped_early": len(records) < planned, "best_epoch": best,
            "after_best_kwh": total(r["energy_kwh"] for r in after),
            "after_best_s": float(sum(r["wall_s"] for r in after))}


def _wh(kwh: float | None) -> str:
    return "energy not measured" if kwh is None else f"{text.energy(kwh)} (estimated)"


def ending_note(records: Sequence[Mapping[str, Any]], planned: int, patience: int | None,
                min_delta: float) -> str | None:
    """One sentence when a finished run's best epoch came early, else None.

    Stopped early: "stopped at epoch 7 of 16: no improvement of 0.1% for 5 epochs; best at
    epoch 2". Ran every epoch with its best in the first quarter: "best at epoch 2 of 16: the
    remaining 14 epochs cost 0.21 Wh (estimated) and improved nothing". Epochs count from 1.
    """
    if not records:
        return None
    e = ending(records, planned)
    best = e["best_epoch"] + 1
    if e["stopped_early"]:
        by = f" of {100 * min_delta:.3g}%" if min_delta else ""
        return (f"stopped at epoch {e['epochs_run']} of {planned}: no improvement{by} for "
                f"{patience} epochs; best at epoch {best}")
    rest = e["epochs_run"] - best
    if rest == 0 or best > EARLY_BEST * planned:
        return None
    return (f"best at epoch {best} of {planned}: the remaining {rest} "
            f"epoch{'s' if rest > 1 else ''} cost {_wh(e['after_best_kwh'])} "
            "and improved nothing")

"""The budget a run spent, in backprop-equivalents (issue 25 point 2): the samples it
backpropagated (training and scoring) plus its selection work converted by its own measured
cost ratio. One definition for the controls at the spent budget (`importance.controls`), the
verdict's pairing (`importance.verdict`) and the tables (`importance.compare`).

Selection work is the scoring phase outside training steps: forward-only scoring passes,
similarity and greedy passes (CRAIG, GraphCut, Glister), ensemble heads (active learning),
per-sample gradients at initialisation (GraNd). Its seconds, less the time of the scoring
backprops already counted, are converted to backprops at the run's own training seconds per
backpropagated sample (`EpochRecord.training_s` / `samples_backprop`, measured in the same
run on the same machine, so the load of the machine cancels out to first order). Norm or
loss arithmetic inside training steps (`in_pass_scoring_s`) rides on the training pass and
is not counted. Runs stored without phase timings, classical fits and hand-made summaries
without epochs spend their backprops only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from importance import text


@dataclass(frozen=True)
class Spent:
    """What a run spent: `backprops` (training and scoring), `selection` (selection work in
    backprop-equivalents), the `selection_s` seconds it was measured from, the run's
    `per_backprop_s` (training seconds per backpropagated sample; NaN: not measured) and the
    `forwards` of its scoring passes."""

    backprops: int
    selection: float
    selection_s: float
    per_backprop_s: float
    forwards: int

    @property
    def total(self) -> float:
        return self.backprops + self.selection

    @property
    def forward_cost(self) -> float:
        """The selection work per forwarded window, as a share of a backprop (greedy and
        similarity passes included: an upper bound of a forward's own cost); NaN without
        forwards."""
        return self.selection / self.forwards if self.forwards else math.nan


def _num(value: object) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return v if math.isfinite(v) else 0.0


def spent(summary: Mapping[str, Any]) -> Spent:
    """The budget `summary` spent (`Spent`)."""
    backprops = int(_num(summary.get("samples_backprop"))) + int(
        _num(summary.get("samples_scoring_backprop")))
    epochs = summary.get("epochs") or []
    trained = sum(_num(e.get("samples_backprop")) for e in epochs)
    training_s = sum(_num(e.get("training_s")) for e in epochs)
    per = training_s / trained if trained and training_s else math.nan
    forwards = int(sum(_num(e.get("samples_forward")) for e in epochs))
    scoring_s = sum(_num(e.get("scoring_s")) - _num(e.get("in_pass_scoring_s"))
                    for e in epochs)
    if not math.isfinite(per):
        return Spent(backprops, 0.0, 0.0, per, forwards)
    scoring_bp = sum(_num(e.get("samples_scoring_backprop")) for e in epochs)
    selection_s = max(0.0, scoring_s - scoring_bp * per)
    return Spent(backprops, selection_s / per, selection_s, per, forwards)


def spent_budget(summary: Mapping[str, Any]) -> float:
    """Backprop-equivalents `summary` spent: backprops (training and scoring) plus selection
    work at the run's measured cost of a backprop (`spent`)."""
    return spent(summary).total


def describe(summary: Mapping[str, Any], full: Mapping[str, Any] | None) -> str:
    """The budget in words, against `full`'s (full data's) spent budget: "0.31x full data:
    0.25 backprops + 0.06 selection work (forwards and greedy passes: 8.2 s of scoring, 0.33
    of a backprop per forwarded window at this run's 0.41 ms per backprop, measured)"; without
    `full`, the same in samples."""
    s = spent(summary)
    base = spent_budget(full) if full is not None else 0.0
    unit, scale = ("x", base) if base else (" backprop-equivalents", 1.0)
    head = f"{s.total / scale:.2f}{unit}{' full data' if base else ''}"
    if not s.selection:
        return f"{head}: backprops only (no selection passes measured)"
    work = (f"{text.seconds(s.selection_s)} of scoring passes outside training steps"
            + (f", {s.forward_cost:.2f} of a backprop per forwarded window"
               if s.forwards else ""))
    return (f"{head}: {s.backprops / scale:.2f} backprops + {s.selection / scale:.2f} "
            f"selection work (forwards, similarity and greedy passes: {work}, at this run's "
            f"{1000 * s.per_backprop_s:.3g} ms per backprop, measured)")

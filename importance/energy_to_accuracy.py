"""Energy to reach accuracy: what each run spent to first reach a share of the baseline's best.

The DPET paper's table. Accuracy is expressed through the validation MAE (lower is better):
reaching t% of the baseline's best validation accuracy means a validation MAE at most the
baseline's best validation MAE / t. So 90% allows 1/0.9 = 1.111x the baseline's best MAE, 95%
1.053x, 99% 1.010x, and 100% is the baseline's best MAE itself.

For every target, each neural run's row holds the first epoch (from 1) that reached it and the
cumulative energy, wall time and backprops up to and including that epoch (all None/NaN:
never reached; energy NaN alone: reached, but some epoch's energy was not measured). The
baseline (full data, usually with early stopping) is always a row: it reaches 100% at its best
epoch, and its whole-run totals include the patience epochs it ran after it. Stopping early is
the cheapest saving there is, so full data with early stopping is the control every selection
strategy must beat on energy.

Classical models (summaries of kind "classical": fitted once, no epochs, no validation curve)
are rows beside the neural runs, so that the table says what a classical model costs for the
same accuracy: one reaches t% when its test MAE is at most the baseline's test MAE / t, at its
whole fit + forecast cost (epoch 0 = its fit, no backprops); their targets are read on the
test windows, the only ones they forecast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance.budget import spent_budget
from importance.compare import _saved, cumulative_costs, pick_baseline, reach

TARGETS = (90, 95, 99, 100)  # percent of the baseline's best validation accuracy
MEASURES = ("epoch", "energy_kwh", "wall_s", "backprops")
INTEGERS = ("epoch", "backprops", "epochs_run")  # counts: ints in JSON, not 3.0
DEFINITION = ("t% of the baseline's best validation accuracy = the first epoch whose "
              "validation MAE <= the baseline's best validation MAE / t (90%: within 1.111x "
              "of it, 100%: the best itself); costs are cumulative up to that epoch")
CLASSICAL_DEFINITION = ("a classical model (fitted once, no epochs) reaches t% when its test "
                        "MAE <= the baseline's test MAE / t, at its whole fit + forecast cost")


def column(target: int, measure: str) -> str:
    """The table's column of one measure at one target, e.g. `reach_99_energy_kwh`."""
    return f"reach_{target}_{measure}"


def best_val_mae(baseline: Mapping[str, Any] | None) -> float | None:
    """The baseline's best (lowest) validation MAE; None without a baseline or epochs."""
    epochs = (baseline or {}).get("epochs") or []
    return min((e["val_mae"] for e in epochs), default=None)


def target_mae(best: float, target: int) -> float:
    """The highest validation MAE that reaches `target`% of accuracy `best`: best / t."""
    return best / (target / 100)


def targets_words(best: float, targets: Sequence[int] = TARGETS) -> str:
    """The validation MAE each target asks for, in the data's original units (the units the
    trainer stores every validation and test MAE in), from the baseline's `best`.

    >>> targets_words(50.0, (90, 100)).split(": ")[1]
    '90% = validation MAE at most 55.56, 100% = at most 50'
    """
    return ("Targets in the data's original units, as the test MAE: " + ", ".join(
        f"{t}% = {'validation MAE ' if i == 0 else ''}at most {target_mae(best, t):,.4g}"
        for i, t in enumerate(targets)))


def _number(v: object) -> float:
    """A summary figure as a float; NaN when missing or not measured (never 0)."""
    return float("nan") if v is None or not math.isfinite(v) else float(v)


def _same(run: Mapping[str, Any], baseline: Mapping[str, Any]) -> bool:
    """Whether `run` is the baseline (the same summary, or one with the same run id)."""
    return run is baseline or (run.get("run_id") is not None
                               and run.get("run_id") == baseline.get("run_id"))


def is_classical(run: Mapping[str, Any]) -> bool:
    """Whether a summary (or a table row) is a classical model's: fitted once, no epochs."""
    return run.get("kind") == "classical"


def _classical_reach(run: Mapping[str, Any], baseline: Mapping[str, Any], target: int
                     ) -> dict[str, float]:
    """A classical model's costs to `target`: its whole ones when its test MAE is within the
    target of the baseline's test MAE, else none (never reached)."""
    if run["test_mae"] > target_mae(baseline["test_mae"], target):
        return {}
    return {"epoch": 0, "energy_kwh": _number(run.get("energy_kwh")),
            "wall_s": _number(run.get("wall_s")), "backprops": 0}


def _row(run: Mapping[str, Any], baseline: Mapping[str, Any], best: float,
         targets: Sequence[int]) -> dict[str, Any]:
    epochs = run.get("epochs") or []
    total = cumulative_costs(epochs)["backprops"]
    classical = is_classical(run)
    row: dict[str, Any] = {
        "run_id": run.get("run_id"), "strategy": run.get("strategy"),
        "label": run.get("label", run.get("strategy")), "baseline": _same(run, baseline),
        "kind": "classical" if classical else "neural",
        "epochs_run": len(epochs), "stopped_early": bool(run.get("stopped_early", False)),
        "test_mae": run["test_mae"],
        "mae_change_pct": float(100 * (run["test_mae"] / baseline["test_mae"] - 1)),
        "energy_kwh": _number(run.get("energy_kwh")), "wall_s": _number(run.get("wall_s")),
        "backprops": 0.0 if classical else float(total[-1]) if len(total) else float("nan"),
        "energy_saved_pct": _saved(_number(run.get("energy_kwh")),
                                   _number(baseline.get("energy_kwh"))),
        "spent_share": (spent_budget(run) / spent_budget(baseline)
                        if spent_budget(baseline) else float("nan")),
    }
    for t in targets:
        hit = (_classical_reach(run, baseline, t) if classical
               else reach(dict(run), target_mae(best, t)) or {})
        for m in MEASURES:
            v = hit.get(m)
            row[column(t, m)] = float("nan") if v is None else float(v)
    return row


def energy_to_accuracy(summaries: Sequence[Mapping[str, Any]],
                       baseline: Mapping[str, Any] | None = None,
                       targets: Sequence[int] = TARGETS) -> pd.DataFrame:
    """One row per run of `summaries`, neural runs first, then classical models (`kind`
    "neural" or "classical"): the cost to first reach each of `targets` (percent of the
    baseline's best accuracy, see the module docstring) in columns `reach_<t>_<measure>`
    (`column`), NaN where never reached, and the run's whole totals: test MAE, its change
    against the baseline in percent, energy (NaN: not measured), wall time, backprops, the
    energy saved against the baseline in percent (NaN when either was not measured), and the
    `spent_share`: its spent budget against the baseline's (`importance.budget`: backprops
    plus selection work at its measured cost; 0 for a classical model).

    `baseline` defaults to the newest full run (`pick_baseline`); it is always a row (first,
    when it is not among `summaries`). No baseline with epochs: an empty table.
    """
    baseline = baseline if baseline is not None else pick_baseline(summaries)
    best = best_val_mae(baseline)
    if best is None:
        return pd.DataFrame()
    runs = [s for s in summaries if not is_classical(s)]
    if not any(_same(s, baseline) for s in runs):
        runs.insert(0, baseline)
    runs += [s for s in summaries if is_classical(s)]
    return pd.DataFrame([_row(s, baseline, best, targets) for s in runs])


def targets_of(table: pd.DataFrame) -> list[int]:
    """The targets (percent) an `energy_to_accuracy` table has columns for, in order."""
    return [int(c.split("_")[1]) for c in table.columns
            if c.startswith("reach_") and c.endswith("_epoch")]


def to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as JSON-ready rows: None for never reached or not measured (no NaN), counts
    as ints."""
    out = []
    for row in table.to_dict("records"):
        rec = {}
        for k, v in row.items():
            if isinstance(v, float) and math.isnan(v):
                v = None
            elif isinstance(v, float) and k.endswith(INTEGERS):
                v = int(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            rec[k] = v
        out.append(rec)
    return out

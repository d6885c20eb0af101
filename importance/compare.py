"""Side-by-side comparison of runs against a baseline, savings counting scoring cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance.budget import describe, spent_budget
from importance.metrics import cost_to_target

# epochs_run: fewer than configured when early stopping ended the run (None: classical, or a
# run stored before early stopping, which ran every epoch)
# samples_backprop: to train; samples_scoring_backprop: to score (exact norms, EL2N runs);
# samples_forward: forward-only scoring passes. backprop_saved_pct counts both backprops.
JSON_FIELDS = ("strategy", "test_mae", "test_rmse", "test_smape", "epochs_run",
               "samples_backprop", "samples_scoring_backprop", "samples_forward", "wall_s",
               "scoring_s", "energy_kwh", "emissions_kg", "energy_method", "run_id")
SAVED = {"backprops_all": "backprop_saved_pct", "wall_s": "wall_saved_pct",
         "energy_kwh": "energy_saved_pct", "emissions_kg": "emissions_saved_pct"}


def pick_baseline(summaries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest `full` run among `summaries` (None if there is none)."""
    full = [s for s in summaries if s.get("strategy") == "full"]
    return full[-1] if full else None


def best_classical(summaries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The classical baseline with the lowest test MAE among `summaries` (None if none)."""
    classical = [s for s in summaries if s.get("kind") == "classical"]
    return min(classical, key=lambda s: s["test_mae"]) if classical else None


def _saved(value: float | None, base: float | None) -> float:
    """Percent saved; NaN when either figure is missing (an energy reading that failed)."""
    if value is None or not base or not np.isfinite(base) or not np.isfinite(value):
        return float("nan")
    return float(100 * (1 - value / base))


def cumulative_costs(epochs: Sequence[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Per-epoch running totals of a run's `epochs`: energy (kWh; NaN from the first epoch
    whose energy was not measured on, never 0), wall time (s) and backprops (trained samples
    plus any `samples_scoring_backprop` of scoring; NaN where an epoch lacks the count)."""
    def measured(v: object) -> float:
        return np.nan if v is None or not np.isfinite(v) else float(v)

    return {
        "energy_kwh": np.cumsum([measured(e.get("energy_kwh")) for e in epochs]),
        "wall_s": np.cumsum([float(e["wall_s"]) for e in epochs]),
        "backprops": np.cumsum([measured(e.get("samples_backprop"))
                                + (e.get("samples_scoring_backprop") or 0) for e in epochs]),
    }


def reach(run: dict[str, Any], target_mae: float, tol: float = 0.0) -> dict[str, Any] | None:
    """The first epoch (from 1) of `run` whose validation MAE <= `target_mae` * (1 + `tol`),
    with the cumulative costs up to and including it (`cumulative_costs`; energy NaN when
    some epoch's energy was not measured). None when no epoch reaches it, or `run` has none
    (a classical model)."""
    epochs = run.get("epochs") or []
    at = cost_to_target([e["val_mae"] for e in epochs], range(1, len(epochs) + 1), target_mae,
                        tol)
    if at is None:
        return None
    i = int(at) - 1
    costs = {k: float(v[i]) for k, v in cumulative_costs(epochs).items()}
    backprops = costs["backprops"]
    return costs | {"epoch": i + 1,
                    "backprops": int(backprops) if np.isfinite(backprops) else None}


def to_target(run: dict[str, Any], target_mae: float, tol: float) -> dict[str, float | None]:
    """Cumulative energy and time at the first epoch within `tol` of `target_mae` (energy
    NaN when reached but some epoch's energy was not measured)."""
    hit = reach(run, target_mae, tol)
    return {"energy_to_target_kwh": None if hit is None else hit["energy_kwh"],
            "time_to_target_s": None if hit is None else hit["wall_s"]}


def backprops_all(summary: dict[str, Any]) -> int:
    """Samples backpropagated for training and for scoring (absent: none for scoring)."""
    return int(summary.get("samples_backprop") or 0) + int(
        summary.get("samples_scoring_backprop") or 0)


def compare_table(summaries: Sequence[dict[str, Any]], baseline: dict[str, Any] | None = None,
                  tol: float = 0.02) -> pd.DataFrame:
    """One row per run with its savings against `baseline` (default: the newest full run).

    Savings are 1 - run/baseline in percent; every run's totals include its scoring cost.
    `spent` is the budget it spent in backprop-equivalents (`importance.budget`: backprops plus
    selection work at its measured cost), `spent_share` that against the baseline's and
    `budget` the same in words.
    With classical baselines among `summaries`, `mae_vs_classical_pct` is every row's test
    MAE against the best of them (negative: better).
    """
    baseline = baseline or pick_baseline(summaries)
    classical = best_classical(summaries)
    rows = []
    best_val = min((e["val_mae"] for e in baseline["epochs"]), default=None) if baseline else None
    for s in summaries:
        row = {k: s.get(k) for k in JSON_FIELDS} | {"label": s.get("label", s.get("strategy")),
                                                    "backprops_all": backprops_all(s),
                                                    "spent": spent_budget(s)}
        row["budget"] = describe(s, baseline)
        if baseline is not None:
            base_spent = spent_budget(baseline)
            row["spent_share"] = row["spent"] / base_spent if base_spent else float("nan")
            base = baseline | {"backprops_all": backprops_all(baseline)}
            for col, out in SAVED.items():
                row[out] = _saved(row.get(col), base.get(col))
            row["mae_change_pct"] = float(100 * (s["test_mae"] / baseline["test_mae"] - 1))
            if best_val is not None:
                row |= to_target(s, best_val, tol)
        if classical is not None:
            row["mae_vs_classical_pct"] = float(100 * (s["test_mae"] / classical["test_mae"] - 1))
        rows.append(row)
    return pd.DataFrame(rows)

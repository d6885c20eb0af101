"""Side-by-side comparison of runs against a baseline, savings counting scoring cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance.metrics import cost_to_target

# epochs_run: fewer than configured when early stopping ended the run (None: classical, or a
# run stored before early stopping, which ran every epoch)
JSON_FIELDS = ("strategy", "test_mae", "test_rmse", "test_smape", "epochs_run",
               "samples_backprop", "samples_forward", "wall_s", "scoring_s", "energy_kwh",
               "emissions_kg", "energy_method", "run_id")
SAVED = {"samples_backprop": "backprop_saved_pct", "wall_s": "wall_saved_pct",
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


def to_target(run: dict[str, Any], target_mae: float, tol: float) -> dict[str, float | None]:
    """Cumulative energy and time at the first epoch within `tol` of `target_mae` (energy
    NaN when reached but some epoch's energy was not measured)."""
    epochs = run.get("epochs") or []
    if not epochs:
        return {"energy_to_target_kwh": None, "time_to_target_s": None}
    val = [e["val_mae"] for e in epochs]
    return {
        "energy_to_target_kwh": cost_to_target(
            val, np.cumsum([np.nan if e["energy_kwh"] is None else e["energy_kwh"]
                            for e in epochs]), target_mae, tol),
        "time_to_target_s": cost_to_target(val, np.cumsum([e["wall_s"] for e in epochs]),
                                           target_mae, tol),
    }


def compare_table(summaries: Sequence[dict[str, Any]], baseline: dict[str, Any] | None = None,
                  tol: float = 0.02) -> pd.DataFrame:
    """One row per run with its savings against `baseline` (default: the newest full run).

    Savings are 1 - run/baseline in percent; every run's totals include its scoring cost.
    With classical baselines among `summaries`, `mae_vs_classical_pct` is every row's test
    MAE against the best of them (negative: better).
    """
    baseline = baseline or pick_baseline(summaries)
    classical = best_classical(summaries)
    rows = []
    best_val = min((e["val_mae"] for e in baseline["epochs"]), default=None) if baseline else None
    for s in summaries:
        row = {k: s.get(k) for k in JSON_FIELDS} | {"label": s.get("label", s.get("strategy"))}
        if baseline is not None:
            for col, out in SAVED.items():
                row[out] = _saved(s.get(col), baseline.get(col))
            row["mae_change_pct"] = float(100 * (s["test_mae"] / baseline["test_mae"] - 1))
            if best_val is not None:
                row |= to_target(s, best_val, tol)
        if classical is not None:
            row["mae_vs_classical_pct"] = float(100 * (s["test_mae"] / classical["test_mae"] - 1))
        rows.append(row)
    return pd.DataFrame(rows)

"""The Energy page's figures and words: validation MAE against cumulative cost, time and energy
by phase, readable energy units, the comparison table for reading, when each run reached its
baseline's accuracy (`importance.energy_to_accuracy`) and the target the cost curves draw, as
a table and as facts, each saving against the baseline as a tile's change, and what the
backprop counters, the wall time and the scoring time hold."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance import text
from importance.energy_to_accuracy import (
    CLASSICAL_DEFINITION,
    DEFINITION,
    best_val_mae,
    column,
    is_classical,
    targets_of,
    targets_words,
)
from importance.runs.identity import RunInfo


def epoch_curves(runs: Sequence[RunInfo], names: Mapping[str, str]) -> pd.DataFrame:
    """Per run and epoch: validation MAE and cumulative energy, wall time and backprops."""
    frames = []
    for r in runs:
        ep = pd.DataFrame(r.summary.get("epochs") or [])
        if ep.empty:
            continue
        frames.append(pd.DataFrame({
            "run_id": r.run_id, "run": names.get(r.run_id, r.label), "strategy": r.strategy,
            "epoch": ep["epoch"].to_numpy() + 1, "val_mae": ep["val_mae"].to_numpy(),
            "cum_energy_kwh": pd.to_numeric(ep["energy_kwh"]).cumsum(skipna=False).to_numpy(),
            "cum_wall_s": ep["wall_s"].cumsum().to_numpy(),
            "cum_backprop": ep["samples_backprop"].cumsum().to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


PHASES = ("scoring", "training", "eval")


def phase_split(runs: Sequence[RunInfo], names: Mapping[str, str]) -> pd.DataFrame:
    """Long table (run, phase, seconds, energy_kwh) summed over each run's epochs."""
    rows = []
    for r in runs:
        ep = pd.DataFrame(r.summary.get("epochs") or [])
        for phase in PHASES:
            rows.append({"run": names.get(r.run_id, r.label), "strategy": r.strategy,
                         "phase": phase,
                         "seconds": float(ep[f"{phase}_s"].sum()) if not ep.empty else 0.0,
                         "energy_kwh": _sum_measured(ep[f"{phase}_kwh"]) if not ep.empty else 0.0})
    return pd.DataFrame(rows)


def _sum_measured(kwh: pd.Series) -> float:
    """Sum of energy readings; NaN when any was not measured (None)."""
    return float(pd.to_numeric(kwh).sum(skipna=False))


def energy_unit(max_kwh: float | None) -> tuple[float, str]:
    """Scale and unit that make energy figures readable: Wh below 1 kWh, else kWh (Wh when
    nothing was measured)."""
    return (1.0, "kWh") if max_kwh is not None and abs(max_kwh) >= 1 else (1000.0, "Wh")


def runs_energy_unit(runs: Sequence[RunInfo]) -> tuple[float, str]:
    """`energy_unit` for the largest energy measured among `runs` (a failed reading, stored
    as null, reads back as NaN and is left out)."""
    measured = [e for r in runs if (e := r.summary.get("energy_kwh")) is not None
                and math.isfinite(e)]
    return energy_unit(max(measured, default=None))


def energy_methods(runs: Sequence[RunInfo]) -> list[str]:
    """How the energy of `runs` was measured, each way once, sorted."""
    return sorted({r.summary.get("energy_method") or "not recorded" for r in runs})


def saving_delta(pct: float | None, is_base: bool) -> str | None:
    """A saving as a tile's change against the baseline ("-12.5% vs baseline": less is
    good); None for the baseline itself or a saving that was not measured."""
    if is_base or pct is None or not math.isfinite(pct):
        return None
    return f"{-pct:+.1f}% vs baseline"


def wall_help(summary: Mapping[str, Any]) -> str:
    """The wall-time tile's note: what it is, and how much of it was scoring."""
    wall, scoring = summary["wall_s"], summary["scoring_s"]
    return (f"Training wall time: every epoch's scoring, training and validation (not the "
            f"job's start, data preparation or test). Includes {text.seconds(scoring)} of "
            f"scoring ({scoring / wall if wall else 0.0:.1%}).")


def accuracy_target(base: RunInfo) -> tuple[float | None, float | None]:
    """The baseline's best validation MAE and the cost curves' target: that MAE within the
    baseline's tolerance (`importance.compare.reach`'s rule); (None, None) without epochs."""
    best = best_val_mae(base.summary)
    return best, None if best is None else best * (1 + base.config.train.tol)


def seeds_note(runs: Sequence[RunInfo]) -> str:
    """The energy-to-accuracy table's pairing, said when the runs span several seeds."""
    if len({r.config.train.seed for r in runs}) < 2:
        return ""
    return (" Each run is measured against the baseline of its own seed (the targets above "
            "are the selected baseline's).")


def energy_text(kwh: float | None, scale: float) -> str:
    """An energy figure in the unit of `scale` to its significant digits
    (`importance.text.significant`), or "not measured" when its reading failed."""
    return "not measured" if kwh is None or not np.isfinite(kwh) else text.significant(
        kwh * scale)


def comparison_display(table: pd.DataFrame, names: Mapping[str, str], scale: float,
                       unit: str) -> pd.DataFrame:
    """`compare_table` for reading: named runs, readable units, savings next to each total;
    times, energies and emissions to their significant digits (`text.round_significant`: a
    table shows them as they are, "plain", never rounded to zero)."""
    cols = {"test_mae": "test MAE", "mae_change_pct": "MAE change %",
            "samples_backprop": "backprops", "backprop_saved_pct": "backprops saved %",
            "wall_s": "wall s", "scoring_s": "of which scoring s", "wall_saved_pct": "time saved %",
            "energy": f"energy {unit}", "energy_saved_pct": "energy saved %",
            "emissions_g": "gCO2e", "emissions_saved_pct": "emissions saved %",
            "energy_to_target": f"{unit} to target", "time_to_target_s": "s to target"}
    df = table.assign(run=[names.get(r, r) for r in table["run_id"]],
                      energy=pd.to_numeric(table["energy_kwh"]) * scale,
                      emissions_g=pd.to_numeric(table["emissions_kg"]) * 1000)
    if "energy_to_target_kwh" in df:
        df["energy_to_target"] = pd.to_numeric(df["energy_to_target_kwh"], errors="coerce") * scale
    keep = ["run", *[c for c in cols if c in df.columns]]
    out = df[keep].copy()
    for c in keep[1:]:  # changes to 0.1%, MAE to 0.01, measured amounts to their significance
        values = pd.to_numeric(out[c], errors="coerce")
        if c == "test_mae":
            out[c] = values.round(2)
        elif c.endswith("_pct"):
            out[c] = values.round(1)
        elif c != "samples_backprop":
            out[c] = values.map(text.round_significant)
    return out.rename(columns=cols)


def to_target_text(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str], base_id: str,
                   scale: float, unit: str, tol: float, target: float | None = None) -> str:
    """When each run first reached the baseline's best validation MAE (within `tol`;
    `target`: that validation MAE, stated in the data's original units). Facts per run (one
    seed each): no run is named the cheapest."""
    rows = list(rows)
    base = next((r for r in rows if r["run_id"] == base_id), None)
    at_most = (f" (a validation MAE at most {target:,.4g}, in the data's original units)"
               if target is not None and np.isfinite(target) else "")
    out = [f"Target: the baseline's best validation MAE, within {tol:.0%}{at_most}."]
    for row in rows:
        name = names.get(row["run_id"], row["run_id"])
        e, t = row.get("energy_to_target_kwh"), row.get("time_to_target_s")
        if t is None or not np.isfinite(t):
            out.append(f"{name} did not reach it within its epochs.")
            continue
        if e is None or not np.isfinite(e):
            out.append(f"{name} reached it after {text.seconds(t)} (energy not measured).")
            continue
        line = (f"{name} reached it after {text.energy(e, scale, unit)} and "
                f"{text.seconds(t)}")
        be = base.get("energy_to_target_kwh") if base else None
        bt = base.get("time_to_target_s") if base else None
        if row["run_id"] != base_id and be and bt and np.isfinite(be):
            line += f" ({e / be:.0%} of the baseline's energy, {t / bt:.0%} of its time)"
        out.append(line + ".")
    return " ".join(out)


E2A_MEASURES = ("energy_kwh", "wall_s", "backprops", "epoch")


def _e2a_name(row: Mapping[str, Any], names: Mapping[str, str]) -> str:
    if is_classical(row):  # its model's name as fitted, e.g. "Holt-Winters (...)"
        return f"{row.get('label') or row['strategy']} (classical)"
    return names.get(row["run_id"]) or str(row["strategy"])


def _e2a_cell(row: Mapping[str, Any], measure: str, epoch_key: str, value_key: str,
              scale: float) -> str:
    """One cost as text: "-" when never reached, "not measured" for a failed energy reading,
    "fit" for a classical model's epoch (fitted once)."""
    if not np.isfinite(row[epoch_key]):
        return "-"
    if measure == "epoch" and is_classical(row):
        return "fit"
    v = row[value_key]
    if measure == "energy_kwh":
        return energy_text(v, scale)
    if measure == "wall_s":
        return text.significant(v)
    return "-" if not np.isfinite(v) else f"{int(v):,}"


def energy_to_accuracy_display(table: pd.DataFrame, names: Mapping[str, str], scale: float,
                               unit: str) -> pd.DataFrame:
    """An `importance.energy_to_accuracy` table for reading: per run, one line per cost
    (energy in the unit of `scale`, wall time, backprops, epoch reached) with a column per
    target and the whole run's, then (on its first line) test MAE and the changes against
    the baseline. Text cells: "-" never reached, "not measured" a failed energy reading; a
    classical model's row is named "<name> (classical)" and its epoch is "fit"."""
    targets = targets_of(table)
    what = {"energy_kwh": f"energy {unit}", "wall_s": "wall s", "backprops": "backprops",
            "epoch": "epoch"}
    whole = {"energy_kwh": "energy_kwh", "wall_s": "wall_s", "backprops": "backprops",
             "epoch": "epochs_run"}
    out = []
    for row in table.to_dict("records"):
        for i, m in enumerate(E2A_MEASURES):
            line = {"run": _e2a_name(row, names) if i == 0 else "", "to reach": what[m]}
            for t in targets:
                line[f"{t}%"] = _e2a_cell(row, m, column(t, "epoch"), column(t, m), scale)
            line["whole run"] = _e2a_cell(row, m, "epochs_run", whole[m], scale) + (
                " (stopped early)" if m == "epoch" and row["stopped_early"] else "")
            first, base = i == 0, row["baseline"]
            saved = row["energy_saved_pct"]
            line["test MAE"] = f"{row['test_mae']:,.2f}" if first else ""
            line["MAE vs baseline %"] = "" if not first else "baseline" if base else \
                f"{row['mae_change_pct']:+.1f}"
            line["energy saved %"] = "" if not first else "baseline" if base else \
                f"{saved:.1f}" if np.isfinite(saved) else "not measured"
            out.append(line)
    return pd.DataFrame(out)


def energy_to_accuracy_caption(estimated: bool = True, best: float | None = None,
                               classical: bool = False) -> str:
    """The table's definition of its targets in a line (`estimated`: say energy is estimated;
    `best`: the baseline's best validation MAE, to state each target in original units;
    `classical`: the table has classical rows, say how they reach a target)."""
    return (f"Target {DEFINITION}; '-' = never reached."
            + (f" {targets_words(best)}." if best is not None else "")
            + (f" Classical rows: {CLASSICAL_DEFINITION}." if classical else "")
            + " The whole run counts every epoch it ran, including the patience epochs after "
            "its best when early stopping ended it."
            + (" Energy is an estimate, measured as stated above." if estimated else ""))


def energy_to_accuracy_verdict(table: pd.DataFrame, names: Mapping[str, str], scale: float,
                               unit: str) -> str:
    """What the table shows, as facts: at 99% of the baseline's best validation accuracy (else
    the highest target a run reached), which runs reached it, at which epoch (a classical
    model: by its fit) and cost, and which never did. The table holds one run per strategy
    (one seed): it names no cheapest run, since one seed's costs decide nothing (the verdict
    compares over seeds)."""
    if table.empty:
        return "No baseline run with epochs: there is no accuracy to reach."
    rows = table.to_dict("records")
    reached = [t for t in targets_of(table) if any(np.isfinite(r[column(t, "epoch")])
                                                   for r in rows)]
    if not reached:
        return "No run reached any target."
    t = 99 if 99 in reached else max(reached)
    ep_col = column(t, "epoch")
    parts = []
    for r in rows:
        if not np.isfinite(r[ep_col]):
            continue
        energy = _e2a_cell(r, "energy_kwh", ep_col, column(t, "energy_kwh"), scale)
        wall = _e2a_cell(r, "wall_s", ep_col, column(t, "wall_s"), scale)
        stopped = (f", stopped early after epoch {r['epochs_run']}" if r["stopped_early"]
                   else "")
        when = "by its fit" if is_classical(r) else f"at epoch {int(r[ep_col])}"
        parts.append(f"{_e2a_name(r, names)} {when} ("
                     + (f"{energy} {unit}" if energy != "not measured" else "energy not measured")
                     + f", {wall} s{stopped})")
    out = f"Reached {t}%: {'; '.join(parts)}."
    never = [_e2a_name(r, names) for r in rows if not np.isfinite(r[ep_col])]
    if never:
        out += f" Never reached {t}%: {', '.join(never)}."
    return (out + " Each row is one run (one seed): its costs to a target name no cheapest "
            "strategy.")


def backprop_help(summary: Mapping[str, Any]) -> str:
    """The backprop tile's breakdown: to train, to score, and forward-only scoring passes."""
    scoring = int(summary.get("samples_scoring_backprop") or 0)
    out = f"{int(summary.get('samples_backprop') or 0):,} to train"
    if scoring:
        out += f" + {scoring:,} to score (exact per-sample norms or EL2N's scoring runs)"
    forward = int(summary.get("samples_forward") or 0)
    return out + f"; plus {forward:,} forward-only scoring passes (no backward)."


def scoring_note(summary: Mapping[str, Any]) -> str:
    """How long scoring took of the training wall time, and how much of it was read off
    training steps (durations to their significant digits, `importance.text.seconds`)."""
    wall, scoring = summary["wall_s"], summary["scoring_s"]
    share = scoring / wall if wall else 0.0
    out = (f"Scoring took {text.seconds(scoring)} of {text.seconds(wall)} training wall time "
           f"({share:.1%}), included above")
    in_pass = float(summary.get("in_pass_scoring_s") or 0.0)
    if in_pass > 0:
        out += (f"; {text.seconds(in_pass)} of it is per-sample norm arithmetic inside the "
                "training steps, timed there and given its time share of the training energy")
    return out + "."

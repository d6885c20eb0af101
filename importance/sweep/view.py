"""What the dashboard's Sweep page shows of a sweep, as plain tables (no Streamlit here).

    runs = runs_frame(record, summaries)          # one row per finished run of the sweep
    pairs = evidence.paired(runs)                 # ratios to full / control, same series+seed
    front = strategy_means(pairs, "energy")       # per strategy x keep: the Pareto candidates
    shown = interval_display(evidence.interval_table(pairs))

Before a launch: `epoch_seconds` (measured per-epoch wall time of stored runs) and
`estimate_seconds` (runs x epochs x seconds per epoch / workers) give the time a grid takes.
For Milan-grid series (ids 1..10000), `square_values` places each square on the 100 x 100
grid (`evidence.grid_position`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance import evidence
from importance.runs.tasks import DONE
from importance.sweep.grid import DEFAULT_SERIES, takes_keep_ratio
from importance.sweep.store import SweepRecord

RUN_COLUMNS = ("key", "run_id", "strategy", "keep_ratio", "seed", "series", "test_mae",
               "energy_kwh", "wall_s", "backprops")
# Seconds per epoch assumed when no stored run measured one on the same data: a rough
# figure for the default LSTM on a month of 10-minute steps on one core.
DEFAULT_EPOCH_S = 5.0
STARTUP_S = 5.0  # starting a local Dask cluster and importing torch in its workers
COST_WORDS = {"energy": "energy", "wall": "wall time", "backprop": "backprops"}
METRICS = {"energy_saved_pct": "energy saved (%)", "wall_saved_pct": "wall time saved (%)",
           "backprop_saved_pct": "backprops saved (%)", "mae_ratio": "test MAE ratio to full"}


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f if math.isfinite(f) else math.nan


def runs_frame(record: SweepRecord | Mapping[str, Any],
               summaries: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per finished run of the sweep (`RUN_COLUMNS`), for `evidence.paired`.

    A cell's run is the record's `run_id` when its status is done; runs stored with the
    sweep's `sweep_id` whose cell the record does not mark done yet (a record saved a few
    seconds behind the runs) count too. Runs missing from `summaries` are left out.
    `keep_ratio` is NaN for strategies that take none; `energy_kwh` NaN when not measured;
    `backprops` = training + scoring backprops; `series` the cell's series as text."""
    if not isinstance(record, SweepRecord):
        record = SweepRecord.from_dict(dict(record))
    by_run: dict[str, Mapping[str, Any]] = {}
    by_cell: dict[str, Mapping[str, Any]] = {}
    for s in summaries:
        if s.get("run_id"):
            by_run[str(s["run_id"])] = s
        if s.get("sweep_id") == record.sweep_id and s.get("sweep_cell"):
            by_cell[str(s["sweep_cell"])] = s  # oldest first: the newest run of a cell wins
    rows = []
    for key, cell in record.cells.items():
        summary = None
        if cell.get("status") == DONE and cell.get("run_id"):
            summary = by_run.get(str(cell["run_id"]))
        if summary is None:
            summary = by_cell.get(key)
        if summary is None:
            continue
        keep = cell.get("keep_ratio")
        series = cell.get("series")
        rows.append({
            "key": key, "run_id": str(summary.get("run_id") or cell.get("run_id") or ""),
            "strategy": str(cell.get("strategy") or summary.get("strategy")),
            "keep_ratio": math.nan if keep is None else float(keep),
            "seed": int(cell.get("seed", 0)),
            "series": DEFAULT_SERIES if series is None else str(series),
            "test_mae": _num(summary.get("test_mae")),
            "energy_kwh": _num(summary.get("energy_kwh")),
            "wall_s": _num(summary.get("wall_s")),
            "backprops": _num(summary.get("samples_backprop", 0) or 0)
            + _num(summary.get("samples_scoring_backprop", 0) or 0),
        })
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def counts(record: SweepRecord) -> dict[str, int]:
    """Cells per status (done, failed, cancelled, pending, running...), and their total."""
    out: dict[str, int] = {"runs": len(record.cells)}
    for cell in record.cells.values():
        status = str(cell.get("status") or "pending")
        out[status] = out.get(status, 0) + 1
    return out


# --- before a launch: the time a grid takes --------------------------------------------------

def epoch_seconds(summaries: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Median wall seconds per epoch, per strategy, of the given runs' summaries (those with
    a positive `wall_s` and `epochs_run`; the caller chooses runs on the same data)."""
    per: dict[str, list[float]] = {}
    for s in summaries:
        wall, epochs = _num(s.get("wall_s")), _num(s.get("epochs_run"))
        if s.get("kind") == "classical" or not (wall > 0 and epochs > 0):
            continue
        per.setdefault(str(s.get("strategy")), []).append(wall / epochs)
    return {k: float(np.median(v)) for k, v in per.items()}


def estimate_seconds(strategies: Sequence[str], keep_ratios: Sequence[float], seeds: int,
                     series: int, epochs: int, per_epoch: Mapping[str, float], workers: int,
                     default: float = DEFAULT_EPOCH_S) -> float:
    """Seconds a grid takes: every run's epochs at its strategy's measured seconds per epoch
    (else the median of the measured strategies, else `default`), spread over `workers`,
    plus the cluster's start. Early stopping can only shorten it."""
    fallback = float(np.median(list(per_epoch.values()))) if per_epoch else default
    total = 0.0
    for s in strategies:
        runs = (len(keep_ratios) if takes_keep_ratio(s) else 1) * seeds * series
        total += runs * epochs * per_epoch.get(s, fallback)
    return STARTUP_S + total / max(1, workers)


def duration_words(seconds: float | None) -> str:
    """"45 s", "3 min 20 s", "1 h 05 min"; "-" for None."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


# --- exploring a sweep ------------------------------------------------------------------------

def keep_label(keep: float) -> str:
    return "-" if keep is None or (isinstance(keep, float) and math.isnan(keep)) else f"{keep:g}"


def strategy_means(pairs: pd.DataFrame, cost: str) -> pd.DataFrame:
    """Per strategy x keep ratio (full included, at 1 x 1 by construction): the mean MAE ratio
    and `cost` ratio ("energy", "wall", "backprop") over series and seeds, the runs behind
    them, and `front`: whether the mean is on the Pareto front (lower is better on both)."""
    col = f"{cost}_ratio"
    rows = []
    for (strategy, keep), g in pairs.groupby(["strategy", "keep_ratio"], dropna=False,
                                             sort=True):
        rows.append({"strategy": strategy, "keep_ratio": keep, "runs": len(g),
                     "mae_ratio": float(g["mae_ratio"].mean()),
                     "cost_ratio": float(g[col].mean())})
    out = pd.DataFrame(rows, columns=["strategy", "keep_ratio", "runs", "mae_ratio",
                                      "cost_ratio"])
    out["front"] = evidence.pareto_front(out["cost_ratio"].to_numpy(),
                                         out["mae_ratio"].to_numpy()) if len(out) else []
    return out


def _interval(m: float, lo: float, hi: float, fmt: str, unit: str = "") -> str:
    if not math.isfinite(m):
        return "-"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{m:{fmt}}{unit} (one run)"
    return f"{m:{fmt}}{unit} [{lo:{fmt}}, {hi:{fmt}}]"


def interval_display(table: pd.DataFrame) -> pd.DataFrame:
    """`evidence.interval_table` as text with units: mean [95% interval] of the MAE ratio and
    of each saving in %, and the paired wins against the control ("3 of 4 vs rs2")."""
    rows = []
    for r in table.to_dict("records"):
        pairs = int(r.get("pairs_vs_control") or 0)
        wins = r.get("wins_vs_control")
        rows.append({
            "strategy": r["strategy"], "keep ratio": keep_label(r["keep_ratio"]),
            "runs": int(r["runs"]),
            "test MAE ratio to full": _interval(r["mae_ratio"], r["mae_ratio_low"],
                                                r["mae_ratio_high"], ".3f"),
            "energy saved": _interval(r["energy_saved_pct"], r["energy_saved_low"],
                                      r["energy_saved_high"], ".1f", " %"),
            "wall time saved": _interval(r["wall_saved_pct"], r["wall_saved_low"],
                                         r["wall_saved_high"], ".1f", " %"),
            "backprops saved": _interval(r["backprop_saved_pct"], r["backprop_saved_low"],
                                         r["backprop_saved_high"], ".1f", " %"),
            "wins vs control": (
                "(the control)" if r["strategy"] == r["control"]
                else f"{int(wins or 0)} of {pairs} vs {r['control']}" if pairs
                else f"no {r['control']} run to pair with"),
        })
    return pd.DataFrame(rows)


def milan_squares(series: Iterable[Any]) -> bool:
    """Whether every series is a Milan grid square id (1..10000), and there is one."""
    ids = [str(s) for s in series]
    return bool(ids) and all(s.isdigit() and 1 <= int(s) <= 10_000 for s in ids)


def square_values(pairs: pd.DataFrame, strategy: str, keep: float | None,
                  metric: str) -> pd.DataFrame:
    """Per Milan square: column and row on the grid (`evidence.grid_position`: x west to east,
    y south to north), and the mean over seeds of `metric` for `strategy` at `keep` (None or
    NaN: the strategy takes none): "mae_ratio", or a saving "<cost>_saved_pct"."""
    g = pairs[pairs["strategy"] == strategy]
    if keep is not None and not (isinstance(keep, float) and math.isnan(keep)):
        g = g[np.isclose(g["keep_ratio"].astype(float), float(keep))]
    if metric == "mae_ratio":
        values = g["mae_ratio"]
    elif metric.endswith("_saved_pct"):
        values = 100 * (1 - g[f"{metric.removesuffix('_saved_pct')}_ratio"])
    else:
        raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    per = (pd.DataFrame({"series": g["series"].astype(str), "value": values.astype(float)})
           .groupby("series", sort=True)["value"].agg(["mean", "size"]).reset_index())
    rows = []
    for r in per.itertuples(index=False):
        col, row = evidence.grid_position(r.series)
        rows.append({"square": r.series, "col": col, "row": row, "value": r.mean,
                     "seeds": int(r.size)})
    return pd.DataFrame(rows, columns=["square", "col", "row", "value", "seeds"])

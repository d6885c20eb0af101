"""A run as people read it: short unique names, the strategy's label, job names and rows, the
run card (data, window in time units, epochs, seed, parameters, model) and the settings lines
every export carries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from importance import text
from importance.config import RunConfig
from importance.data.steps import duration
from importance.provenance import data_file_text, dataset_tags, series_text, zone_text
from importance.runs.identity import RunInfo
from importance.strategies import STRATEGIES


def run_names(runs: Sequence[RunInfo]) -> dict[str, str]:
    """Short unique display names: the strategy label, then the dataset when the runs use
    more than one (only what differs: "Full data · cells.csv", "Full data · 4259";
    `provenance.dataset_tags`), then parameters or time if needed."""
    tags = dataset_tags(runs)
    names = {r.run_id: f"{r.label} · {tags[r.run_id]}" if tags.get(r.run_id) else r.label
             for r in runs}
    for attempt in ("params", "seed", "time"):
        counts = pd.Series(list(names.values())).value_counts()
        dupes = {n for n, c in counts.items() if c > 1}
        if not dupes:
            break
        for r in runs:
            if names[r.run_id] not in dupes:
                continue
            if attempt == "params":
                params = r.config.train.strategy_params
                extra = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(params.items()))
            elif attempt == "seed":
                extra = f"seed {r.config.train.seed}"
            else:
                extra = str(r.summary.get("created", r.run_id))[11:19] or r.run_id
            if extra:
                names[r.run_id] = f"{names[r.run_id]} · {extra}"
    return names


def runs_table(runs: Sequence[RunInfo]) -> pd.DataFrame:
    """One row per stored run (newest first) with its setup and headline figures."""
    rows = []
    for r in reversed(runs):
        s, c = r.summary, r.config
        rows.append({
            "created (UTC)": str(s.get("created", ""))[:19].replace("T", " "),
            "strategy": r.label, "params": ", ".join(f"{k}={v}" for k, v in
                                                      sorted(c.train.strategy_params.items())),
            "series": s.get("series_label", ""), "model": c.model.kind,
            "epochs": s.get("epochs_run", c.train.epochs), "test MAE": s.get("test_mae"),
            "wall s": s.get("wall_s"), "energy kWh": s.get("energy_kwh"),
            "backprop samples": s.get("samples_backprop"), "run id": r.run_id,
        })
    return pd.DataFrame(rows)


SCORE_NAMES = {"exact": "gradient norm (exact)", "last_layer": "last-layer gradient norm",
               "truncated": "gradient norm (truncated backprop)", "loss": "per-window loss",
               "el2n": "EL2N error norm (short scoring runs)",
               "gradient_embedding": "last-layer gradient embedding (norm)",
               "grand_norm": "GraNd: last-layer gradient norm over fresh models"}


def score_name(run: RunInfo) -> str:
    """What a run's scores are, in words (its `scoring` parameter, else the epochs' method)."""
    method = run.config.train.strategy_params.get("scoring") or next(
        (e.get("score_method") for e in reversed(run.summary.get("epochs") or [])
         if e.get("score_method")), "")
    return SCORE_NAMES.get(method, f"score ({method})" if method else "score")


def strategy_label(strategy: str) -> str:
    """A strategy's display label ("Gradient-norm top-k (importance)"); unknown: its name."""
    return STRATEGIES[strategy].label if strategy in STRATEGIES else strategy


def comparison_number(batch: str) -> int | None:
    """The number people know a job manager's batch by ("b12" -> 12); None for other ids."""
    digits = batch[1:] if batch.startswith("b") else ""
    return int(digits) if digits.isdigit() else None


def comparison_name(batch: str) -> str:
    """ "comparison 12" for batch "b12"; "this comparison" when the id is not numbered."""
    n = comparison_number(batch)
    return "this comparison" if n is None else f"comparison {n}"


def job_name(job: Any) -> str:
    """A job (duck-typed `importance.runs.jobs.Job`) as people read it, never its internal id:
    "Gradient-norm top-k (importance), seed 1, comparison 2"."""
    n = comparison_number(str(getattr(job, "batch", "")))
    label = f"{strategy_label(job.strategy)}, seed {job.config.train.seed}"
    if getattr(job, "added", ""):  # a control queued at the budget a strategy spent
        keep = job.config.train.strategy_params.get("keep_ratio")
        label += f", added at keep {keep:g}" if keep is not None else ", added"
    return label if n is None else f"{label}, comparison {n}"


def job_rows(jobs: Iterable[Any]) -> pd.DataFrame:
    """One display row per job (duck-typed `importance.runs.jobs.Job`), newest first, named by
    `job_name`, with the seconds estimated at its launch beside the job's time (start and test
    included), and its training wall time (the figure the result pages show)."""
    rows = []
    for j in jobs:
        last = j.history[-1] if j.history else {}
        estimate = getattr(j, "estimate_s", None)
        rows.append({
            "job": job_name(j), "status": j.status,
            "epoch": f"{j.epoch}/{j.epochs}",
            "progress": 1.0 if j.status == "done" else j.epoch / j.epochs if j.epochs else 0.0,
            "train loss": last.get("train_loss"), "val MAE": last.get("val_mae"),
            "estimated s": None if estimate is None else round(estimate, 1),
            "training wall s": text.round_significant(j.training_s),
            "job time s": round(j.elapsed, 1),
            "energy Wh": 1000 * j.energy_kwh if j.history and j.energy_kwh is not None else None,
            "run": j.run_id or "", "error": j.error,
        })
    return pd.DataFrame(rows)


def run_step(pred: pd.DataFrame) -> pd.Timedelta | None:
    """A run's time step, from its stored test forecasts (consecutive test windows, one step
    apart); None when it cannot be told (a single forecast)."""
    if pred is None or "time" not in pred or len(pred) < 2:
        return None
    t = pd.DatetimeIndex(pd.to_datetime(pred["time"])).unique().sort_values()
    d = t[1:] - t[:-1]
    d = d[d > pd.Timedelta(0)]
    return pd.Timedelta(d.min()) if len(d) else None


def steps_text(n: int, step: pd.Timedelta | None) -> str:
    """Steps in time units: "1 day (144 x 10 min)", "10 min (1 step)"; "144 steps" without
    a step."""
    if step is None:
        return f"{n:,} step{'s' if n != 1 else ''}"
    if n == 1:
        return f"{duration(step)} (1 step)"
    return f"{duration(n * step)} ({n:,} x {duration(step)})"


def epochs_text(run: RunInfo) -> str:
    """Epochs run / planned: "16 / 16", "9 / 16, stopped early"."""
    s = run.summary
    done = int(s.get("epochs_run", len(s.get("epochs") or [])))
    planned = int(s.get("epochs_planned", run.config.train.epochs))
    stopped = s.get("stopped_early", done < planned)
    return f"{done} / {planned}" + (", stopped early" if stopped else "")


def params_text(params: Mapping[str, Any]) -> str:
    """Strategy parameters in words: "keep ratio 0.7, scoring last_layer"; "none"."""
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(params.items())) or "none"


def model_text(cfg: RunConfig) -> str:
    """The model and optimiser in one line: "lstm 32x1, RevIN · batch 64, lr 0.01 cosine"."""
    m, t = cfg.model, cfg.train
    size = "" if m.kind in ("dlinear", "nlinear") else f" {m.hidden}x{m.layers}"
    return (f"{m.kind}{size}{', RevIN' if m.revin else ''} · batch {t.batch_size}, "
            f"lr {t.lr:g} {t.lr_schedule}")


def run_card_table(runs: Sequence[RunInfo], names: Mapping[str, str],
                   steps: Mapping[str, pd.Timedelta | None],
                   compact: bool = False) -> pd.DataFrame:
    """One row per run: what it was trained on and how, in time units where the run's step
    (`steps`, by run id: `run_step`) is known. `compact` (the pages' run card): without the
    step (the lookback states it), the run id, and the stride in time units."""
    rows = []
    for r in runs:
        step = steps.get(r.run_id)
        w = r.config.window
        rows.append({
            "run": names.get(r.run_id, r.label),
            "data": data_file_text(r.config.data, r.summary),
            "series · column": series_text(r),
            "step": duration(step) if step is not None else "unknown",
            "zone": zone_text(r),
            "lookback": steps_text(w.lookback, step),
            "horizon": steps_text(w.horizon, step),
            "stride": f"{w.stride} steps" if compact and w.stride > 1 else
            steps_text(w.stride, step) if w.stride > 1 else "1 step",
            "epochs": epochs_text(r),
            "seed": r.config.train.seed,
            "strategy parameters": params_text(r.config.train.strategy_params),
            "model": model_text(r.config),
            "run id": r.run_id,
        })
    table = pd.DataFrame(rows)
    return table.drop(columns=["step", "run id"]) if compact else table


def runs_data_text(runs: Sequence[RunInfo]) -> str:
    """The data of the runs shown, for the sidebar: "cells.csv: BS 12 · load"; several
    datasets one after another (";")."""
    seen: dict[str, None] = {}
    for r in runs:
        seen.setdefault(f"{data_file_text(r.config.data, r.summary)}: {series_text(r)}")
    return "; ".join(seen)


def settings_lines(runs: Sequence[RunInfo], names: Mapping[str, str],
                   steps: Mapping[str, pd.Timedelta | None]) -> list[str]:
    """One line of settings per run (for exports): data, window, epochs, seed, parameters."""
    out = []
    for row in run_card_table(runs, names, steps).to_dict("records"):
        out.append(f"{row['run']} (run {row['run id']}): data {row['data']}, "
                   f"{row['series · column']}, zone {row['zone']}, step {row['step']}; "
                   f"lookback {row['lookback']}, horizon {row['horizon']}, stride "
                   f"{row['stride']}; epochs {row['epochs']}; seed {row['seed']}; strategy "
                   f"parameters: {row['strategy parameters']}; model {row['model']}")
    return out

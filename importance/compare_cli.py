"""`importance compare`: one run per strategy and seed, the per-run table, then the verdict of
the evidence engine (`importance.verdict`) as it gives it; registered by `importance.cli`. Its
data and run options are `importance.cli_options`'; the strategies, keep ratio and seeds it
compares are its own.

Seeds train one after another in this process, on every core: a one-off command starts no
cluster. (The dashboard trains them side by side in its lanes, one run per core, with each
run's energy apportioned: `importance.runs.jobs`.)

Controls at the budget spent: after a seed's runs, a strategy whose realised budget
(backprops, scoring included) is not within `verdict.BUDGET_TOLERANCE` of any control run of
that seed gets one, at its realised share of full data's backprops, and the later seeds train
that control too (one variant over the seeds, so the engine can pair it).

On several series, each strategy that trained a subset of the windows then gets the ten cells
whose windows it kept most and least (`importance.aggregates.cells`; `--json`: `kept_cells`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from importance import classical_results, verdict
from importance.aggregates.cells import (
    N_RANKED,
    is_panel_run,
    mean_kept,
    ranked_cells,
    ranked_records,
    run_cells,
)
from importance.aggregates.energy import energy_to_accuracy_display, energy_to_accuracy_verdict
from importance.cli_options import (
    SERIES_ID,
    add_data,
    add_run_options,
    data_from_args,
    fmt,
    grid_from_args,
    print_members,
)
from importance.compare import JSON_FIELDS, compare_table, pick_baseline
from importance.compress import cli as compress_cli
from importance.config import RunConfig, TrainConfig
from importance.controls import budget_controls
from importance.data.steps import steps_words
from importance.energy_to_accuracy import (
    CLASSICAL_DEFINITION,
    DEFINITION,
    best_val_mae,
    energy_to_accuracy,
    target_mae,
    targets_of,
    to_records,
)
from importance.plan import plan_comparison
from importance.runs.memory import ScaleEstimate
from importance.runs.store import RunStore, StoredRun, _finite
from importance.stopping import ending_note, scores_unused_note
from importance.strategies import STRATEGIES
from importance.sweep.grid import parse_seeds as parse_seed_spec

if TYPE_CHECKING:
    import pandas as pd

ENERGY_COLUMNS = ("energy_kwh", "energy_saved_pct", "emissions_kg", "emissions_saved_pct")
COMPARE_EXAMPLE = ("example: importance compare --epochs 4 --keep-ratio 0.7 --seeds 0-2 "
                   "--json out.json")
CLASSICAL_BUDGET_S = 300.0  # per model on a panel: the slow ones skipped on 1,000 cells, said
DEFAULT_SEEDS = "0-2"  # three seeds: the fewest that give an interval (importance.evidence)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `compare` on the `importance` command's subparsers."""
    c = sub.add_parser("compare", help="train full vs importance vs the rs2 control, compare",
                       description="Train one run per strategy and seed on the same data and "
                                   "split, then print a side-by-side table and the verdict "
                                   "(importance.verdict). Seeds train one after another in this "
                                   "process, on every core (the dashboard trains them side by "
                                   "side, one run per core).",
                       epilog=COMPARE_EXAMPLE)
    add_data(c, f"{SERIES_ID} (default: 5060, or the file's first); several ids, "
                "comma-separated: one model per strategy trained on all of them together, each "
                "series scaled on its own (importance sweep --series trains one model per "
                "series instead); or 'all', 'top:N' (the N largest by total volume) or an id "
                "pattern such as 'eNB_31*' (a glob over whole ids): these leave out cells with "
                "nothing to forecast and say which")
    c.add_argument("--strategies", type=_strategies, default=["full", "gradnorm", "rs2"],
                   help=f"comma-separated, from: {', '.join(STRATEGIES)}; with full among "
                        "them, a strategy whose control (rs2, or random for static selection) "
                        "did not run at the budget it spent gets one at that budget")
    c.add_argument("--keep-ratio", type=float, default=0.7,
                   help="fraction of windows trained per epoch by subset strategies "
                        "(selective_backprop: in expectation, after a full first epoch; "
                        "infobatch's follows from its losses)")
    seeds = c.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=parse_seeds, default=parse_seeds(DEFAULT_SEEDS),
                       metavar="SPEC",
                       help="seeds to train every strategy with, one after another: a range "
                            "(0-2), a list (0,3,7) or one seed; 3 seeds or more give a verdict "
                            f"with intervals (default: {DEFAULT_SEEDS})")
    seeds.add_argument("--seed", type=int, default=None, metavar="N",
                       help="one seed only: indicative, names no winner")
    c.add_argument("--classical", action="store_true",
                   help="add the classical baselines on the same test windows, causally: "
                        "statsmodels' (seasonal naive, Holt-Winters, MSTL+ARIMA, "
                        "Fourier+ARIMA) and statsforecast's (AutoETS, AutoTheta, MSTL+AutoETS)")
    c.add_argument("--classical-models", default=None, metavar="NAMES",
                   help="with --classical: these models only, comma-separated (auto_arima "
                        "only when named here; default: all the others)")
    c.add_argument("--classical-budget", type=float, default=CLASSICAL_BUDGET_S,
                   metavar="SECONDS",
                   help="with --classical on several series: skip a model whose first fit, "
                        "times the series, would take longer than this, and say so (default: "
                        "%(default)g)")
    c.add_argument("--json", type=Path, default=None, help="also write the table as JSON here")
    c.add_argument("--compress", action="store_true",
                   help="then measure each run's default compressed variants (importance "
                        "compress)")
    add_run_options(c)
    return c


def _strategies(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in STRATEGIES]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown strategies {bad}; allowed: {', '.join(STRATEGIES)}")
    return names


def parse_seeds(text: str) -> tuple[int, ...]:
    """--seeds: a range `0-2`, a list `0,3,7`, one seed `5`, or ranges in a list `0-2,7`
    (`importance.sweep.grid.parse_seeds`), each seed once.

    >>> parse_seeds("0-2"), parse_seeds("0,3,7"), parse_seeds("5")
    ((0, 1, 2), (0, 3, 7), (5,))
    """
    try:
        out = parse_seed_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{str(exc).removeprefix('--seeds').lstrip(': ')} (in {text!r})") from None
    twice = sorted({s for s in out if out.count(s) > 1})
    if twice:
        raise argparse.ArgumentTypeError(
            f"{text!r} names seed {', '.join(map(str, twice))} more than once")
    return out


def plain(text: str) -> str:
    """A verdict sentence for the terminal: its markdown bold marks removed."""
    return text.replace("**", "")


def keep_of(train: TrainConfig) -> float | None:
    """The keep ratio a run was asked for (`verdict.keep_ratio`, no default); None without."""
    value = verdict.keep_ratio(train.strategy, train.strategy_params, default=False)
    return None if math.isnan(value) else value


def _train(cfg: RunConfig, store: RunStore, meter: Any, quiet: bool) -> StoredRun:
    """One run, with its progress bar and, when its best epoch came early, a line."""
    from tqdm import tqdm

    from importance.experiment import run_experiment
    from importance.training import EpochEvent

    t = cfg.train
    bar = tqdm(total=t.epochs, desc=f"{t.strategy:>9} seed {t.seed}", unit="epoch",
               disable=quiet, file=sys.stderr, leave=True)

    def on_event(ev: EpochEvent) -> None:
        bar.update(1)
        bar.set_postfix(val_mae=f"{ev.record.val_mae:.2f}", loss=f"{ev.record.train_loss:.3f}")

    run = store.load(run_experiment(cfg, store=store, on_event=on_event, meter=meter))
    bar.close()
    note = ending_note(run.summary["epochs"], t.epochs, t.patience, t.min_delta)
    if note:  # the run's best epoch came early: say what the later epochs bought
        print(f"{t.strategy}: {note}")
    return run


def train_seeds(seeds: Sequence[int], asked: dict[int, list[RunConfig]], a: argparse.Namespace,
                store: RunStore, meter: Any) -> list[StoredRun]:
    """Every seed's runs, one after another, and the controls at the budget spent (module
    docstring) when full data is among them."""
    runs: list[StoredRun] = []
    matched: list[RunConfig] = []  # controls added at a seed, trained at every later seed
    for i, seed in enumerate(seeds):
        if len(seeds) > 1:
            print(f"seed {seed} ({i + 1} of {len(seeds)})")
        configs = [*asked[seed], *(replace(c, train=replace(c.train, seed=seed))
                                   for c in matched)]
        done = [_train(cfg, store, meter, a.no_progress) for cfg in configs]
        for cfg, line in budget_controls(done, a.scoring):
            print(line)
            if cfg is not None:
                done.append(_train(cfg, store, meter, a.no_progress))
                matched.append(cfg)
        runs += done
    return runs


def classical_models(a: argparse.Namespace) -> tuple[str, ...]:
    """--classical-models: registered names, comma-separated (default: every model of
    `CLASSICAL_MODELS`; `ON_REQUEST_MODELS` only when named); ValueError naming the unknown."""
    from importance.classical import CLASSICAL_MODELS
    from importance.classical.registry import classical_spec

    if not a.classical_models:
        return tuple(CLASSICAL_MODELS)
    names = tuple(n.strip() for n in a.classical_models.split(",") if n.strip())
    for name in names:
        classical_spec(name)  # ValueError listing the names allowed
    return names


def classical_runs(a: argparse.Namespace, models: Sequence[str], cfg: RunConfig, meter: Any
                   ) -> list[dict[str, Any]]:
    """The classical `models` (statsmodels', statsforecast's) fitted on the same test
    windows; those that cannot fit this series, or whose fits over a panel's series would
    exceed --classical-budget, are skipped with the reason on stderr."""
    from tqdm import tqdm

    from importance.experiment import run_classical

    budget = a.classical_budget if cfg.data.is_panel else None
    out = []
    for name in tqdm(models, desc="classical", disable=a.no_progress, file=sys.stderr):
        try:
            out.append(run_classical(name, cfg.data, cfg.window, meter=meter, budget_s=budget))
        except ValueError as exc:  # e.g. too little history for a weekly season; over budget
            print(f"importance: skipped {name}: {exc}", file=sys.stderr)
    return out


def table_rows(runs: Sequence[StoredRun], classical: Sequence[dict[str, Any]]
               ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(table row, summary) per run, each seed's savings against that seed's full run, then
    the classical models (no seed; their savings against the first seed's full run)."""
    out, rest = [], []
    for seed in dict.fromkeys(r.config.train.seed for r in runs):
        mine = [r for r in runs if r.config.train.seed == seed]
        rows = compare_table([r.summary for r in mine] + list(classical)).to_dict("records")
        out += [(row | {"seed": seed, "keep_ratio": keep_of(r.config.train)}, r.summary)
                for row, r in zip(rows[:len(mine)], mine, strict=True)]
        if not rest:
            rest = [(row | {"seed": None, "keep_ratio": None}, s)
                    for row, s in zip(rows[len(mine):], classical, strict=True)]
    return out + rest


def print_table(rows: list[dict]) -> None:
    cols = [("strategy", "strategy"), ("keep_ratio", "keep"), ("seed", "seed"),
            ("test_mae", "MAE"), ("test_rmse", "RMSE"), ("test_smape", "sMAPE%"),
            ("epochs_run", "epochs"), ("samples_backprop", "backprop"),
            ("samples_scoring_backprop", "+scoring"), ("backprop_saved_pct", "saved%"),
            ("wall_s", "wall s"), ("scoring_s", "scoring s"),
            ("wall_saved_pct", "saved%"), ("energy_kwh", "kWh"),
            ("energy_saved_pct", "saved%"), ("emissions_kg", "gCO2e")]
    if rows and "mae_vs_classical_pct" in rows[0]:
        cols.insert(4, ("mae_vs_classical_pct", "vs best classical%"))
    table = [[h for _, h in cols]]
    for r in rows:
        cells = []
        unmeasured = _json_value(r.get("energy_kwh")) is None  # a failed reading, not 0 kWh
        for k, _ in cols:
            v = r.get(k)
            if unmeasured and k in ENERGY_COLUMNS:
                cells.append("not measured")
                continue
            if k == "emissions_kg" and v is not None:
                v = v * 1000
            cells.append(f"{v:g}" if k == "keep_ratio" and v is not None
                         else fmt(v, 1 if k.endswith("_pct") else 3))
        table.append(cells)
    print_cells(table)


def _json_value(v: object) -> object:
    """NaN (pandas' missing value) -> None, so the file is valid JSON."""
    return None if isinstance(v, float) and math.isnan(v) else v


def print_cells(table: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(c.rjust(wd) for c, wd in zip(row, widths, strict=True)))


def small_energy_unit(table: pd.DataFrame) -> tuple[float, str]:
    """Scale from kWh and unit for the energy-to-accuracy table: Wh from 1 Wh up, else mWh."""
    kwh = table.filter(regex=r"energy_kwh$").to_numpy(dtype=float)
    top = float(np.nanmax(kwh)) if np.isfinite(kwh).any() else 0.0
    return (1e3, "Wh") if top >= 1e-3 else (1e6, "mWh")


def print_energy_to_accuracy(table: pd.DataFrame, baseline: dict | None, seed: int,
                             runs: Sequence[StoredRun]) -> None:
    """The cost of each neural run of one seed to first reach 90/95/99/100% of the
    baseline's best validation accuracy (`importance.energy_to_accuracy`) and its definition;
    one seed, so indicative: the sentence of `importance.aggregates.energy` states what was
    measured."""
    if table.empty or baseline is None:
        print("\nenergy to accuracy: needs a full-data run to measure against "
              "(--strategies full,...)")
        return
    scale, unit = small_energy_unit(table)
    best = best_val_mae(baseline)
    names = run_names(runs)
    shown = energy_to_accuracy_display(table, names, scale, unit).rename(
        columns={"run": "strategy"})
    print(f"\nenergy to reach accuracy, seed {seed} (one seed: indicative); baseline: full, "
          f"best validation MAE {fmt(best)}; targets: "
          + ", ".join(f"{t}% MAE <= {fmt(target_mae(best, t))}" for t in targets_of(table))
          + ":")
    print_cells([list(shown.columns), *shown.astype(str).to_numpy().tolist()])
    print(f"{DEFINITION}; '-' = never reached.")
    if "kind" in table and (table["kind"] == "classical").any():
        print(f"classical rows: {CLASSICAL_DEFINITION}.")
    if any(verdict.energy_estimated(r.summary.get("energy_method")) for r in runs):
        print(f"energy ({unit}) is an estimate, not a meter reading: see 'energy:' below.")
    print(energy_to_accuracy_verdict(table, names, scale, unit))


def run_names(runs: Sequence[StoredRun]) -> dict[str, str]:
    """A column name per run of one seed: its strategy, with "@keep" where the strategy ran
    at several keep ratios (a control added at the budget spent)."""
    names = [r.config.train.strategy for r in runs]
    return {r.run_id: n if names.count(n) == 1 else f"{n}@{keep_of(r.config.train):g}"
            for n, r in zip(names, runs, strict=True)}


PER_SERIES = (("test_mae", "test MAE", "pooled"),
              ("test_mase", "test MASE", "mean over series"))  # the verdict's, on several


def print_per_series(runs: Sequence[StoredRun]) -> None:
    """Test MAE and MASE of each series (rows) per strategy (columns), one table each per
    seed, for runs on several series; then the pooled MAE and the MASE's mean over series."""
    for seed in dict.fromkeys(r.config.train.seed for r in runs):
        mine = [r for r in runs if r.config.train.seed == seed and r.summary.get("per_series")]
        if not mine:
            continue
        for key, what, pooled in PER_SERIES:
            table = [["series", *run_names(mine).values()]]
            for k, part in enumerate(mine[0].summary["per_series"]):
                table.append([part["series"], *(fmt(r.summary["per_series"][k].get(key))
                                                for r in mine)])
            table.append([pooled, *(fmt(r.summary.get(key)) for r in mine)])
            print(f"{what} per series, seed {seed} (one model per strategy on all of them):")
            print_cells(table)


def kept_cells(runs: Sequence[StoredRun]) -> list[dict[str, Any]]:
    """For runs on several series that trained a subset of the windows: per strategy (and
    keep ratio), each cell's kept share (`importance.aggregates.cells`) averaged over its
    seeds, as {"strategy", "keep_ratio", "seeds", "epochs" (those counted, in words),
    "series", "kept"} (every cell)."""
    groups: dict[tuple[str, float | None], list[StoredRun]] = {}
    for r in runs:
        if is_panel_run(r, r.arrays) and not r.arrays["selected"].all():
            groups.setdefault((r.config.train.strategy, keep_of(r.config.train)), []).append(r)
    out = []
    for (strategy, keep), mine in groups.items():
        cells = [run_cells(r, r.arrays) for r in mine]
        out.append({"strategy": strategy, "keep_ratio": keep,
                    "seeds": [r.config.train.seed for r in mine],
                    "epochs": cells[0].counted_words(),
                    "series": cells[0].names, "kept": mean_kept(cells)})
    return out


def print_kept_cells(groups: Sequence[dict[str, Any]]) -> None:
    """The `N_RANKED` most and least kept cells of each strategy, side by side."""
    for g in groups:
        most, least = ranked_cells(g["series"], g["kept"])
        seeds = g["seeds"]
        over = f"mean over seeds {', '.join(map(str, seeds))}" if len(seeds) > 1 else \
            f"seed {seeds[0]}"
        keep = f" keep {g['keep_ratio']:g}" if g["keep_ratio"] is not None else ""
        print(f"\ncells kept most and least by {g['strategy']}{keep} (share of each cell's "
              f"training windows kept in {g['epochs']}, {over}):")
        table = [["rank", "most kept", "kept%", "least kept", "kept%"]]
        for k in range(max(len(most), len(least))):
            row = [str(k + 1)]
            for frame in (most, least):
                row += ([str(frame["series"].iloc[k]), fmt(100 * frame["kept"].iloc[k], 1)]
                        if k < len(frame) else ["", ""])
            table.append(row)
        print_cells(table)


def run(a: argparse.Namespace) -> int:
    from importance.energy import EnergyMeter
    from importance.runtime import configure

    configure()  # threads that yield to other processes, glibc malloc tuned (no script needed)
    # the series loaded once, the runs built and checked (memory, window) before any training
    models = classical_models(a) if a.classical else ()  # unknown names: before training
    plan = plan_comparison(a, data_from_args(a))
    print_members(plan.loaded)
    if plan.data.is_panel:
        if isinstance(plan.memory, ScaleEstimate):  # the panel's scale guard said yes
            print(plan.memory.confirmation())
        print(f"one model per strategy on these {len(plan.loaded)} series, each scaled on its "
              "own")
    window = plan.configs[0].window
    print(f"window: {'; '.join(plan.reasons)}; horizon "
          f"{steps_words(window.horizon, plan.loaded[0].freq)}")
    seeds = plan.seeds
    print(f"seeds: {', '.join(map(str, seeds))}, trained one after another in this process"
          + ("; one seed: indicative, names no winner" if len(seeds) == 1 else ""))
    store = RunStore(a.runs_dir)
    grid = grid_from_args(a)
    meter = EnergyMeter(grid.code, grid.source)
    runs = train_seeds(seeds, plan.by_seed(), a, store, meter)
    classical = classical_runs(a, models, plan.configs[0], meter) if a.classical else []
    if classical:  # stored with the runs: `importance report` of them compares with these
        classical_results.save(store.root, plan.configs[0].data, plan.configs[0].window, classical)
    rows = table_rows(runs, classical)
    print_table([r for r, _ in rows])
    several = len(seeds) > 1
    for r in runs:  # a best epoch from before any selection by score: say so
        t = r.config.train
        if note := scores_unused_note(r.summary, f"{t.strategy} seed {t.seed}" if several
                                      else t.strategy):
            print(note)
    print_per_series(runs)
    # each fit's summary: runs on several series are judged on its MASE (pooled, per series)
    found = verdict.conclude(runs, classical={c.get("label") or c["strategy"]: c
                                              for c in classical} or None)
    print(f"\n{plain(found.headline)}")
    for sentence in found.sentences:
        print(f"- {plain(sentence)}")
    seed_one = [r for r in runs if r.config.train.seed == seeds[0]]
    baseline = pick_baseline([r.summary for r in seed_one])
    # the classical fits as rows too: what a neural run costs against a classical one
    reached = energy_to_accuracy([r.summary for r in seed_one] + classical, baseline)
    print_energy_to_accuracy(reached, baseline, seeds[0], seed_one)
    print(f"energy: {runs[0].summary['energy_method']}")
    print("every total includes its strategy's scoring cost; saved% is against the same seed's "
          "'full' run.")
    cells = kept_cells(runs)
    print_kept_cells(cells)
    print(f"runs stored in {store.root}")
    summaries = [r.summary for r in runs]
    compressed = compress_cli.after_compare(store, summaries, meter) if a.compress else {}
    if a.json is not None:
        keys = [*JSON_FIELDS, "seed", "keep_ratio",
                *(["mae_vs_classical_pct"] if classical else [])]
        records = [{k: _json_value(r[k]) for k in keys}
                   | {k: s[k] for k in ("test_mase", "mase_series", "mase_excluded") if k in s}
                   | ({"per_series": s["per_series"]} if "per_series" in s else {})
                   | ({"compress": compressed[s["run_id"]]} if s.get("run_id") in compressed
                      else {})
                   for r, s in rows]
        out = {"runs": records, "verdict": found.to_json(),
               "energy_to_accuracy_seed": seeds[0], "energy_to_accuracy": to_records(reached)}
        if cells:  # runs on several series: the most and least kept cells
            out["kept_cells"] = [{k: g[k] for k in ("strategy", "keep_ratio", "seeds", "epochs")}
                                 | ranked_records(g["series"], g["kept"], N_RANKED)
                                 for g in cells]
        if baseline is not None and not reached.empty:  # what each target asked for
            best = best_val_mae(baseline)
            out["energy_to_accuracy_targets"] = [
                {"target_pct": t, "val_mae_at_most": target_mae(best, t)}
                for t in targets_of(reached)]
        a.json.write_text(json.dumps(_finite(out), indent=1, allow_nan=False))
    return 0

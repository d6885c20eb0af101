"""The DPET paper's energy-to-accuracy table for forecasting (issue 25 point 3).

    python -m benchmarks.bench_dpet_table                          # every dataset, seeds 0-2
    python -m benchmarks.bench_dpet_table --datasets embedded --seeds 0 1 2
    python -m benchmarks.bench_dpet_table --seeds 5 6 7 8 9        # confirm a win found on 0-2
    python -m benchmarks.bench_dpet_table --smoke                  # seconds: a check that it runs

Rows, as in the paper: standard training with early stopping (`full`), RS2 at 20/10/5% per
epoch, active learning, GraNd, CRAIG, Glister, GraphCut (each at keep 0.1, 0.25 and 0.5) and
DPET at its defaults; columns: energy, wall time and backprops to first reach each accuracy
target (`importance.energy_to_accuracy`: t% of full data's best validation accuracy), '-'
when no seed reached it, the mean and 95% t-interval over seeds when every seed did, and
"(k/n seeds)" when only some did. Energy is what the run's meter measured
(`importance.energy`: CodeCarbon, on a CPU without RAPL an estimate from CPU load plus a RAM
constant), and is said so in the results.

Then every method at every keep ratio is paired with RS2 at the budget it actually spent
(`importance.budget`: backprops plus selection work at the run's measured cost of a
backprop): one control variant per method variant at the mean of its per-seed spent shares,
trained on every seed (`importance.controls.seeds_controls`, so that the pairs span the
seeds), and the verdict engine (`importance.verdict`) gives the change of test MAE against
that control with its interval. The answer line says whether any method beat RS2 at the same
spent budget at keep <= 0.25 (interval excluding 0): with ~50 comparisons, a win on seeds 0-2
counts only when seeds 5-9 confirm it.

Datasets: the embedded data and the real-shaped fixtures (tests/fixtures/series.py's hourly
cell and 2-minute LTE series, tests/fixtures/exports.py's 2-minute LTE export, written to
`<out>/data/`). Runs are stored per dataset in a run store under `--out` (default
benchmarks/results/dpet/runs/<dataset>/, not committed) and kept, config and summary, in
`<out>/<dataset>.json` (committed), so the benchmark resumes per dataset and seed from
either: a run whose strategy, parameters and seed are there is not trained again. Results:
`<out>/table.md` and `table.csv` (energy to accuracy), `pairs.csv` (the pairing). --smoke:
the embedded data, seed 0, two epochs of a tiny model, one keep ratio, in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from importance import verdict
from importance.budget import spent, spent_budget
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.controls import seeds_controls
from importance.energy import EnergyMeter
from importance.energy_to_accuracy import MEASURES, TARGETS, column, energy_to_accuracy
from importance.evidence import mean_interval
from importance.experiment import run_experiment
from importance.runs.identity import RunInfo
from importance.runs.store import RunStore
from importance.verdict import RunLike

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # also as a script
from tests.fixtures.exports import EXPORTS  # noqa: E402 - after the path fix
from tests.fixtures.series import SERIES, write_csv  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "dpet"
METHODS = ("active_learning", "grand", "craig", "glister", "graphcut")
KEEPS = (0.1, 0.25, 0.5)
RS2_PAPER = (0.2, 0.1, 0.05)  # RS2 at 20/10/5% per epoch
SCORING = "last_layer"
DATASETS = ("embedded", "hourly_cell", "two_minute_lte", "lte_2min")
SMALL = RunConfig(window=WindowConfig(lookback=48, stride=2), model=ModelConfig(hidden=16),
                  train=TrainConfig(epochs=12))
TINY = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                 train=TrainConfig(epochs=2))
SHOWN = {"energy_kwh": "energy (Wh)", "wall_s": "wall (s)", "backprops": "backprops"}


def data_config(name: str, folder: Path) -> DataConfig:
    """The dataset `name`: the embedded data, a fixture series or a fixture export."""
    if name == "embedded":
        return DataConfig()
    folder.mkdir(parents=True, exist_ok=True)
    if name in SERIES:
        return DataConfig(path=str(write_csv(SERIES[name](), folder, name)))
    export = EXPORTS[name]
    return DataConfig(path=str(export.write(folder)), series=export.series,
                      column=export.column)


def plan(methods: Sequence[str], keeps: Sequence[float], smoke: bool
         ) -> list[tuple[str, dict]]:
    """(strategy, params) of one seed's runs, before the controls at the spent budget."""
    rs2 = RS2_PAPER[:1] if smoke else RS2_PAPER
    return [("full", {}), *(("rs2", {"keep_ratio": k}) for k in rs2),
            *((m, {"keep_ratio": k}) for m in methods for k in keeps), ("dpet", {})]


def key(strategy: str, params: dict, seed: int) -> str:
    return f"{strategy} {json.dumps(params, sort_keys=True)} seed {seed}"


def run_key(cfg: RunConfig) -> str:
    return key(cfg.train.strategy, dict(cfg.train.strategy_params), cfg.train.seed)


def label(run: RunLike) -> str:
    """"Full data (early stopping)", "RS2 @0.2", "CRAIG @0.25", "DPET"."""
    t = run.config.train
    if t.strategy == "full":
        return "Full data (early stopping)"
    keep = t.strategy_params.get("keep_ratio")
    return verdict.short_label(t.strategy) + ("" if keep is None else f" @{keep:g}")


def kept_path(store: RunStore) -> Path:
    """The dataset's runs kept small enough to commit (config and summary of each run):
    `<out>/<dataset>.json` beside `<out>/runs/<dataset>/`, whose model, scores and
    predictions stay on the machine that trained them."""
    return store.root.parent.parent / f"{store.root.name}.json"


def stored(store: RunStore) -> dict[str, RunLike]:
    """The dataset's runs by `run_key`: the kept JSON's, then the run store's."""
    runs: dict[str, RunLike] = {}
    kept = kept_path(store)
    if kept.exists():
        for run_id, r in json.loads(kept.read_text()).items():
            info = RunInfo(run_id, r["summary"], RunConfig.from_dict(r["config"]))
            runs[run_key(info.config)] = info
    runs |= {run_key(r.config): r for r in (store.load(i) for i in store.ids())}
    return runs


def keep_runs(store: RunStore, runs: dict[str, RunLike]) -> None:
    """Write the dataset's runs (config and summary) to `kept_path`."""
    kept_path(store).write_text(json.dumps(
        {r.run_id: {"config": r.config.to_dict(), "summary": r.summary}
         for r in sorted(runs.values(), key=lambda r: r.run_id)}, indent=None, default=str))


def train(cfg: RunConfig, store: RunStore, meter: EnergyMeter, name: str,
          runs: dict[str, RunLike]) -> RunLike:
    run = store.load(run_experiment(cfg, store=store, meter=meter))
    runs[run_key(run.config)] = run
    keep_runs(store, runs)
    s = run.summary
    print(f"{name} seed {cfg.train.seed} {label(run):28s} MAE {s['test_mae']:9.4g} "
          f"wall {s['wall_s']:7.2f} s spent {spent_budget(s):9.0f}", flush=True)
    return run


def run_dataset(name: str, base: RunConfig, seeds: Sequence[int], out: Path,
                meter: EnergyMeter, todo: list[tuple[str, dict]]) -> list[RunLike]:
    """Train what the dataset's store lacks for `seeds`: the plan, seed by seed, then the
    control of every method variant at the mean budget it spent over the seeds
    (`importance.controls.seeds_controls`), so that the verdict pairs it on every seed.
    All of the dataset's runs for `seeds`."""
    store = RunStore(out / "runs" / name)
    base = replace(base, data=data_config(name, out / "data"))
    runs = stored(store)
    for seed in seeds:
        before = len(runs)
        for strategy, params in todo:
            if key(strategy, params, seed) not in runs:
                cfg = replace(base, train=replace(base.train, strategy=strategy,
                                                  strategy_params=params, seed=seed))
                train(cfg, store, meter, name, runs)
        print(f"dataset {name}, seed {seed}: {len(runs) - before} runs trained", flush=True)
    mine = [r for r in runs.values() if r.config.train.seed in seeds]
    for cfg, line in seeds_controls(mine, SCORING):
        if cfg is None or run_key(cfg) not in runs:
            print(f"{name}: {line}", flush=True)
        if cfg is not None and run_key(cfg) not in runs:
            train(cfg, store, meter, name, runs)
    keep_runs(store, runs)
    return [r for r in runs.values() if r.config.train.seed in seeds]


def cell(values: Sequence[float], scale: float = 1.0) -> str:
    """'-' when no seed reached the target, "mean [low, high]" when all did (the interval
    needs 2), else the mean of those that did with "(k/n seeds)"."""
    v = np.asarray(values, dtype=float) * scale
    hit = v[np.isfinite(v)]
    if not len(hit):
        return "-"
    m, lo, hi = mean_interval(hit)
    figure = f"{m:.3g}" + (f" [{lo:.3g}, {hi:.3g}]" if np.isfinite(lo) else "")
    return figure if len(hit) == len(v) else f"{figure} ({len(hit)}/{len(v)} seeds)"


def accuracy_table(name: str, runs: Sequence[RunLike]) -> pd.DataFrame:
    """Energy, wall time and backprops to reach each target, per row over the seeds (each
    seed's runs against that seed's full-data run, `energy_to_accuracy`)."""
    reached: dict[str, list[dict]] = {}
    for seed in sorted({r.config.train.seed for r in runs}):
        mine = [r for r in runs if r.config.train.seed == seed]
        full = next((r for r in mine if r.config.train.strategy == "full"), None)
        if full is None:
            continue
        names = {r.run_id: label(r) for r in mine}
        table = energy_to_accuracy([r.summary for r in mine], baseline=full.summary)
        for row in table.to_dict("records"):
            reached.setdefault(names[row["run_id"]], []).append(row)
    rows = []
    for row_label, got in reached.items():
        row = {"dataset": name, "row": row_label, "seeds": len(got),
               "test MAE vs full": cell([1 + g["mae_change_pct"] / 100 for g in got]),
               "spent vs full": cell([g["spent_share"] for g in got])}
        for t in TARGETS:
            for m in MEASURES:
                if m in SHOWN:
                    scale = 1000.0 if m == "energy_kwh" else 1.0
                    row[f"{t}% {SHOWN[m]}"] = cell([g[column(t, m)] for g in got], scale)
        rows.append(row)
    order = {"Full data (early stopping)": 0, "RS2": 1, "DPET": 3}
    return pd.DataFrame(rows).sort_values(
        "row", key=lambda s: s.map(lambda x: (order.get(x.split(" @")[0], 2), x)))


def pair_table(name: str, runs: Sequence[RunLike]) -> tuple[pd.DataFrame, str]:
    """Every method (and DPET) against RS2 at the budget it spent, by the verdict engine;
    and the answer for keep <= 0.25."""
    found = verdict.conclude(runs)
    by_id = {r.run_id: r for r in runs}
    rows = []
    for res in found.results:
        if res.strategy not in (*METHODS, "dpet") or res.vs_control is None:
            continue
        c = res.vs_control
        fulls = {r.config.train.seed: spent_budget(r.summary) for r in runs
                 if r.config.train.strategy == "full"}
        work = [spent(by_id[i].summary).selection / fulls[by_id[i].config.train.seed]
                for i in res.run_ids if by_id[i].config.train.seed in fulls]
        wall = res.vs_full.get("wall_s")
        rows.append({
            "dataset": name, "method": res.name, "keep": res.keep_ratio, "seeds": c.change.n,
            "spent_share": res.budget, "selection_share": float(np.mean(work)) if work
            else float("nan"), "control": c.against,
            "control_share": c.budgets[1] if c.budgets else float("nan"),
            "mae_change_pct": c.change.mean, "low_pct": c.change.low, "high_pct": c.change.high,
            "winner": c.winner or "", "wall_vs_full": 1 + wall.change.mean / 100 if wall
            else float("nan"), "kept_accuracy": res.kept_accuracy,
            "caveats": "; ".join(x.code for x in c.caveats)})
    pairs = pd.DataFrame(rows)
    return pairs, answer(name, pairs)


def answer(name: str, pairs: pd.DataFrame) -> str:
    """Whether any method beat RS2 at the same spent budget at keep <= 0.25."""
    small = pairs[pairs["keep"] <= 0.25] if len(pairs) else pairs
    if small.empty:
        return f"answer ({name}): no method at keep <= 0.25 has a control at its budget"
    wins = small[small["winner"] == small["method"]]
    if len(wins):
        w = wins.sort_values("mae_change_pct").iloc[0]
        return (f"answer ({name}): yes, {w['method']} beats {w['control']} at the same spent "
                f"budget ({w['spent_share']:.2f}x full data, {w['selection_share']:.2f} of it "
                f"selection work): test MAE {w['mae_change_pct']:+.1f}% "
                f"[{w['low_pct']:+.1f}%, {w['high_pct']:+.1f}%]; counts only when seeds 5-9 "
                "confirm it")
    above, below = int((small["low_pct"] > 0).sum()), int((small["high_pct"] < 0).sum())
    tally = (f"; by the intervals alone (caveats such as runs shorter than the meter's "
             f"sampling aside), the control is better in {above} and the method in {below} of "
             f"{len(small)} pairs")
    best = small.sort_values("mae_change_pct").iloc[0]
    span = (f" [{best['low_pct']:+.1f}%, {best['high_pct']:+.1f}%]"
            if np.isfinite(best["low_pct"]) else " (no interval: fewer than 3 seeds)")
    return (f"answer ({name}): no method beats RS2 at the same spent budget at keep <= 0.25; "
            f"closest: {best['method']} against {best['control']}, test MAE "
            f"{best['mae_change_pct']:+.1f}%{span}{tally}")


def load_words() -> str:
    """The machine's load while measuring, in words."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def markdown(table: pd.DataFrame) -> str:
    """`table` as a GitHub markdown table (figures to 3 significant digits)."""
    def text(v: object) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |",
             "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(text(v) for v in row) + " |"
              for row in table.itertuples(index=False)]
    return "\n".join(lines)


def write(out: Path, tables: list[pd.DataFrame], pairs: list[pd.DataFrame],
          answers: list[str], settings: str, loads: list[str]) -> None:
    table, pair = pd.concat(tables), pd.concat(pairs) if pairs else pd.DataFrame()
    table.to_csv(out / "table.csv", index=False)
    pair.to_csv(out / "pairs.csv", index=False)
    energy = ("Energy is CodeCarbon's reading of each run's phases (on a CPU without RAPL, an "
              "estimate from CPU load plus a RAM constant), shared among runs measured at "
              "once; it is an estimate, not a meter reading.")
    text = ["# The DPET paper's energy-to-accuracy table, for forecasting", "", settings, "",
            "Machine while measuring (2 cores shared with other work: tests, browsers, servers): "
            f"{'; '.join(loads)}.", "", energy, "",
            *(f"- {a}" for a in answers), "", markdown(table), "",
            "## Each method against RS2 at the budget it spent", "",
            markdown(pair) if len(pair) else "(none)", ""]
    (out / "table.md").write_text("\n".join(text))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--keeps", nargs="+", type=float, default=list(KEEPS))
    p.add_argument("--epochs", type=int, default=SMALL.train.epochs)
    p.add_argument("--out", type=Path, default=OUT, help="run stores and results")
    p.add_argument("--smoke", action="store_true",
                   help="the embedded data, seed 0, 2 epochs of a tiny model, keep 0.25")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-dpet-") as tmp:
        if a.smoke:
            a.datasets, a.seeds, a.keeps, a.out = ["embedded"], [0], [0.25], Path(tmp)
            base = TINY
        else:
            base = replace(SMALL, train=replace(SMALL.train, epochs=a.epochs))
        a.out.mkdir(parents=True, exist_ok=True)
        settings = (f"Settings: LSTM hidden {base.model.hidden}, lookback "
                    f"{base.window.lookback}, stride {base.window.stride}, up to "
                    f"{base.train.epochs} epochs with early stopping (patience "
                    f"{base.train.patience}); seeds {a.seeds}; keep ratios {a.keeps}.")
        print(settings, flush=True)
        meter, loads = EnergyMeter("ITA"), []
        tables, pairs, answers = [], [], []
        todo = plan(a.methods, a.keeps, a.smoke)
        for name in a.datasets:
            start = time.perf_counter()
            runs = run_dataset(name, base, a.seeds, a.out, meter, todo)
            noted = a.out / f"{name}-load.txt"  # the load while its runs trained
            if time.perf_counter() - start > 60 or not noted.exists():
                noted.write_text(f"{name}: {time.perf_counter() - start:.0f} s of training "
                                 f"ending with {load_words()}")
            tables.append(accuracy_table(name, runs))
            pair, said = pair_table(name, runs)
            pairs.append(pair)
            answers.append(said)
            loads.append(noted.read_text().strip())
            print(f"\n{name}: energy, wall time and backprops to reach each target "
                  f"({loads[-1]})")
            print(tables[-1].drop(columns="dataset").to_string(index=False))
            print(f"\n{name}: each method against RS2 at the budget it spent")
            print(pair.drop(columns="dataset").to_string(index=False) if len(pair) else "none")
            print(said, flush=True)
        write(a.out, tables, pairs, answers, settings, loads)
        print(f"\nresults: {a.out / 'table.md'}, table.csv, pairs.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

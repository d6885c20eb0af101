"""Every registered strategy at equal budgets, over seeds, on the embedded default data.

    python -m benchmarks.bench_strategies                       # all, keep 0.5 0.7, seeds 0-4
    python -m benchmarks.bench_strategies --strategies gradnorm rs2 --keeps 0.7 --seeds 0 1
    python -m benchmarks.bench_strategies --out bench.json      # resumes from bench.json
    python -m benchmarks.bench_strategies --smoke               # seconds: a check that it runs

Each seed trains `full` once and every strategy at each keep ratio with the library's
defaults otherwise (LSTM + RevIN, 16 epochs, early stopping). The keep ratio goes to every
strategy that takes one (`accepted_params`); InfoBatch gets it as `target_budget` (the
matched realised budget); DPET, whose budget is an outcome, runs once per seed at its
defaults. Per strategy x keep: mean, standard deviation and range over seeds of the ratios
to `full` of the same seed (test MAE, wall time with scoring included, energy, training
backprops, and backprops including scoring runs), and paired against `rs2` at the same keep
on the same seed (MAE ratio, wins = lower test MAE). `goal` marks wall <= 0.55x at MAE
within 1% of full (means over seeds). Energy is CodeCarbon's estimate from CPU load plus a
RAM constant (no RAPL here). Finished runs are kept in `--out`, so an interrupted benchmark
resumes where it stopped. It ends with the verdict engine's headline and sentences on the
runs (`importance.verdict`: paired by seed, 95% t-intervals, controls at the budget spent);
README's block is generated from the results by `python -m benchmarks.measured`. Run it on a
quiet machine: wall ratios of runs measured under different loads are not comparable
(benchmarks/bench_contention.py has the loaded figures). --smoke: gradnorm and rs2 at keep
0.7 and full, seed 0, one epoch of a tiny model (lookback 24, hidden 4, stride 32), its JSON
in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from importance import runtime, verdict
from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.runs.store import RunStore
from importance.strategies import STRATEGIES, accepted_params

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as a script
from benchmarks.measured import strategy_rows  # noqa: E402 - after the path fix

GOAL_WALL, GOAL_MAE = 0.55, 1.01
SMOKE_RUN = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4))
FIELDS = ("test_mae", "wall_s", "energy_kwh", "samples_backprop", "samples_scoring_backprop",
          "scoring_s", "epochs_run", "best_epoch")


def variants(names: Iterable[str], keeps: Iterable[float]) -> list[tuple[str, str, dict]]:
    """(key, strategy, params) of every run per seed after `full`."""
    out = []
    for name in names:
        if name == "full":
            continue
        if accepted_params(name, keep_ratio=1.0):  # InfoBatch: as its target budget
            out += [(f"{name}@{k}", name, accepted_params(name, keep_ratio=k)) for k in keeps]
        else:  # its budget is an outcome
            out.append((name, name, {}))
    return out


def run_one(name: str, params: dict, seed: int, epochs: int | None, store: RunStore,
            meter: EnergyMeter, base: RunConfig) -> dict:
    """One run of `base` (data, window, model) with the strategy, seed and epochs given."""
    train = TrainConfig(strategy=name, strategy_params=params, seed=seed,
                        **({"epochs": epochs} if epochs else {}))
    cfg = replace(base, train=train)
    s = store.load(run_experiment(cfg, store=store, meter=meter)).summary
    return {k: s.get(k) for k in FIELDS}


def _stats(values: list[float]) -> dict[str, float]:
    vals = [v for v in values if v is not None and v == v]
    if not vals:
        return {"mean": float("nan"), "sd": float("nan"), "min": float("nan"),
                "max": float("nan")}
    return {"mean": statistics.fmean(vals), "sd": statistics.stdev(vals) if len(vals) > 1
            else 0.0, "min": min(vals), "max": max(vals)}


def summarise(runs: dict[str, dict], seeds: list[int], keys: list[str]) -> list[dict]:
    """One row per variant: ratio statistics against full and rs2 of the same seed."""
    rows = []
    for key in keys:
        keep = key.partition("@")[2]
        per_seed = []
        for seed in seeds:
            r, full = runs.get(f"{seed}/{key}"), runs.get(f"{seed}/full")
            if r is None or full is None:
                continue
            rs2 = runs.get(f"{seed}/rs2@{keep}") if keep else None
            backprops = r["samples_backprop"] + (r.get("samples_scoring_backprop") or 0)
            per_seed.append({
                "mae": r["test_mae"] / full["test_mae"],
                "wall": r["wall_s"] / full["wall_s"],
                "energy": (r["energy_kwh"] / full["energy_kwh"]
                           if r["energy_kwh"] and full["energy_kwh"] else None),
                "backprop": r["samples_backprop"] / full["samples_backprop"],
                "backprop_all": backprops / full["samples_backprop"],
                "vs_rs2": r["test_mae"] / rs2["test_mae"] if rs2 else None,
                "win": (r["test_mae"] < rs2["test_mae"]) if rs2 and rs2 is not r else None,
            })
        if not per_seed:
            continue
        row = {"variant": key, "seeds": len(per_seed)}
        for field in ("mae", "wall", "energy", "backprop", "backprop_all", "vs_rs2"):
            row[field] = _stats([p[field] for p in per_seed])
        wins = [p["win"] for p in per_seed if p["win"] is not None]
        row["wins_vs_rs2"] = f"{sum(wins)}/{len(wins)}" if wins else "-"
        row["goal"] = row["wall"]["mean"] <= GOAL_WALL and row["mae"]["mean"] <= GOAL_MAE
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    def ms(st: dict) -> str:
        return "-" if st["mean"] != st["mean"] else f"{st['mean']:.3f}±{st['sd']:.3f}"

    print(f"{'variant':26s} {'n':>2s} {'MAE/full':>13s} {'MAE range':>13s} {'wall/full':>13s} "
          f"{'energy/full':>13s} {'bp/full':>7s} {'bp+scoring':>10s} {'MAE/rs2':>13s} "
          f"{'wins':>5s} goal")
    for r in rows:
        rng = f"{r['mae']['min']:.3f}-{r['mae']['max']:.3f}"
        print(f"{r['variant']:26s} {r['seeds']:2d} {ms(r['mae']):>13s} {rng:>13s} "
              f"{ms(r['wall']):>13s} {ms(r['energy']):>13s} {r['backprop']['mean']:7.3f} "
              f"{r['backprop_all']['mean']:10.3f} {ms(r['vs_rs2']):>13s} "
              f"{r['wins_vs_rs2']:>5s} {'yes' if r['goal'] else ''}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--strategies", nargs="+", default=list(STRATEGIES),
                   choices=list(STRATEGIES))
    p.add_argument("--keeps", type=float, nargs="+", default=[0.5, 0.7])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--epochs", type=int, default=None, help="default: the library's")
    p.add_argument("--out", type=Path, default=None,
                   help="JSON of finished runs and the table; resumed when it exists")
    p.add_argument("--smoke", action="store_true",
                   help="three one-epoch runs of a tiny model (a check that it runs)")
    a = p.parse_args(argv)
    if a.smoke:
        a.strategies, a.keeps, a.seeds, a.epochs = ["gradnorm", "rs2"], [0.7], [0], 1
    runtime.configure()
    with tempfile.TemporaryDirectory(prefix="bench-strategies-") as tmp:
        if a.smoke:
            a.out = a.out or Path(tmp) / "strategies-smoke.json"
        compare(a, RunStore(Path(tmp) / "runs"), SMOKE_RUN if a.smoke else RunConfig())
    return 0


def compare(a: argparse.Namespace, store: RunStore, base: RunConfig) -> None:
    """Train what `a.out` lacks, print each run, the table and the verdict; save to `a.out`."""
    plan = variants(a.strategies, a.keeps)
    done: dict[str, dict] = {}
    if a.out and a.out.exists():
        done = json.loads(a.out.read_text()).get("runs", {})
    meter = EnergyMeter("ITA")

    def save() -> None:
        if a.out:
            rows = summarise(done, a.seeds, [k for k, _, _ in plan])
            a.out.write_text(json.dumps({"runs": done, "table": rows}, indent=1))

    for seed in a.seeds:
        for key, name, params in [("full", "full", {}), *plan]:
            if f"{seed}/{key}" in done:
                continue
            r = run_one(name, params, seed, a.epochs, store, meter, base)
            done[f"{seed}/{key}"] = r
            save()
            print(f"seed {seed} {key:24s} MAE {r['test_mae']:8.2f} wall {r['wall_s']:6.1f}s "
                  f"scoring {r['scoring_s']:5.1f}s epochs {r['epochs_run']}", flush=True)
    rows = summarise(done, a.seeds, [k for k, _, _ in plan])
    print(f"\nratios to full of the same seed, mean±sd over seeds {a.seeds}")
    print_table(rows)
    found = verdict.conclude_rows(strategy_rows({"runs": done}))  # the one engine's words
    print("\n" + "\n".join(t.replace("**", "") for t in (found.headline, *found.sentences)))
    save()

if __name__ == "__main__":
    raise SystemExit(main())

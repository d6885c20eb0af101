"""Every compressed variant of the default full-data run, and the issue's target for
structured pruning with a fine-tune.

    python -m benchmarks.bench_compress                     # seed 0, the default variants
    python -m benchmarks.bench_compress --seeds 0 1 2       # one full run per seed
    python -m benchmarks.bench_compress --extra structured-75-ft structured-25-ft
    python -m benchmarks.bench_compress --run-id ID --runs-dir DIR   # an existing run
    python -m benchmarks.bench_compress --smoke       # seconds: a check that it runs

Each seed trains the default full-data run (`importance compare --strategies full`: LSTM h32
+ RevIN, lookback 144, horizon 1, 16 epochs, early stopping) and runs one compression
session on it with the library's defaults (`importance compress`: latency the median of 21
paired passes over 1,024 test windows at one thread, energy from four 2 s meter phases per
variant). `goal` checks the issue's target: structured-50-ft at most 0.6x the uncompressed
model's latency with a test MAE within 5% of it. The machine's state is part of the result:
how many cores other processes used while measuring (from /proc/stat, minus this process)
and the load average, so a figure from a busy machine is labelled as such. Writes
benchmarks/results/compress-<date>.json and .log. --smoke: a one-epoch run of a tiny model
(lookback 24, hidden 4, stride 32), every default variant measured over 64 windows in one
latency round and short energy phases, results in a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

from importance import runtime
from importance.compress.cli import print_results
from importance.compress.lab import Settings, compress_run
from importance.compress.variants import DEFAULT_VARIANTS
from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.runs.store import RunStore, _finite

GOAL_VARIANT, GOAL_LATENCY, GOAL_MAE = "structured-50-ft", 0.6, 1.05
RESULTS = Path(__file__).resolve().parent / "results"
BUSY = 0.4  # cores used by other processes above which the machine counts as loaded
SMOKE_SETTINGS = Settings(rounds=1, max_windows=64, energy_seconds=0.05, finetune_epochs=1)


class Others:
    """Cores other processes used between `start()` and `stop()` (runtime.ThreadGovernor's
    arithmetic: all busy CPU time minus this process's)."""

    def start(self) -> None:
        self._t0 = (time.perf_counter(), runtime.read_busy_seconds() or 0.0,
                    runtime.own_seconds(), os.getloadavg()[0])

    def stop(self) -> dict:
        t, busy, own, load = self._t0
        wall = time.perf_counter() - t
        others = ((runtime.read_busy_seconds() or 0.0) - busy - (runtime.own_seconds() - own))
        cores = max(0.0, others / max(wall, 1e-9))
        return {"other_cores": cores, "cores": runtime.cores(), "wall_s": wall,
                "load_1m": [load, os.getloadavg()[0]],
                "machine": "loaded" if cores > BUSY else "quiet"}


def goal(results: dict) -> dict:
    """The issue's target on `GOAL_VARIANT` (None when it was not measured)."""
    v = next((v for v in results["variants"] if v["name"] == GOAL_VARIANT
              and v["status"] == "measured"), None)
    if v is None:
        return {"variant": GOAL_VARIANT, "met": None}
    return {"variant": GOAL_VARIANT, "latency_ratio": v["latency_ratio"],
            "mae_ratio": v["mae_ratio"], "latency_at_most": GOAL_LATENCY,
            "mae_ratio_at_most": GOAL_MAE,
            "met": v["latency_ratio"] <= GOAL_LATENCY and v["mae_ratio"] <= GOAL_MAE}


def run_config(seed: int, smoke: bool) -> RunConfig:
    """The default full-data run; with `smoke`, one epoch of a tiny model."""
    if not smoke:
        return RunConfig(train=TrainConfig(seed=seed))
    return RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                     train=TrainConfig(seed=seed, epochs=1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--extra", nargs="*", default=[], help="variants besides the defaults")
    p.add_argument("--run-id", default=None, help="compress this stored run instead")
    p.add_argument("--runs-dir", type=Path, default=None)
    p.add_argument("--out", type=Path, default=None,
                   help="default: benchmarks/results/compress-<date>.json (+ .log)")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny run, short measurements, results in a temporary folder")
    a = p.parse_args()
    runtime.configure()
    with tempfile.TemporaryDirectory(prefix="bench-compress-") as tmp:
        out = a.out or (Path(tmp) / "compress-smoke.json" if a.smoke else
                        RESULTS / f"compress-{dt.date.today().isoformat()}.json")
        measure(a, RunStore(a.runs_dir or Path(tmp) / "runs"), out)


def measure(a: argparse.Namespace, store: RunStore, out: Path) -> None:
    """One compression session per seed (or on `a.run_id`), printed and written to `out`."""
    meter = EnergyMeter("ITA")
    variants = [*DEFAULT_VARIANTS, *a.extra]
    settings = SMOKE_SETTINGS if a.smoke else Settings()
    log = io.StringIO()
    sessions = []
    for seed in ([None] if a.run_id else a.seeds):
        run_id = a.run_id or run_experiment(run_config(seed, a.smoke), store=store, meter=meter)
        summary = store.load(run_id).summary
        others = Others()
        others.start()
        res = compress_run(store, run_id, variants, settings=settings, meter=meter)
        machine = others.stop()
        entry = {"seed": seed, "run_id": run_id, "train_wall_s": summary["wall_s"],
                 "machine": machine, "goal": goal(res), "results": res}
        sessions.append(entry)
        buf = io.StringIO()
        with redirect_stdout(buf):
            print(f"\n=== seed {seed}: run {run_id} (test MAE {summary['test_mae']:.2f}, "
                  f"trained in {summary['wall_s']:.1f} s) ===")
            print_results(res)
            print(f"machine while measuring: {machine['machine']}: other processes used "
                  f"{machine['other_cores']:.2f} of {machine['cores']} cores; load average "
                  f"{machine['load_1m'][0]:.1f} -> {machine['load_1m'][1]:.1f}; session "
                  f"{machine['wall_s']:.0f} s")
            g = entry["goal"]
            if g["met"] is not None:
                print(f"goal ({GOAL_VARIANT} latency <= {GOAL_LATENCY}x at MAE <= "
                      f"{GOAL_MAE}x): latency {g['latency_ratio']:.3f}x, MAE "
                      f"{g['mae_ratio']:.3f}x: {'met' if g['met'] else 'NOT met'}")
        print(buf.getvalue(), end="", flush=True)
        log.write(buf.getvalue())
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(_finite({"sessions": sessions}), indent=1, allow_nan=False))
    out.with_suffix(".log").write_text(log.getvalue())
    print(f"\nwritten: {out} and {out.with_suffix('.log')}")


if __name__ == "__main__":
    main()

"""Strategies side by side over several seeds on the embedded default data.

    python -m benchmarks.bench_strategies --seeds 0 1 2 --epochs 6
    python -m benchmarks.bench_strategies --variant 'gradnorm:{"rescore_method": "last_layer"}'

Prints, per strategy variant, the mean over seeds of test MAE, backpropagated samples, wall
time (scoring included) and scoring time, and the ratios to `full` of the same seed.
"""

from __future__ import annotations

import argparse
import json
import tempfile

import numpy as np

from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.runs.store import RunStore


def parse_variant(text: str) -> tuple[str, dict]:
    name, _, params = text.partition(":")
    return name, json.loads(params) if params else {}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    p.add_argument("--model", default="lstm")
    p.add_argument("--variant", action="append", default=None,
                   help="name[:json params]; repeatable (default: gradnorm and random at 0.7)")
    a = p.parse_args()
    variants = [("full", {})] + [parse_variant(v) for v in (a.variant or
                                                             ["gradnorm", "random"])]
    store = RunStore(tempfile.mkdtemp(prefix="bench-strategies-"))
    meter = EnergyMeter("ITA")
    rows: dict[str, list[dict]] = {}
    for seed in a.seeds:
        base = None
        for name, params in variants:
            cfg = RunConfig(window=WindowConfig(), model=ModelConfig(kind=a.model),
                            train=TrainConfig(strategy=name, strategy_params=params,
                                              epochs=a.epochs, seed=seed))
            s = store.load(run_experiment(cfg, store=store, meter=meter)).summary
            base = base or s
            key = f"{name}{json.dumps(params) if params else ''}"
            rows.setdefault(key, []).append({
                "mae": s["test_mae"], "backprop": s["samples_backprop"], "wall": s["wall_s"],
                "scoring": s["scoring_s"], "mae_ratio": s["test_mae"] / base["test_mae"],
                "backprop_ratio": s["samples_backprop"] / base["samples_backprop"],
                "wall_ratio": s["wall_s"] / base["wall_s"]})
            print(f"seed {seed} {key:50s} MAE {s['test_mae']:8.2f} wall {s['wall_s']:6.1f}s "
                  f"scoring {s['scoring_s']:5.1f}s", flush=True)
    print(f"\nmean over seeds {a.seeds}, {a.epochs} epochs, model {a.model}")
    print(f"{'variant':50s} {'MAE':>8s} {'MAE/full':>9s} {'backprop/full':>14s} "
          f"{'wall/full':>10s} {'scoring s':>10s}")
    for key, rs in rows.items():
        m = {k: float(np.mean([r[k] for r in rs])) for k in rs[0]}
        print(f"{key:50s} {m['mae']:8.2f} {m['mae_ratio']:9.3f} {m['backprop_ratio']:14.3f} "
              f"{m['wall_ratio']:10.3f} {m['scoring']:10.1f}")


if __name__ == "__main__":
    main()

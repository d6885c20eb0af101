"""Every forecaster, with and without instance normalisation, over seeds, next to the classical
baselines: test MAE, training time and energy, on the default data and on real-shaped series.

    python -m benchmarks.bench_models                       # default + hourly, seeds 0-2
    python -m benchmarks.bench_models --datasets hourly_cell --kinds lstm dlinear --seeds 0
    python -m benchmarks.bench_models --datasets two_minute_lte --epochs 8   # slow: 1-day lookback
    python -m benchmarks.bench_models --smoke    # seconds: a check that it runs

Datasets: `default` (the embedded synthetic Milan square), `hourly_cell` and `two_minute_lte`
(tests/fixtures/series.py: holidays in the test period, level shifts, naive local times,
written to CSV and read by the same loader as a user's file). Each neural run is `full` data
with the library's defaults except the model; the window is the series' default
(`suggest_window`). MAE ratio: against the best classical model on the same test windows.
Energy is CodeCarbon's estimate from CPU load plus a RAM constant (no RAPL here).
--smoke: every model on `hourly_cell`, seed 0, one epoch, hidden 4, lookback 24, stride 8.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from importance import runtime
from importance.classical import CLASSICAL_MODELS
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data.steps import suggest_window
from importance.energy import EnergyMeter
from importance.experiment import load_data, run_classical, run_experiment
from importance.models import MODEL_KINDS
from importance.runs.store import RunStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as a script
from tests.fixtures.series import SERIES, write_csv  # noqa: E402 - after the path fix

DATASETS = ("default", *SERIES)
SMOKE_HIDDEN, SMOKE_WINDOW = 4, {"lookback": 24, "stride": 8}


def data_config(name: str, folder: Path) -> DataConfig:
    if name == "default":
        return DataConfig()
    return DataConfig(path=str(write_csv(SERIES[name](), folder, name)))


def classical(data: DataConfig, window: WindowConfig, meter: EnergyMeter) -> dict[str, float]:
    """Test MAE of every classical baseline that fits the series."""
    out = {}
    for name in CLASSICAL_MODELS:
        try:
            out[name] = run_classical(name, data, window, meter=meter)["test_mae"]
        except ValueError:  # e.g. too little history for a weekly season
            continue
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS,
                        default=["default", "hourly_cell"])
    parser.add_argument("--kinds", nargs="+", choices=MODEL_KINDS, default=list(MODEL_KINDS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    parser.add_argument("--smoke", action="store_true",
                        help="one dataset, seed and epoch of tiny models (a check that it runs)")
    a = parser.parse_args(argv)
    if a.smoke:
        a.datasets, a.seeds, a.epochs = ["hourly_cell"], [0], 1
    hidden = SMOKE_HIDDEN if a.smoke else ModelConfig().hidden
    runtime.configure()
    meter = EnergyMeter("ITA")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp) / "runs")
        for dataset in a.datasets:
            data = data_config(dataset, Path(tmp))
            loaded = load_data(data)
            window = suggest_window(loaded.values, loaded.freq, WindowConfig()).config
            if a.smoke:
                window = replace(window, **SMOKE_WINDOW)
            baselines = classical(data, window, meter)
            best_name = min(baselines, key=baselines.__getitem__)
            best = baselines[best_name]
            print(f"\n{dataset}: {len(loaded.values):,} points, lookback {window.lookback}; "
                  f"best classical {best_name} test MAE {best:.2f} "
                  f"({', '.join(f'{k} {v:.1f}' for k, v in baselines.items())})", flush=True)
            for kind in a.kinds:
                for revin in (False, True):
                    runs = []
                    for seed in a.seeds:
                        cfg = RunConfig(data=data, window=window,
                                        model=ModelConfig(kind=kind, hidden=hidden,
                                                          revin=revin),
                                        train=replace(TrainConfig(), epochs=a.epochs, seed=seed))
                        s = store.load(run_experiment(cfg, store=store, meter=meter)).summary
                        runs.append(s)
                        rows.append({"dataset": dataset, "kind": kind, "revin": revin,
                                     "seed": seed, "test_mae": s["test_mae"],
                                     "mae_ratio": s["test_mae"] / best, "wall_s": s["wall_s"],
                                     "energy_kwh": s["energy_kwh"],
                                     "best_epoch": s["best_epoch"],
                                     "epochs_run": s["epochs_run"], "best_classical": best})
                    maes = [r["test_mae"] for r in runs]
                    bests = ", ".join(f"{r['best_epoch'] + 1}/{r['epochs_run']}" for r in runs)
                    spread = statistics.stdev(maes) if len(maes) > 1 else 0.0
                    print(f"  {kind:8} revin {'on ' if revin else 'off'}  test MAE "
                          f"{statistics.mean(maes):7.2f} +- {spread:5.2f} "
                          f"({statistics.mean(maes) / best:5.3f}x best classical)  "
                          f"wall {statistics.mean(r['wall_s'] for r in runs):6.1f} s  energy "
                          f"{1000 * statistics.mean(r['energy_kwh'] for r in runs):.3f} Wh "
                          f"(estimated)  best epochs {bests}",
                          flush=True)
    if a.json:
        a.json.write_text(json.dumps({"runs": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

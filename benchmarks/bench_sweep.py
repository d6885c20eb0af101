"""Sweep throughput on a local Dask cluster with 1 and with 2 worker processes (one torch
thread each), side by side: wall time, runs per minute, speed-up, scheduling overhead per run.

Run from the repository root, in the venv:
    python -m benchmarks.bench_sweep [--epochs 2] [--seeds 4] [--workers 1 2] [--two-threads]
                                     [--repeat 3]
    python -m benchmarks.bench_sweep --smoke    # seconds: a check that it runs

The grid is 3 strategies (full, gradnorm, random; keep ratio 0.7) x `--seeds` seeds on the
embedded default square 5060 with the default model and window (LSTM hidden 32, lookback 144),
`--epochs` epochs each, early stopping off: 12 runs by default. Each cluster is started and
its workers import torch (`DaskExecutor.warm_up`) before the clock starts, so the wall time
is the sweep's own: submit, train, return the artifacts, store them. The overhead per run is
(wall time x workers - the workers' compute time) / runs, from Dask's task stream: what
scheduling, transfer, storing and idle workers cost. `--two-threads` adds 1 worker with 2
torch threads (IMPORTANCE_THREADS=2) for comparison. The machine's load average is printed:
other processes on the cores make every figure slower. --smoke: one seed (3 runs) of one
epoch of a tiny model (lookback 24, hidden 4, stride 32) on 2 workers.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace


def _cpu() -> float:
    """CPU seconds of this process: the driver, with the local cluster's scheduler and
    nannies (its worker processes are children, counted apart)."""
    t = os.times()
    return t.user + t.system


def grid(epochs: int, seeds: int, smoke: bool):
    """The sweep's axes and cells; with `smoke`, a tiny model on short windows."""
    from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
    from importance.strategies import accepted_params
    from importance.sweep.grid import Axes, expand

    axes = Axes(("full", "gradnorm", "random"), (0.7,), tuple(range(seeds)), ("5060",))
    base = (RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4))
            if smoke else RunConfig())

    def make(strategy, keep, seed, series):
        return replace(base, data=DataConfig(series=series), train=TrainConfig(
            strategy=strategy, epochs=epochs, seed=seed, patience=None,
            strategy_params=accepted_params(strategy, keep_ratio=keep)))

    return axes, expand(axes, make)


def measure(n_workers: int, threads: int, epochs: int, seeds: int, smoke: bool) -> dict:
    from distributed import get_task_stream

    from importance.runs.dask_executor import DaskExecutor
    from importance.runs.store import RunStore
    from importance.sweep.runner import Sweep

    os.environ["IMPORTANCE_THREADS"] = str(threads)  # the local cluster's workers inherit it
    axes, cells = grid(epochs, seeds, smoke)
    t0 = time.perf_counter()
    with DaskExecutor(n_workers=n_workers) as ex, tempfile.TemporaryDirectory() as root:
        ex.warm_up()
        ready_s = time.perf_counter() - t0
        sweep = Sweep(cells, axes, RunStore(root))
        with get_task_stream(client=ex.client) as ts:
            start, cpu0 = time.perf_counter(), _cpu()
            result = sweep.run(ex)
            wall, driver_cpu = time.perf_counter() - start, _cpu() - cpu0
        compute = sum(ss["stop"] - ss["start"] for task in ts.data
                      for ss in task["startstops"] if ss["action"] == "compute")
        runs = RunStore(root).summaries()
    assert result.complete, result.record.cells
    n = len(cells)
    return {"workers": n_workers, "threads_per_worker": threads, "runs": n,
            "epochs": epochs, "cluster_ready_s": round(ready_s, 2), "wall_s": round(wall, 2),
            "runs_per_min": round(60 * n / wall, 2),
            "mean_run_compute_s": round(compute / n, 2),
            "mean_train_wall_s": round(sum(r["wall_s"] for r in runs) / n, 2),
            "overhead_per_run_s": round((wall * n_workers - compute) / n, 2),
            "driver_cpu_per_run_s": round(driver_cpu / n, 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--two-threads", action="store_true",
                   help="also 1 worker with 2 torch threads")
    p.add_argument("--repeat", type=int, default=1,
                   help="measure each setting this many times, interleaved, and keep the "
                        "fastest (a machine shared with other work)")
    p.add_argument("--smoke", action="store_true",
                   help="3 one-epoch runs of a tiny model on 2 workers (a check that it runs)")
    a = p.parse_args()
    if a.smoke:
        a.epochs, a.seeds, a.repeat, a.workers = 1, 1, 1, [2]
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    configs = [(w, 1) for w in a.workers] + ([(1, 2)] if a.two_threads else [])
    tries: dict[tuple[int, int], list[dict]] = {c: [] for c in configs}
    for _ in range(a.repeat):
        for w, t in configs:
            tries[(w, t)].append(measure(w, t, a.epochs, a.seeds, a.smoke))
            print(f"  {w} x {t}: {tries[(w, t)][-1]['wall_s']:.1f} s "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
    rows = [min(tries[c], key=lambda r: r["wall_s"]) for c in configs]
    base = rows[0]
    print(f"{'workers x threads':>17}  {'runs':>4}  {'wall s':>7}  {'runs/min':>8}  "
          f"{'speed-up':>8}  {'compute s/run':>13}  {'overhead s/run':>14}  "
          f"{'driver CPU s/run':>16}  {'ready s':>7}")
    for r in rows:
        r["speedup"] = round(r["runs_per_min"] / base["runs_per_min"], 2)
        print(f"{r['workers']:>11} x {r['threads_per_worker']:<3}  {r['runs']:>4}  "
              f"{r['wall_s']:>7.1f}  {r['runs_per_min']:>8.1f}  {r['speedup']:>7.2f}x  "
              f"{r['mean_run_compute_s']:>13.2f}  {r['overhead_per_run_s']:>14.2f}  "
              f"{r['driver_cpu_per_run_s']:>16.2f}  {r['cluster_ready_s']:>7.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()

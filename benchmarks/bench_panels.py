"""Operator-scale panels (issue 22): one global model over every cell of a long-format hourly
export (`tests.fixtures.panels`, `Time,BS,Energy`, levels 100x apart, gaps, dead cells).

1. Scale: for each cell count, a fresh export of that many cells; the cold load of its live
   cells (`benchmarks.bench_cells_load.cold`), then `importance compare --series all
   --strategies full --seed 0 --epochs 1` in a child process: its peak memory (the child's
   max RSS) and the seconds of its one training epoch, against the training windows.
2. Comparison: `importance compare --series all --strategies full,rs2,infobatch,gradnorm
   --keep-ratio 0.5 --seeds 0-2 --classical` on the largest export: each strategy's pooled
   test MASE (the mean over series) and wall time, mean over the seeds, the best classical
   model's pooled MASE, and the verdict of the evidence engine as compare prints it.

Usage: python -m benchmarks.bench_panels [--cells 10,100,1000] [--hours 672] [--epochs 2]
       python -m benchmarks.bench_panels --smoke   # 10 and 20 cells x 168 h, one seed
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # also as benchmarks/bench_panels.py
from benchmarks.bench_cells_load import cold  # noqa: E402 - after the path fix
from importance.runs.store import RunStore  # noqa: E402
from tests.fixtures import panels  # noqa: E402

STRATEGIES = "full,rs2,infobatch,gradnorm"
# the child's peak memory: ru_maxrss of the one child it waited for (KiB on Linux)
PEAK = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def compare(args: list[str]) -> tuple[str, float]:
    """`importance compare <args>` in a child process: (its output, its peak RSS in GiB)."""
    cmd = [sys.executable, "-c", PEAK, sys.executable, "-m", "importance.cli", "compare", *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CODECARBON_LOG_LEVEL": "error"})
    if done.returncode != 0:
        raise SystemExit(f"importance compare {' '.join(args)} exited {done.returncode}:\n"
                         f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    out, _, peak = done.stdout.rstrip().rpartition("\n")
    return out, int(peak) / 2**20


def scale(folder: Path, counts: list[int], hours: int, lookback: int) -> None:
    print(f"{'cells':>6} {'points':>9} {'windows':>9} {'load s':>7} {'epoch s':>8} "
          f"{'ms/1k windows':>14} {'peak GiB':>9}")
    for n in counts:
        path = panels.write_hourly_long(folder / f"cells{n}.csv", n, hours)
        _, load = cold(path, panels.live_cells(n), 1, False)
        runs = folder / f"runs{n}"
        _, peak = compare(["--data", str(path), "--series", "all", "--strategies", "full",
                           "--seed", "0", "--epochs", "1", "--lookback", str(lookback),
                           "--no-progress", "--runs-dir", str(runs)])
        store = RunStore(runs)
        (run_id,) = store.ids()
        s = store.load(run_id).summary
        windows, epoch = int(s["n_train"]), float(s["training_s"])
        print(f"{n:>6,} {n * hours:>9,} {windows:>9,} {load:>7.2f} {epoch:>8.1f} "
              f"{1000 * epoch / windows * 1000:>14.2f} {peak:>9.2f}")


def comparison(folder: Path, cells: int, hours: int, lookback: int, epochs: int,
               seeds: str) -> None:
    path = panels.write_hourly_long(folder / f"compare{cells}.csv", cells, hours)
    out_json = folder / "compare.json"
    printed, peak = compare(["--data", str(path), "--series", "all", "--strategies", STRATEGIES,
                             "--keep-ratio", "0.5", "--seeds", seeds, "--epochs", str(epochs),
                             "--lookback", str(lookback), "--classical", "--no-progress",
                             "--json", str(out_json), "--runs-dir", str(folder / "cmp")])
    found = json.loads(out_json.read_text())
    print(f"importance compare --series all ({cells:,} cells x {hours} h) --strategies "
          f"{STRATEGIES} --keep-ratio 0.5 --seeds {seeds} --epochs {epochs} --lookback "
          f"{lookback} --classical: peak {peak:.2f} GiB")
    neural = [r for r in found["runs"] if r.get("seed") is not None]
    classical = [r for r in found["runs"] if r.get("seed") is None]
    full_wall = statistics.mean(r["wall_s"] for r in neural if r["strategy"] == "full")
    print(f"{'strategy':<16} {'seeds':>5} {'pooled MASE':>12} {'wall s':>8} {'x full':>7}")
    for key in dict.fromkeys((r["strategy"], r["keep_ratio"]) for r in neural):
        mine = [r for r in neural if (r["strategy"], r["keep_ratio"]) == key]
        mase = statistics.mean(r["test_mase"] for r in mine)
        wall = statistics.mean(r["wall_s"] for r in mine)
        name = key[0] + ("" if key[1] is None else f" @{key[1]:g}")
        print(f"{name:<16} {len(mine):>5} {mase:>12.3f} {wall:>8.1f} {wall / full_wall:>7.2f}")
    best = min(classical, key=lambda r: r["test_mase"])
    print(f"best classical: {best.get('label') or best['strategy']} pooled MASE "
          f"{best['test_mase']:.3f}, fit + forecast {best['wall_s']:.1f} s")
    verdict = found["verdict"]
    print(f"verdict: {verdict['headline']}")
    for claim in verdict["claims"]:
        if claim["metric"] not in ("test_mase", "wall_s"):
            continue
        interval = claim["interval_pct"]
        print(f"  {claim['strategy']} vs {claim['against']} on {claim['metric']}: "
              f"{claim['mean_change_pct']:+.1f}% "
              + (f"[{interval[0]:+.1f}, {interval[1]:+.1f}]" if interval else "(no interval)")
              + f", winner {claim['winner']}")
    for group in found.get("kept_cells", []):
        print(f"kept most by {group['strategy']} @{group['keep_ratio']:g}: "
              + ", ".join(f"{c['series']} {c['kept']:.0%}" for c in group["most_kept"][:3])
              + "; least: "
              + ", ".join(f"{c['series']} {c['kept']:.0%}" for c in group["least_kept"][:3]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", default="10,100,1000", help="cell counts, comma-separated")
    p.add_argument("--hours", type=int, default=672, help="hourly points per cell")
    p.add_argument("--lookback", type=int, default=24)
    p.add_argument("--epochs", type=int, default=2, help="epochs of the comparison's runs")
    p.add_argument("--seeds", default="0-2", help="the comparison's seeds")
    p.add_argument("--no-compare", action="store_true", help="the scale table only")
    p.add_argument("--smoke", action="store_true",
                   help="10 and 20 cells x 168 h, the comparison on 12 cells, one seed")
    a = p.parse_args(argv)
    if a.smoke:
        a.cells, a.hours, a.epochs, a.seeds = "10,20", 168, 1, "0"
    counts = [int(c) for c in a.cells.split(",")]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; hourly long "
          f"exports of {a.hours} points per cell, lookback {a.lookback}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scale(folder, counts, a.hours, a.lookback)
        if not a.no_compare:
            comparison(folder, 12 if a.smoke else max(counts), a.hours, a.lookback, a.epochs,
                       a.seeds)
    print(f"load average after {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

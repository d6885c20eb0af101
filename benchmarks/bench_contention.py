"""Epoch time of the default comparison's model on a quiet and on a busy machine, for torch's
thread defaults and for the policy the package applies (`importance.runtime`).

Run from the repository root, in the venv:
    python -m benchmarks.bench_contention [--epochs 3] [--busy 0 1 2]
    python -m benchmarks.bench_contention --smoke   # seconds: a check that it runs
Each (policy, load) pair runs in its own subprocess: OpenMP reads OMP_WAIT_POLICY once, when
torch is imported. An epoch = every training window of the embedded default series (square
5060, lookback 144, stride 1), LSTM hidden 32, batch 64, Adam: what `importance compare`
trains per epoch with the `full` strategy. The competing processes are plain CPU-bound Python
loops at normal priority (what a browser tab, an IDE or another run does to a core).
--smoke: the chosen policy only, next to one busy process, one epoch of the first 128
training windows.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMOKE_WINDOWS = 128
POLICIES = {
    "torch default (2 threads, spin-waiting)": {"IMPORTANCE_RUNTIME": "off"},
    "1 thread": {"IMPORTANCE_RUNTIME": "off", "BENCH_THREADS": "1"},
    "2 threads, passive waiting": {"IMPORTANCE_RUNTIME": "off", "BENCH_THREADS": "2",
                                   "OMP_WAIT_POLICY": "PASSIVE"},
    "chosen: importance.runtime (adaptive)": {},
}
SMOKE_POLICY = "chosen: importance.runtime (adaptive)"


def child(epochs: int, windows: int | None) -> None:
    """Time `epochs` epochs (of the first `windows` training windows; None: all) after a
    warm-up one; print one JSON line."""
    import torch

    if os.environ.get("BENCH_THREADS"):
        torch.set_num_threads(int(os.environ["BENCH_THREADS"]))
    from importance import runtime

    runtime.configure()  # leaves torch alone under IMPORTANCE_RUNTIME=off (no governor)
    from importance.config import ModelConfig, WindowConfig
    from importance.data import load_series
    from importance.data.windows import make_windows
    from importance.models import build_model, per_sample_loss

    ws = make_windows(load_series().values, WindowConfig())
    torch.manual_seed(0)
    model = build_model(ModelConfig(), n_features=ws.n_features, lookback=144, horizon=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = torch.from_numpy(ws.train.x[:windows]), torch.from_numpy(ws.train.y[:windows])
    seconds = []
    for epoch in range(epochs + 1):
        start = time.perf_counter()
        for i in range(0, len(x), 64):
            runtime.tick()  # as the trainer does between batches
            opt.zero_grad()
            per_sample_loss(model(x[i:i + 64]), y[i:i + 64]).mean().backward()
            opt.step()
        if epoch:
            seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "threads": torch.get_num_threads()}))


def _spin() -> None:
    while True:
        sum(i * i for i in range(10_000))


def run(policy: dict[str, str], epochs: int, busy: int, smoke: bool) -> dict:
    spinners = [mp.get_context("spawn").Process(target=_spin, daemon=True) for _ in range(busy)]
    for p in spinners:
        p.start()
    try:
        env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | policy
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_contention", "--child",
                              "--epochs", str(epochs), *(["--smoke"] if smoke else [])],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        for p in spinners:
            p.kill()
            p.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--smoke", action="store_true",
                        help="the chosen policy, one busy process, one tiny epoch (a check "
                             "that it runs)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    policies = POLICIES
    if args.smoke:
        args.epochs, args.busy = 1, [1]
        policies = {SMOKE_POLICY: POLICIES[SMOKE_POLICY]}
    if args.child:
        child(args.epochs, SMOKE_WINDOWS if args.smoke else None)
        return
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}; "
          f"median epoch seconds over {args.epochs} epochs (after a warm-up epoch)")
    quiet: dict[str, float] = {}
    for name, policy in policies.items():
        cells = []
        for busy in args.busy:
            res = run(policy, args.epochs, busy, args.smoke)
            med = statistics.median(res["seconds"])
            quiet.setdefault(name, med)
            cells.append(f"{busy} busy: {med:6.2f} s ({med / quiet[name]:4.2f}x)")
        print(f"  {name:<42} [{res['threads']} threads]  " + "   ".join(cells))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

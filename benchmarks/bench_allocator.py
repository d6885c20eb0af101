"""LSTM training epoch with glibc malloc vs tcmalloc (and two glibc/torch knobs, for reference).

Run from the repository root, in the venv:
    python -m benchmarks.bench_allocator [--epochs 3] [--rounds 1]
    python -m benchmarks.bench_allocator --smoke   # glibc and tcmalloc, tiny epochs: seconds
Each allocator runs in its own subprocess (LD_PRELOAD only takes effect at process start).
An epoch = 20 Adam steps of B=512 windows, LSTM h=64, T=144, F=3, timed both as the plain
step (forward, mean-loss backward) and as `train_step_with_norms` (--smoke: 2 steps of B=16,
h=8, T=12, one epoch, without the two extra glibc/torch knobs). Needs Debian's
libtcmalloc-minimal4 (`apt-get install -y libtcmalloc-minimal4`) for the tcmalloc rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple


class Shape(NamedTuple):
    """One epoch: `steps` Adam steps of `b` windows of `t` steps x `f` features, LSTM `h`."""

    steps: int
    b: int
    t: int
    f: int
    h: int


REAL, SMOKE = Shape(20, 512, 144, 3, 64), Shape(2, 16, 12, 3, 8)
ROOT = Path(__file__).resolve().parents[1]
TCMALLOC_PATHS = ("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
                  "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4")


def find_tcmalloc() -> str | None:
    """Path of libtcmalloc_minimal.so.4 from the usual Debian places or `ldconfig -p`."""
    for path in TCMALLOC_PATHS:
        if Path(path).exists():
            return path
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return None
    hits = [line.split("=>")[-1].strip() for line in listing.splitlines()
            if "libtcmalloc_minimal.so.4" in line]
    return hits[0] if hits else None


def child(epochs: int, shape: Shape) -> None:
    """Time `epochs` epochs (after a warm-up one) of each step kind; print one JSON line."""
    import torch

    from importance.models import RecurrentForecaster, per_sample_loss
    from importance.scoring import train_step_with_norms

    torch.manual_seed(0)
    xs = torch.randn(shape.steps, shape.b, shape.t, shape.f)
    ys = torch.randn(shape.steps, shape.b, 1)
    model = RecurrentForecaster("lstm", shape.f, shape.h, 1, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def plain(x: torch.Tensor, y: torch.Tensor) -> None:
        per_sample_loss(model(x), y).mean().backward()

    def norms(x: torch.Tensor, y: torch.Tensor) -> None:
        train_step_with_norms(model, x, y)

    out: dict[str, float] = {}
    for name, step in (("plain", plain), ("norms", norms)):
        times, faults = [], []
        for epoch in range(epochs + 1):
            f0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
            for x, y in zip(xs, ys, strict=True):
                opt.zero_grad(set_to_none=True)
                step(x, y)
                opt.step()
            if epoch:  # epoch 0 is the warm-up
                times.append(time.perf_counter() - t0)
                faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
        out[name], out[f"{name}_faults"] = statistics.median(times), statistics.median(faults)
    out["threads"] = torch.get_num_threads()
    print(json.dumps(out))


def run_variant(env_extra: dict[str, str], epochs: int, smoke: bool) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"} | env_extra
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_allocator", "--child",
                           "--epochs", str(epochs), *(["--smoke"] if smoke else [])],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per variant (median)")
    ap.add_argument("--rounds", type=int, default=1, help="passes over all variants")
    ap.add_argument("--smoke", action="store_true",
                    help="glibc and tcmalloc, one tiny epoch each (a check that it runs)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    shape = SMOKE if args.smoke else REAL
    if args.smoke:
        args.epochs, args.rounds = 1, 1
    if args.child:
        child(args.epochs, shape)
        return
    variants: dict[str, dict[str, str]] = {"glibc malloc (no LD_PRELOAD)": {}}
    tcmalloc = find_tcmalloc()
    if tcmalloc:
        variants["tcmalloc (LD_PRELOAD)"] = {"LD_PRELOAD": tcmalloc}
    else:
        print("tcmalloc not found: apt-get install -y libtcmalloc-minimal4; skipping it")
    if not args.smoke:  # two more environments on the same path
        variants["glibc, extra: mmap off, no trim (GLIBC_TUNABLES)"] = {
            "GLIBC_TUNABLES": "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295"}
        variants["glibc, extra: THP_MEM_ALLOC_ENABLE=1 (torch)"] = {"THP_MEM_ALLOC_ENABLE": "1"}
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    for _ in range(args.rounds):
        for name, env in variants.items():
            runs[name].append(run_variant(env, args.epochs, args.smoke))
    res = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in runs.items()}
    threads = int(next(iter(res.values()))["threads"])
    print(f"LSTM training epoch: {shape.steps} Adam steps x B={shape.b}, h={shape.h}, "
          f"T={shape.t}, F={shape.f}; "
          f"torch threads {threads}; median of {args.epochs} epochs x {args.rounds} round(s); "
          f"load average {os.getloadavg()[0]:.2f}")
    if tcmalloc:
        print(f"tcmalloc: {tcmalloc}")
    print(f"  {'allocator':<50s} {'plain s':>8s} {'faults':>8s} {'norms s':>8s} {'faults':>8s}")
    for name, r in res.items():
        print(f"  {name:<50s} {r['plain']:8.2f} {r['plain_faults']:8.0f} {r['norms']:8.2f} "
              f"{r['norms_faults']:8.0f}")
    base = res["glibc malloc (no LD_PRELOAD)"]
    if tcmalloc:
        tc = res["tcmalloc (LD_PRELOAD)"]
        print(f"glibc / tcmalloc epoch time: plain {base['plain'] / tc['plain']:.2f}x, "
              f"train_step_with_norms {base['norms'] / tc['norms']:.2f}x")
    for name, r in res.items():
        print(f"train_step_with_norms / plain step, {name}: {r['norms'] / r['plain']:.2f}x")


if __name__ == "__main__":
    main()

"""Time reading operators' exports: describe + load of a large long-format file and of the
realistic test fixtures, on a quiet machine and with one competing CPU-bound process.

Usage: python -m benchmarks.bench_loader [--stations 250] [--days 90] [--repeat 3]
       python -m benchmarks.bench_loader --smoke   # 8 stations x 7 days, each case once
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from importance.data import describe_source, load_series

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as benchmarks/bench_loader.py
from tests.fixtures.exports import EXPORTS  # noqa: E402 - after the path fix


def write_long(path: Path, stations: int, days: int) -> int:
    """`Time,BS,Energy`, hourly, naive `%Y-%m-%d %H:%M:%S` times; returns the row count."""
    idx = pd.date_range("2019-01-01", periods=24 * days, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"Time": np.tile(idx, stations),
                          "BS": np.repeat([f"BS_{i}" for i in range(stations)], len(idx)),
                          "Energy": np.round(rng.random(stations * len(idx)) * 100, 2)})
    frame.to_csv(path, index=False)
    return len(frame)


def _spin(stop: mp.Event) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds of each of `repeat` cold reads: the file cache (`importance.data.cache`) is
    emptied before each, so every read parses the file."""
    from importance.data import cache

    out = []
    for _ in range(repeat):
        cache.clear()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def measure(cases: dict[str, Callable[[], object]], repeat: int, busy: bool) -> None:
    stop = mp.Event()
    spinner = mp.Process(target=_spin, args=(stop,), daemon=True) if busy else None
    if spinner:
        spinner.start()
    try:
        for name, fn in cases.items():
            s = timed(fn, repeat)
            print(f"  {name:<50} median {statistics.median(s):6.2f} s  "
                  f"({', '.join(f'{x:.2f}' for x in s)})")
    finally:
        stop.set()
        if spinner:
            spinner.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=250)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help="8 stations x 7 days, each case once (a check that it runs)")
    args = parser.parse_args()
    if args.smoke:
        args.stations, args.days, args.repeat = 8, 7, 1  # BS_7 is loaded
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "bs_energy_long.csv"
        rows = write_long(big, args.stations, args.days)
        print(f"long file: {rows:,} rows, {big.stat().st_size / 1e6:.1f} MB; fixtures: "
              f"{len(EXPORTS)} realistic exports (tests/fixtures/exports.py)")
        cases: dict[str, Callable[[], object]] = {
            f"long {rows:,} rows: describe + load one BS": lambda: (
                describe_source(big), load_series(big, series="BS_7"))}
        for name, export in EXPORTS.items():
            paths = export.paths(Path(folder) / name)
            cases[f"fixture {name}: describe + load"] = (
                lambda p=paths, e=export: (describe_source(p), load_series(
                    p, series=e.series, column=e.column)))
        for busy in (False, True):
            print("with one competing CPU-bound process:" if busy else "quiet:")
            measure(cases, args.repeat, busy)


if __name__ == "__main__":
    main()

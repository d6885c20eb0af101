"""Time `read_milan_raw` on a synthetic full-size raw day (10,000 squares x 144 slots).

The file (~5 M rows, ~300 MB) is written to a temporary folder and deleted afterwards.
Usage: python benchmarks/bench_milan_raw.py [--repeat 3] [--date 2013-12-02] [--rows-per-cell 3.5]
       python benchmarks/bench_milan_raw.py --smoke   # 50 squares, one read: seconds
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from importance.data import read_milan_raw
from importance.data.synthetic import write_raw_day

ALL_SQUARES = range(1, 10_001)
SMOKE_SQUARES = range(1, 51)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2013, 12, 2))
    parser.add_argument("--rows-per-cell", type=float, default=3.5,
                        help="country-code rows per (square, slot); 3.5 gives ~5 M rows")
    parser.add_argument("--smoke", action="store_true",
                        help="the first 50 squares, read once (a check that it runs)")
    args = parser.parse_args()
    squares = SMOKE_SQUARES if args.smoke else ALL_SQUARES
    if args.smoke:
        args.repeat = 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"sms-call-internet-mi-{args.date}.txt"
        start = time.perf_counter()
        write_raw_day(path, args.date, squares=squares, rows_per_cell=args.rows_per_cell)
        written = time.perf_counter() - start
        with open(path, "rb") as f:
            rows = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
        print(f"file: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
              f"(written in {written:.1f} s)")
        seconds = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            frame = read_milan_raw(path, activity="internet")
            seconds.append(time.perf_counter() - start)
        print(f"read_milan_raw (all squares, internet) -> {frame.shape[0]} slots x "
              f"{frame.shape[1]} squares")
        print(f"seconds over {args.repeat} runs: best {min(seconds):.2f}, "
              f"median {statistics.median(seconds):.2f} "
              f"({', '.join(f'{s:.2f}' for s in seconds)})")


if __name__ == "__main__":
    main()

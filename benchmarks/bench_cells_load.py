"""Time loading many cells of one export cold (issue 22): `importance.data.load_many` on the
1,000-cell x 672-hour long-format fixture (`tests.fixtures.panels`), for 10, 100 and 1,000
cells, the file caches emptied before each load (`importance.data.cache.clear`): the parse
(read, layout, timestamps) and the series taken from it, and with --series-of the same
series taken one at a time by `generic.series_of` (the path before the array loader).

Usage: python -m benchmarks.bench_cells_load [--cells 10,100,1000] [--hours 672] [--repeat 3]
       python -m benchmarks.bench_cells_load --series-of   # also the one-at-a-time path
       python -m benchmarks.bench_cells_load --smoke       # 10 and 20 cells x 168 h, once
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as a script
from importance.data import cache, generic, load_many  # noqa: E402 - after the path fix
from tests.fixtures import panels  # noqa: E402


def cold(path: Path, ids: list[str], repeat: int, one_at_a_time: bool) -> tuple[float, float]:
    """Median seconds of (the parse, the parse and the series) over `repeat` cold loads."""
    parse, total = [], []
    for _ in range(repeat):
        cache.clear()
        start = time.perf_counter()
        parts = generic.parsed([path])
        parse.append(time.perf_counter() - start)
        if one_at_a_time:
            for s in ids:
                generic.series_of(parts, series=s)
        else:
            load_many(path, ids)
        total.append(time.perf_counter() - start)
    return statistics.median(parse), statistics.median(total)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", default="10,100,1000", help="cell counts, comma-separated")
    p.add_argument("--hours", type=int, default=672)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--series-of", action="store_true",
                   help="also take the series one at a time (generic.series_of)")
    p.add_argument("--smoke", action="store_true", help="10 and 20 of 20 cells x 168 h, once")
    a = p.parse_args(argv)
    if a.smoke:
        a.cells, a.hours, a.repeat, a.series_of = "10,20", 168, 1, True
    counts = [int(c) for c in a.cells.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        path = panels.write_hourly_long(Path(folder) / "cells.csv", max(counts), a.hours)
        print(f"{path.name}: {max(counts):,} cells x {a.hours} hours, "
              f"{path.stat().st_size / 2**20:.1f} MiB; cold loads, median of {a.repeat}")
        print(f"{'cells':>6} {'parse s':>8} {'series s':>9} {'load s':>7}"
              + (f" {'one at a time s':>16}" if a.series_of else ""))
        for n in counts:
            ids = panels.cell_ids(max(counts))[:n]
            parse, total = cold(path, ids, a.repeat, False)
            line = f"{n:>6,} {parse:>8.2f} {total - parse:>9.2f} {total:>7.2f}"
            if a.series_of:
                line += f" {cold(path, ids, 1, True)[1]:>16.2f}"
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The launch plan on a 50-cell daily panel (issue 21): `importance compare --series <50 ids>
--strategies full --epochs 1` on a ~600 KB daily eNodeB export in long format
(`tests.fixtures.daily_panel`), in this process, with the file's parses counted.

Prints the wall time, how often the file was read (`importance.data.table.read_table`) and
the seconds spent parsing it (`importance.data.generic._parts`: reading, layout, timestamps),
the time before the first training starts (load, describe, memory guard, preflight), and the
share of the wall time spent outside training (the training loop, `importance.training.train`)
and the classical fits.

Usage: python -m benchmarks.bench_plan [--cells 50] [--days 365] [--seeds 0-2] [--classical]
       python -m benchmarks.bench_plan --smoke   # 5 cells x 120 days, one seed
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as benchmarks/bench_plan.py
from tests.fixtures.daily_panel import cell_ids, write_daily_panel  # noqa: E402 - after the fix


class Clock:
    """Calls and seconds of the functions it wraps, and when the first of one started."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.first: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self.first.setdefault(name, start)
            try:
                return fn(*args, **kwargs)
            finally:
                self.calls[name] = self.calls.get(name, 0) + 1
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        return timed


@contextlib.contextmanager
def patched(clock: Clock):
    """The parse, the training loop and the classical fit wrapped by `clock`, where the code
    calls them (each module imports them by name)."""
    from importance import classical, compare_cli, experiment
    from importance.data import generic

    targets = [(generic, "read_table", "read"), (generic, "_parts", "parse"),
               (experiment, "train", "train"), (classical, "forecast_classical", "classical"),
               (experiment, "train_run", "run"), (compare_cli, "plan_comparison", "plan")]
    targets = [t for t in targets if hasattr(t[0], t[1])]  # the plan: since issue 21
    saved = [(mod, attr, getattr(mod, attr)) for mod, attr, _ in targets]
    for mod, attr, name in targets:
        setattr(mod, attr, clock.wrap(name, getattr(mod, attr)))
    try:
        yield
    finally:
        for mod, attr, fn in saved:
            setattr(mod, attr, fn)


def measure(path: Path, cells: int, seeds: str, classical: bool, runs_dir: Path) -> None:
    from importance.cli import main

    argv = ["compare", "--data", str(path), "--series", ",".join(cell_ids(cells)),
            "--strategies", "full", "--epochs", "1", "--seeds", seeds, "--no-progress",
            "--runs-dir", str(runs_dir), *(["--classical"] if classical else [])]
    clock = Clock()
    out = io.StringIO()
    with patched(clock), contextlib.redirect_stdout(out):
        start = time.perf_counter()
        code = main(argv)
        wall = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"importance compare exited {code}:\n{out.getvalue()}")
    fitting = clock.seconds.get("train", 0.0) + clock.seconds.get("classical", 0.0)
    planned = clock.first.get("train", start + wall) - start
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  wall {wall:.1f} s; file parsed {clock.calls.get('read', 0)} times, "
          f"{clock.seconds.get('parse', 0.0):.2f} s parsing (reading "
          f"{clock.seconds.get('read', 0.0):.2f} s, layout and times the rest)")
    print(f"  before the first training: {planned:.2f} s"
          + (f" (the launch plan {clock.seconds['plan']:.2f} s)" if "plan" in clock.seconds
             else ""))
    print(f"  training {clock.seconds.get('train', 0.0):.1f} s ({clock.calls.get('train', 0)} "
          f"runs), classical fits {clock.seconds.get('classical', 0.0):.1f} s; outside them "
          f"{wall - fitting:.1f} s = {(wall - fitting) / wall:.0%} of the wall time")
    runs = clock.seconds.get("run", 0.0) - clock.seconds.get("train", 0.0)
    print(f"  of which the runs besides their training loop (model, test, predictions) "
          f"{runs:.1f} s; the rest (plan, tables, verdict, storing) {wall - fitting - runs:.1f} s"
          f" = {(wall - fitting - runs) / wall:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seeds", default="0-2", help="importance compare's --seeds")
    parser.add_argument("--classical", action="store_true", help="add the classical baselines")
    parser.add_argument("--smoke", action="store_true",
                        help="5 cells x 120 days, one seed (a check that it runs)")
    args = parser.parse_args()
    if args.smoke:
        args.cells, args.days, args.seeds = 5, 120, "0"
    with tempfile.TemporaryDirectory() as folder:
        path = write_daily_panel(Path(folder) / "enb_daily.csv", args.cells, args.days)
        print(f"{path.name}: {args.cells} cells x {args.days} days, "
              f"{path.stat().st_size / 1e3:,.0f} KB; importance compare --series <{args.cells} "
              f"ids> --strategies full --epochs 1 --seeds {args.seeds}"
              + (" --classical" if args.classical else ""))
        measure(path, args.cells, args.seeds, args.classical, Path(folder) / "runs")


if __name__ == "__main__":
    main()

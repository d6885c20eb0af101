"""`importance` command line: a thin layer over the library.

    importance compare            full vs gradient-norm importance vs the rs2 control, 3 seeds
    importance compare --classical   ... plus the classical baselines (statsmodels, statsforecast)
    importance compare --series 5060,4259   one model per strategy on several series
    importance data --data FILE   what a file holds: layout, series, columns, dirty values
    importance runs               list stored runs
    importance report RUN_ID... -o report.html   one self-contained HTML report
    importance compress RUN_ID    quantised and pruned variants of a run, measured here
"""

from __future__ import annotations

import argparse
import sys

from importance import compare_cli, report_cli
from importance.cli_options import (
    SERIES_ID,
    add_data,
    add_runs_dir,
    data_from_args,
    fmt,
    print_data,
)
from importance.compress import cli as compress_cli
from importance.data import DataError, describe
from importance.data.steps import suggest_window
from importance.runs.store import RunStore
from importance.sweep import cli as sweep_cli

DATA_EXAMPLE = "example: importance data --data cells.csv --series 12 --tz Europe/Rome"
RUNS_EXAMPLE = "example: importance runs --runs-dir runs"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="importance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    compare_cli.add_parser(sub)
    sweep_cli.add_parser(sub)
    i = sub.add_parser("data", help="describe a data file",
                       description="What a file holds: its layout and format as detected, its "
                                   "series (with their lengths) and value columns, the chosen "
                                   "series' step, span, dirty values and default window.",
                       epilog=DATA_EXAMPLE)
    add_data(i, f"{SERIES_ID} (default: 5060, or the file's first)")
    r = sub.add_parser("runs", help="list stored runs", description="List the stored runs.",
                       epilog=RUNS_EXAMPLE)
    add_runs_dir(r)
    report_cli.add_parser(sub)
    compress_cli.add_parser(sub)
    return parser


def cmd_data(a: argparse.Namespace) -> int:
    from importance.experiment import load_data

    data = data_from_args(a)
    if data.is_panel:
        raise ValueError(f"importance data describes one series; got --series {a.series} "
                         "(several ids are for importance compare)")
    info = describe(data)
    if info.series:
        shown = ", ".join(f"{s} ({info.lengths.get(s, 0):,} rows)" if info.lengths else s
                          for s in info.series[:30])
        more = f", ... ({len(info.series)} in all)" if len(info.series) > 30 else ""
        print(f"series: {shown}{more}")
    print(f"value columns: {', '.join(info.columns)}")
    loaded = load_data(data)
    print_data(loaded)
    choice = suggest_window(loaded.values, loaded.freq)
    print(f"default window: {'; '.join(choice.reasons)}")
    return 0


def cmd_runs(a: argparse.Namespace) -> int:
    """Every readable run, then each unreadable folder with the reason (skipped elsewhere)."""
    store = RunStore(a.runs_dir)
    scan = store.scan()
    if not scan.ids and not scan.unreadable:
        print(f"no runs in {store.root}")
        return 0
    if not scan.ids:
        print(f"no readable runs in {store.root}")
    for run_id in scan.ids:
        try:
            s = store.load(run_id).summary
        except (KeyError, ValueError) as exc:  # removed or damaged since the scan
            print(f"{run_id}  unreadable: {exc}")
            continue
        print(f"{run_id}  {s['strategy']:>9}  MAE {fmt(s['test_mae'])}  "
              f"backprop {fmt(s['samples_backprop'])}  wall {fmt(s['wall_s'], 1)}s  "
              f"{s.get('series_label', '')}")
    if scan.unreadable:
        n = len(scan.unreadable)
        print(f"{n} unreadable run folder{'s' if n > 1 else ''} in {store.root} "
              "(skipped by every page and command):")
        for name, reason in scan.unreadable:
            print(f"  {name}  {reason}")
    return 0


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    try:
        return {"compare": compare_cli.run, "data": cmd_data, "runs": cmd_runs,
                "sweep": sweep_cli.run, "report": report_cli.run,
                "compress": compress_cli.run}[a.command](a)
    except (DataError, ValueError, FileNotFoundError) as exc:
        # ValueError includes a diverged run (importance.training.NonFiniteLoss: epoch, batch,
        # learning rate), an invalid run id and an unreadable run (importance.runs.store)
        _close_progress_bars()
        print(f"importance: error: {exc}", file=sys.stderr)
        return 2


def _close_progress_bars() -> None:
    """End the progress bars a failed command left open, so the error gets its own line."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or ()):
        bar.close()


if __name__ == "__main__":
    sys.exit(main())

"""`importance report RUN_ID... -o report.html`: the self-contained HTML report of stored runs
(`importance.report`), registered by `importance.cli`."""

from __future__ import annotations

import argparse
from pathlib import Path

REPORT_EXAMPLE = ("example: importance report 20261206T101500-full 20261206T101530-gradnorm "
                  "-o report.html")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The `report` subcommand of `importance`'s parser."""
    from importance.runs.store import default_runs_dir

    p = sub.add_parser(
        "report", help="write one self-contained HTML report of stored runs",
        description="Write one HTML file that opens offline (charts included, no network): "
                    "the verdict, a comparison table with units, the classical models stored "
                    "for the runs' data (`importance compare --classical` fits and stores "
                    "them; without any, a line says so), the validation MAE per epoch, time "
                    "and energy by phase, the forecasts on the test period, the runs' "
                    "settings, how energy was measured and where the data came from. "
                    "List run ids with `importance runs`.",
        epilog=REPORT_EXAMPLE)
    p.add_argument("run_ids", nargs="+", metavar="RUN_ID",
                   help="stored runs to report, oldest first (the newest full-data run is the "
                        "baseline unless --baseline names another)")
    p.add_argument("-o", "--output", type=Path, default=Path("report.html"),
                   help="the HTML file to write (default: %(default)s)")
    p.add_argument("--baseline", default=None, metavar="RUN_ID",
                   help="the run savings are measured against (default: the newest full-data "
                        "run among RUN_ID)")
    p.add_argument("--runs-dir", type=Path, default=None,
                   help=f"run store folder (default: $IMPORTANCE_RUNS_DIR or {default_runs_dir()})")
    return p


def run(a: argparse.Namespace) -> int:
    """Write the report; KeyError (an unknown run id) is reported as an error (exit 2)."""
    from importance.report import write_report
    from importance.runs.store import RunStore

    store = RunStore(a.runs_dir)
    if a.baseline is not None and a.baseline not in a.run_ids:
        raise ValueError(f"--baseline {a.baseline} is not among the reported runs")
    try:
        out = write_report(store, a.run_ids, a.output, base_id=a.baseline)
    except KeyError as exc:
        raise ValueError(exc.args[0] if exc.args else str(exc)) from None
    size = out.stat().st_size / 1e6
    print(f"report of {len(a.run_ids)} run{'s' if len(a.run_ids) > 1 else ''} written to "
          f"{out} ({size:.1f} MB, opens offline)")
    return 0

"""`importance sweep`: a grid of runs on Dask, local by default or on a cluster.

The run options (data, window, model, training) are the ones `compare` has, from
`importance.cli_options`, and each run's config is built by its `run_config` as `compare`'s
are; what a sweep varies has its own plural options, and `--series` names the series of the
grid (one model per series, where `compare` trains one model on all the series it names), or
`--groups` / `--groups-file` groups of cells (`importance.sweep.groups`: one global model per
group, as `compare` trains on the group's cells).
Exit status: 0 when every run is done, 1 when some failed, 130 when stopped by Ctrl-C (a
second Ctrl-C quits at once), 2 on an invalid request.
It ends with the headline of the verdict on the sweep's finished runs (`importance.verdict`),
which `--json` writes in full under "verdict".
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importance.cli_options import add_data, add_run_options, data_from_args
from importance.config import DataConfig
from importance.plan import SweepPlan, plan_sweep
from importance.runs.store import _finite
from importance.runs.tasks import CANCELLED, DONE, FAILED

if TYPE_CHECKING:
    from importance.sweep.groups import Group

SWEEP_EXAMPLE = ("example: importance sweep --strategies full,gradnorm --keep-ratios 0.5,0.7 "
                 "--seeds 0-2 --series 5060,4259 --epochs 2 --json sweep.json; one model per "
                 "group of cells: --groups 'north=eNB_310*;south=eNB_311*'")
RUN_FIELDS = ("test_mae", "test_rmse", "test_smape", "epochs_run", "samples_backprop",
              "samples_forward", "wall_s", "scoring_s", "energy_kwh", "emissions_kg")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `sweep` on the `importance` command's subparsers."""
    from importance.runs.dask_executor import ADDRESS_ENV

    s = sub.add_parser(
        "sweep", help="run a grid of strategies x keep ratios x seeds x series on Dask",
        description="Train one run per cell of a grid (strategies x keep ratios x seeds x "
                    "series, or x groups of cells: one global model per group) on Dask "
                    "workers: a local cluster of one process per core, or an "
                    "existing cluster. Workers return each run and this process stores it, "
                    "so a cluster needs no shared filesystem. Running the same sweep again "
                    "trains only its unfinished runs. Ctrl-C stops it: pending runs are "
                    "dropped, running ones stop at their next batch.",
        epilog=SWEEP_EXAMPLE)
    add_data(s, "the grid's series: square ids (or the station/cell ids of a long or "
                "transposed file), comma-separated, 'all', 'top:N' for the N largest by "
                "total volume, or an id pattern such as 'eNB_31*' (a glob over whole ids); "
                "all, top:N and patterns leave out cells with nothing to forecast and say "
                "which; each series is a cell of its own and trains its own models "
                "(importance compare --series a,b trains one model on all of them instead) "
                "(default: the data's default series)")
    s.add_argument("--groups", default=None, metavar="NAME=CHOICE;...",
                   help="cell groups instead of --series: each group is a series of the grid "
                        "whose runs train one global model over its cells, e.g. "
                        "'north=eNB_310*;south=eNB_311*' (each choice as --series takes it: "
                        "ids with commas, all, top:N, an id pattern)")
    s.add_argument("--groups-file", type=Path, default=None, metavar="CSV",
                   help="cell groups from a cell-to-group table: a header row naming two "
                        "columns (e.g. cell,group), then one row per cell: its id and its "
                        "group's name (comma, semicolon or tab separated); cells with "
                        "nothing to forecast are left out, per group")
    s.add_argument("--strategies", default="full,gradnorm,random",
                   help="comma-separated, from the registered strategies (default: %(default)s)")
    s.add_argument("--keep-ratios", default="0.7",
                   help="comma-separated keep ratios in (0, 1] for the strategies that take "
                        "one (InfoBatch: as its target budget); one without (full, dpet) runs "
                        "once per seed and series (default: %(default)s)")
    s.add_argument("--seeds", default="0",
                   help="comma-separated seeds or ranges, e.g. 0,1,2 or 0-4 (default: "
                        "%(default)s)")
    s.add_argument("--address", default=None, metavar="tcp://HOST:PORT",
                   help=f"an existing Dask scheduler (default: ${ADDRESS_ENV}, else a local "
                        "cluster on 127.0.0.1)")
    s.add_argument("--workers", type=int, default=None,
                   help="local cluster only: worker processes, one thread each (default: one "
                        "per core)")
    s.add_argument("--json", type=Path, default=None,
                   help="also write the sweep as JSON here: one entry per run under 'runs', "
                        "the verdict of its finished runs under 'verdict' (importance.verdict)")
    add_run_options(s)
    return s


def plan(a: argparse.Namespace) -> SweepPlan:
    """The grid from the options, its series loaded once and checked (the window; the memory
    too when the runs train on this machine): `importance.plan.plan_sweep` (ValueError when
    it cannot work)."""
    from importance.sweep.grid import (
        Axes,
        parse_keep_ratios,
        parse_seeds,
        parse_strategies,
        resolve_series,
    )

    strategies = parse_strategies(a.strategies)
    keeps, seeds = parse_keep_ratios(a.keep_ratios), parse_seeds(a.seeds)
    if a.workers is not None and a.workers < 1:
        raise ValueError(f"--workers must be at least 1; got {a.workers}")
    data = data_from_args(argparse.Namespace(**{**vars(a), "series": None}))  # one, for now
    groups = resolve_groups(a, data)
    if groups:
        for g in groups:
            print(g.words())
        cells = groups[0].cells
        axes = Axes(strategies, keeps, seeds, tuple(g.name for g in groups),
                    tuple((g.name, g.cells.ids) for g in groups))
    else:
        cells = resolve_series(a.series, data)
        if a.series is not None:
            print(f"series: {cells.words()}")
        axes = Axes(strategies, keeps, seeds, cells.ids)
    # a wide file's cells name their own value columns; each cell of the grid names its series
    data = replace(cells.data_config(data), series=None)
    if a.address is None:  # a local cluster: its workers train at once on this machine
        from importance.runs.dask_executor import default_workers

        return plan_sweep(a, data, axes, workers=a.workers or default_workers())
    return plan_sweep(a, data, axes, guard_memory=False)


def resolve_groups(a: argparse.Namespace, data: DataConfig) -> tuple[Group, ...]:
    """The cell groups of `--groups` or `--groups-file` (`importance.sweep.groups`); () when
    neither is given. ValueError when they are given with each other or with --series."""
    from importance.sweep.groups import parse_groups, read_groups_file

    given = [name for name, value in (("--series", a.series), ("--groups", a.groups),
                                      ("--groups-file", a.groups_file)) if value is not None]
    if len(given) > 1:
        raise ValueError(f"{' and '.join(given)} are exclusive: a sweep's series are cells "
                         "(--series, one model each) or groups of cells (--groups or "
                         "--groups-file, one model per group)")
    if a.groups is not None:
        return parse_groups(a.groups, data)
    if a.groups_file is not None:
        return read_groups_file(a.groups_file, data)
    return ()


def run(a: argparse.Namespace) -> int:
    from importance.runs.dask_executor import DaskExecutor
    from importance.runs.store import RunStore
    from importance.sweep.grid import takes_keep_ratio
    from importance.sweep.runner import Sweep
    from importance.sweep.view import sweep_verdict

    planned = plan(a)
    axes, cells = planned.axes, list(planned.cells)
    store = RunStore(a.runs_dir)
    single = [s for s in axes.strategies if not takes_keep_ratio(s)]
    what = "group" if axes.groups else "series"
    print(f"sweep: {len(cells)} runs = {_n(axes.strategies, 'strategy', 'strategies')} x "
          f"{_n(axes.keep_ratios, 'keep ratio')} x {_n(axes.seeds, 'seed')} x "
          f"{_n(axes.series, what, what + ('s' if axes.groups else ''))}"
          + (f" ({', '.join(single)}: one run per seed and {what})" if single else ""))
    sweep = Sweep(cells, axes, store)
    if sweep.finished:
        print(f"sweep {sweep.sweep_id}: {len(sweep.finished)} runs done before, "
              f"{len(sweep.todo)} to train")
    ex = None
    if sweep.todo:
        ex = DaskExecutor(a.address, n_workers=a.workers)
        where = f"Dask cluster at {ex.address}" if ex.address else "local Dask cluster"
        print(f"{where}: {_n(range(ex.workers), 'worker')}")
        if ex.address and planned.paths:
            try:
                ex.check_paths(planned.paths)
            except BaseException:
                ex.shutdown()
                raise
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame) -> None:  # first Ctrl-C: stop; the next one: quit
        stop.set()
        signal.signal(signal.SIGINT, previous)

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGINT, on_sigint)
    display = Display(disabled=a.no_progress)
    try:
        with display:
            result = sweep.run(ex, on_update=display.update, stop=stop)
    except KeyboardInterrupt:  # the second Ctrl-C
        print(f"sweep {sweep.sweep_id}: quit; run the same command again to resume it",
              file=sys.stderr)
        return 130
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        if ex is not None:
            ex.shutdown()
    st = result.state
    print(f"sweep {result.sweep_id}: {st.done} done, {st.failed} failed, {st.cancelled} "
          f"cancelled, {st.skipped} done before (resumed)")
    for entry in result.record.cells.values():
        if entry["status"] == FAILED:
            print(f"  failed {entry['key']}: {entry['error']}")
    print(f"runs stored in {store.root}; sweep record {result.path}")
    runs = finished_runs(result, store)
    found = sweep_verdict(runs)  # pooled over series as on the Sweep page
    print(found.headline.replace("**", ""))  # the engine's, markdown bold removed
    if a.json is not None:
        doc = sweep_json(result, runs) | {"verdict": found.to_json()}
        a.json.write_text(json.dumps(_finite(doc), indent=1, allow_nan=False))
    if stop.is_set():
        return 130
    return 0 if result.complete else 1


def finished_runs(result, store) -> list:
    """The stored runs of the sweep's done cells (those done before included; a run removed or
    damaged since is left out)."""
    out = []
    for entry in result.record.cells.values():
        if entry["status"] == DONE and entry.get("run_id"):
            try:
                out.append(store.load(entry["run_id"]))
            except (KeyError, ValueError):
                continue
    return out


def sweep_json(result, runs) -> dict[str, Any]:
    """The sweep as `--json` writes it: its id, axes and counts, and one entry per cell (with
    its run's figures when `runs`, the sweep's finished runs, hold it)."""
    by_id = {r.run_id: r.summary for r in runs}
    cells = []
    for entry in result.record.cells.values():
        row = {k: entry.get(k) for k in ("key", "strategy", "keep_ratio", "seed", "series",
                                         "status", "run_id", "error")}
        if entry["status"] == DONE and entry.get("run_id"):
            s = by_id.get(entry["run_id"], {})
            row |= {k: s.get(k) for k in RUN_FIELDS}
        cells.append(row)
    st = result.state
    return {"sweep_id": result.sweep_id, "record": result.path, "axes": result.record.axes,
            "counts": {"runs": st.total, "done": st.done + st.skipped, "trained_now": st.done,
                       "resumed": st.skipped, "failed": st.failed, "cancelled": st.cancelled},
            "runs": cells}


class Display:
    """A rich progress bar on stderr (done / running / failed, epochs, time left), and a line
    per finished run on stdout; with `disabled`, the lines only."""

    def __init__(self, disabled: bool = False):
        self.disabled = disabled
        self._progress = None
        self._task = None
        self._shown = 0  # finished cells printed so far
        self._stopping = False

    def __enter__(self) -> Display:
        if not self.disabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.fields[left]}"),
                                      console=Console(file=sys.stderr), transient=False)
            self._progress.start()
            self._task = self._progress.add_task("sweep", total=None, left="")
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, st) -> None:
        from importance.sweep.view import duration_words

        if st.stopping and not self._stopping:
            self._stopping = True
            self._print("stopping: pending runs dropped, running ones stop at their next "
                        "batch (Ctrl-C again to quit now)")
        for finished in st.finished_log[self._shown:]:
            self._line(finished)
        self._shown = len(st.finished_log)
        if self._progress is None:
            return
        left = st.seconds_left()
        text = (f"{st.done + st.skipped}/{st.total} done · {len(st.running)} running · "
                f"{st.failed} failed" + (" · stopping" if st.stopping else ""))
        self._progress.update(self._task, description=text, total=max(st.epochs_total, 1),
                              completed=st.epochs_done,
                              left="" if left is None else f"~{duration_words(left)} left")

    def _line(self, res) -> None:
        if res.status == DONE:
            mae = "" if res.test_mae is None else f"  test MAE {res.test_mae:.4g}"
            text = f"done      {res.key}{mae}  run {res.run_id}"
        elif res.status == CANCELLED:
            text = f"cancelled {res.key}"
        else:
            text = f"failed    {res.key}: {res.error}"
        self._print(text)

    def _print(self, text: str) -> None:
        if self._progress is not None:  # above the bar
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, flush=True)


def _n(values, one: str, many: str | None = None) -> str:
    return f"{len(values)} {one if len(values) == 1 else many or one + 's'}"

"""The unit of work a job's process runs, and the loop of a local worker process.

`run_job` is the one function every executor runs: plain and picklable, it takes a run
config and a runs folder, trains and stores the run with `run_experiment` in the calling
process (so the energy tracker measures this process), reports progress through a callback
and stops when its cancel flag is set (anything with `is_set()`: a `threading.Event`, a
`multiprocessing` Event, a `distributed.Event`). `execute` wraps it into an `Outcome`, and
`serve` is the main function of `LocalProcessExecutor`'s long-lived worker process: it
imports torch once, then runs the tasks it receives over a pipe one at a time.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import signal
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from importance.runs.tasks import (
    CANCELLED,
    DONE,
    FAILED,
    Outcome,
    Progress,
    Ready,
    Task,
)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from importance.config import RunConfig, TrainConfig

Report = Callable[[str, Any], None]  # report(kind, data): ("phase", "training"), ("epoch", {...})
# A worker whose resident memory grew past this after a job exits, so the heap a big run
# left behind (glibc keeps freed memory with the tuned allocator) goes back to the system;
# the next job starts a fresh process.
RECYCLE_RSS = 2 * 2**30


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


def reporting_meter(train: TrainConfig, report: Report):
    """An EnergyMeter that also reports each phase ("scoring", "training", "evaluation") as it
    starts, so a page can show what a running job is doing between epoch events."""
    from importance.energy import EnergyMeter

    class ReportingMeter(EnergyMeter):
        @contextmanager
        def phase(self, name: str):
            report("phase", name)
            with super().phase(name) as e:
                yield e

    return ReportingMeter(train.country, train.grid_source)


def epoch_reporter(report: Report) -> Callable[[Any], None]:
    """A trainer's `on_event` that reports ("epoch", record) after each epoch, then ("phase",
    "saving") after the last (the configured last epoch, or the one early stopping ended on):
    what a page shows of a running job, from either executor's worker."""

    def on_event(ev) -> None:
        report("epoch", ev.record.to_dict())
        if ev.last:
            report("phase", "saving")

    return on_event


def run_job(config: RunConfig, runs_dir: str, *, report: Report | None = None,
            cancel: CancelFlag | None = None, runner: Callable[..., str] | None = None,
            batch: str = "") -> str:
    """Train, test and store one run in this process; return its run id.

    `runner` (default `run_experiment`) is called as `runner(config, store=, on_event=,
    cancel=)`, plus `meter=` and `batch=` when it accepts them. Progress goes to
    `report(kind, data)`: ("phase", name) when a phase starts and ("epoch",
    EpochRecord.to_dict()) after each epoch.
    Raises `importance.training.Cancelled` when `cancel` is set (checked between batches).
    """
    from importance.runs.store import RunStore

    if runner is None:
        from importance.experiment import run_experiment as runner
    report = report or (lambda kind, data: None)

    kwargs: dict[str, Any] = {"store": RunStore(runs_dir), "on_event": epoch_reporter(report),
                              "cancel": cancel}
    accepts = inspect.signature(runner).parameters
    if "meter" in accepts:
        kwargs["meter"] = reporting_meter(config.train, report)
    if "batch" in accepts:
        kwargs["batch"] = batch
    return runner(config, **kwargs)


def execute(task: Task, report: Report, cancel: CancelFlag) -> Outcome:
    """Run one task; every ending becomes an Outcome (BaseExceptions included: the worker
    then exits, so whatever state they left dies with it)."""
    from importance.training import Cancelled

    if cancel.is_set():  # cancelled while it waited for this process
        return Outcome(task.key, CANCELLED)
    try:
        run_id = run_job(task.config, task.runs_dir, report=report, cancel=cancel,
                         runner=task.runner, batch=task.batch)
    except Cancelled:
        return Outcome(task.key, CANCELLED)
    except Exception as exc:
        return Outcome(task.key, FAILED, error=f"{type(exc).__name__}: {exc}",
                       traceback=traceback.format_exc())
    except BaseException as exc:  # SystemExit, KeyboardInterrupt, ... inside the job
        return Outcome(task.key, FAILED, error=f"{type(exc).__name__}: {exc}".rstrip(": "),
                       traceback=traceback.format_exc(), worker_exits=True)
    return Outcome(task.key, DONE, run_id=run_id)


def rss_bytes() -> int:
    """Resident memory of this process now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def serve(conn: Connection, cancel: CancelFlag, recycle_rss: int = RECYCLE_RSS) -> None:
    """Main function of a local worker process: tasks in, Progress and Outcome out.

    Ignores SIGINT (a Ctrl-C of the server reaches its whole process group; the server
    decides), ends when the pipe closes (the server is gone) or on `None`.
    """
    t0 = time.perf_counter()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import importance.experiment  # noqa: F401 - torch, once per process
    from importance.runtime import configure

    configure()  # the thread and allocator policy of processes that train

    conn.send(Ready(os.getpid(), time.perf_counter() - t0))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(Progress(task.key, "started", {"pid": os.getpid(), "worker": "local"}))
        outcome = execute(task, lambda kind, data, key=task.key: conn.send(
            Progress(key, kind, data)), cancel)
        if rss_bytes() > recycle_rss:
            outcome = dataclasses.replace(outcome, worker_exits=True)
        conn.send(outcome)
        if outcome.worker_exits:
            return

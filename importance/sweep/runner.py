"""The driver of a sweep: submit the unfinished cells, store each run as it comes back, keep
the sweep's record, stop on request.

    sweep = Sweep(cells, axes, RunStore(root))   # finds the grid's record: what is left
    result = sweep.run(executor, on_update=show, stop=flag)

Resume: a sweep's id comes from its grid (`grid.sweep_id`), so the same grid finds its
record and trains only the cells not done yet (`SweepStore.finished`). Stop: when `stop` is
set, pending cells are dropped and running ones stop at their next batch; cells that finish
meanwhile are kept. A failing cell is recorded as failed and the others go on.

`on_update(state)` is called from the calling thread after every change; `SweepState` is
what a progress bar or a page shows (done / running / failed, epochs, time left).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from importance.runs.executor import Executor, store_outcome
from importance.runs.store import RunStore
from importance.runs.tasks import CANCELLED, DONE, FAILED, RUNNING, Outcome, Progress, Task
from importance.sweep.grid import Axes, Cell, sweep_id
from importance.sweep.store import PENDING, SweepRecord, SweepStore

SAVE_EVERY_S = 2.0  # the record is rewritten at most this often while runs finish
STOP_GRACE_S = 120.0  # running cells that have not stopped by then are ended
SKIPPED = "skipped"  # done in an earlier invocation of the sweep


@dataclass(frozen=True)
class Finished:
    """A cell that has just finished, as a progress display reports it."""

    key: str
    status: str
    run_id: str | None = None
    test_mae: float | None = None
    error: str = ""


@dataclass
class SweepState:
    """Where a sweep stands."""

    sweep_id: str
    total: int  # cells in the grid
    skipped: int = 0  # done before this invocation
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    running: dict[str, int] = field(default_factory=dict)  # key -> epochs done
    epochs_total: int = 0  # planned epochs of the cells this invocation trains
    epochs_done: int = 0  # run, plus the planned epochs a cell skipped by ending early
    started: float = field(default_factory=time.monotonic)
    stopping: bool = False
    finished_log: list[Finished] = field(default_factory=list)  # in the order they finished

    @property
    def to_train(self) -> int:
        return self.total - self.skipped

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled

    @property
    def pending(self) -> int:
        return self.to_train - self.finished - len(self.running)

    def seconds_left(self) -> float | None:
        """From the epochs per second so far; None until an epoch has finished."""
        elapsed = time.monotonic() - self.started
        if self.epochs_done <= 0 or elapsed <= 0:
            return None
        return (self.epochs_total - self.epochs_done) * elapsed / self.epochs_done


@dataclass(frozen=True)
class SweepResult:
    sweep_id: str
    record: SweepRecord  # every cell's status and run id
    state: SweepState
    path: str  # the record's file

    @property
    def complete(self) -> bool:
        return all(c["status"] == DONE for c in self.record.cells.values())


class Sweep:
    """A grid opened against a run store: its record (found again by the grid's id) and the
    cells still to train (`todo`), before any executor exists."""

    def __init__(self, cells: Sequence[Cell], axes: Axes, runs: RunStore):
        self.cells, self.axes, self.runs = list(cells), axes, runs
        self.sweeps = SweepStore(runs)
        self.sweep_id = sweep_id(self.cells)
        self.record = (self.sweeps.load(self.sweep_id)
                       or SweepRecord.new(self.sweep_id, axes, self.cells))
        self.record.merge(self.cells)
        self.finished = self.sweeps.finished(self.record)  # key -> run id, done before
        self.todo = [c for c in self.cells if c.key not in self.finished]

    def run(self, executor: Executor | None, *,
            on_update: Callable[[SweepState], None] | None = None,
            stop: threading.Event | None = None, poll: float = 0.25,
            stop_grace: float = STOP_GRACE_S) -> SweepResult:
        """Train `todo` on `executor` (None when there is nothing to train), store each run;
        see the module docstring. Running cells that have not stopped `stop_grace` s after
        `stop` are ended by the executor."""
        record = self.record
        by_key = {c.key: c for c in self.cells}
        state = SweepState(self.sweep_id, total=len(self.cells), skipped=len(self.finished))
        for c in self.todo:
            record.mark(c.key, PENDING)
            state.epochs_total += c.config.train.epochs
        path = self.sweeps.save(record)
        update = on_update or (lambda s: None)
        if self.todo and executor is None:
            raise ValueError(f"sweep {self.sweep_id} has {len(self.todo)} runs to train: it "
                             "needs an executor")
        for c in self.todo:  # the worker returns the run: no runs folder travels
            executor.submit(Task(c.key, c.config, runs_dir=""))
        update(state)
        saved_at = time.monotonic()
        epochs: dict[str, int] = {}  # key -> epochs run, of the cells that started
        left = len(self.todo)
        while left:
            if stop is not None and stop.is_set() and not state.stopping:
                state.stopping = True
                executor.cancel(grace=stop_grace)
            events = executor.events(timeout=poll)
            for ev in events:
                if isinstance(ev, Progress):
                    _progress(ev, record, state, epochs)
                else:
                    left -= 1
                    _finish(ev, by_key[ev.key], record, self.runs, state,
                            epochs.get(ev.key, 0))
            if events:
                if time.monotonic() - saved_at >= SAVE_EVERY_S:
                    self.sweeps.save(record)
                    saved_at = time.monotonic()
                update(state)
        self.sweeps.save(record)
        update(state)
        return SweepResult(self.sweep_id, record, state, str(path))


def run_sweep(cells: Sequence[Cell], axes: Axes, executor: Executor, runs: RunStore,
              **kw) -> SweepResult:
    """`Sweep(cells, axes, runs).run(executor, **kw)`."""
    return Sweep(cells, axes, runs).run(executor, **kw)


def _progress(ev: Progress, record: SweepRecord, state: SweepState,
              epochs: dict[str, int]) -> None:
    if ev.kind == "started":
        state.running[ev.key] = 0
        record.mark(ev.key, RUNNING, worker=str(ev.data.get("worker", "")))
    elif ev.kind == "epoch":
        epochs[ev.key] = epochs.get(ev.key, 0) + 1
        state.running[ev.key] = epochs[ev.key]
        state.epochs_done += 1


def _finish(out: Outcome, cell: Cell, record: SweepRecord, runs: RunStore,
            state: SweepState, ran: int) -> None:
    """Store a cell's run (its summary names the sweep, the cell and, for a group of cells,
    the group) and record how it ended."""
    state.running.pop(out.key, None)
    state.epochs_done += max(0, cell.config.train.epochs - ran)  # ended early, or never ran
    test_mae = None
    if out.artifacts is not None:
        art = out.artifacts
        test_mae = art.summary.get("test_mae")
        summary = {**art.summary, "sweep_id": record.sweep_id, "sweep_cell": out.key}
        if record.axes.get("groups"):  # its series is a group of cells: its name
            summary["sweep_group"] = cell.series
        out = dataclasses.replace(out, artifacts=dataclasses.replace(art, summary=summary))
    out = store_outcome(out, runs)
    if out.status == DONE:
        record.mark(out.key, DONE, run_id=out.run_id, worker=out.worker)
        state.done += 1
        state.finished_log.append(Finished(out.key, DONE, out.run_id, test_mae))
    elif out.status == CANCELLED:
        record.mark(out.key, CANCELLED, worker=out.worker)
        state.cancelled += 1
        state.finished_log.append(Finished(out.key, CANCELLED))
    else:
        error = out.error or "failed"
        record.mark(out.key, FAILED, error=error, worker=out.worker)
        state.failed += 1
        state.finished_log.append(Finished(out.key, FAILED, error=error))

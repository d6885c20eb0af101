"""Executors: where a run happens. One interface, two implementations.

    executor.submit(Task(key, config, runs_dir))    # queued behind the running task, if any
    for ev in executor.events(timeout=0.2):         # Progress(key, kind, data) ... then
        ...                                         # Outcome(key, status, run_id, error)
    executor.cancel(key, grace=5.0)                 # soft (between batches), then hard
    executor.shutdown()

The job manager (the dashboard's Launch) and a sweep (`importance sweep`, the Sweep page)
both drive this interface:

- `LocalProcessExecutor` (here): one long-lived worker process on this machine
  (multiprocessing "spawn": never a fork of a server holding torch threads), tasks one at a
  time, so only its first task pays the torch import; it starts a new one after a crash. It
  runs `importance.runs.worker.run_job`, which stores the run itself. A process that dies
  mid-task (an exception in the job is not a death: it is reported) ends only that task, as
  FAILED with the reason, e.g. "the job's process was killed (signal 9: likely out of
  memory)"; a hard cancel ends the process.
- `importance.runs.dask_executor.DaskExecutor`: Dask distributed, a local cluster or an
  existing one; its outcomes carry the run's artifacts, which the caller stores.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import signal
import time
from collections import deque
from typing import TYPE_CHECKING, Protocol

from importance.runs.tasks import CANCELLED, DONE, FAILED, Outcome, Progress, Ready, Task
from importance.runs.worker import RECYCLE_RSS, serve

if TYPE_CHECKING:
    from importance.runs.store import RunStore

CANCEL_GRACE_S = 5.0  # a cancelled task that has not stopped by then has its process ended
Event = Progress | Outcome
log = logging.getLogger(__name__)


class Executor(Protocol):
    """Runs tasks and reports their progress and outcome. Not thread-safe: one owner
    (the job manager's or the sweep's thread) calls every method."""

    @property
    def workers(self) -> int:
        """How many tasks run at once (for time estimates)."""
        ...

    def submit(self, task: Task) -> None: ...

    def events(self, timeout: float = 0.0) -> list[Event]:
        """Progress and outcomes since the last call; waits up to `timeout` s for the first.
        An Outcome with `artifacts` is a run the caller must store."""
        ...

    def cancel(self, key: str | None = None, grace: float = CANCEL_GRACE_S) -> None:
        """Stop task `key` (None: every unfinished one): a queued one ends CANCELLED now, a
        running one at its next batch, or by ending its process after `grace` s."""
        ...

    def shutdown(self) -> None: ...


def store_outcome(out: Outcome, store: RunStore) -> Outcome:
    """`out` with its artifacts stored in `store` (the run id kept); FAILED when the disk
    refuses them. Outcomes without artifacts are returned as they are."""
    if out.status != DONE or out.artifacts is None:
        return out
    try:
        store.save(out.artifacts)
    except OSError as exc:
        return dataclasses.replace(out, status=FAILED, run_id=None, artifacts=None,
                                   error=f"could not store the run ({exc})")
    return dataclasses.replace(out, artifacts=None)


def death_reason(exitcode: int | None) -> str:
    """Why a job's process ended, in words, from its exit code."""
    if exitcode is None:
        return "the job's process stopped answering"
    if exitcode < 0:
        sig = -exitcode
        if sig == signal.SIGKILL:
            return "the job's process was killed (signal 9: likely out of memory)"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = "unknown"
        return f"the job's process was killed (signal {sig}: {name})"
    return f"the job's process exited unexpectedly (exit code {exitcode})"


class LocalProcessExecutor:
    """One long-lived worker process on this machine; tasks run one at a time, in order.

    The worker runs at the server's CPU priority: `importance.runtime` gives up threads while
    other processes want the cores, where a nice level would starve it. `recycle_rss`: a worker
    whose resident memory exceeds it after a task exits and is replaced at the next task.
    """

    workers = 1  # tasks run one at a time

    def __init__(self, *, context: str = "spawn",
                 recycle_rss: int = RECYCLE_RSS):
        self._ctx = mp.get_context(context)
        self._recycle = recycle_rss
        self._proc = None
        self._conn = None
        self._flag = None  # the worker's cancel flag (a multiprocessing Event)
        self._ready = False
        self._current: Task | None = None
        self._grace = CANCEL_GRACE_S
        self._hard_at: float | None = None  # when a cancelled task's process is ended
        self._waiting: deque[Task] = deque()
        self._pending: list[Event] = []  # produced outside events()
        self.starts = 0  # worker processes started so far
        self.pid: int | None = None  # the current worker's process id (once ready)
        self.start_s: float | None = None  # the last worker's start-to-ready time (s)
        self._started_at = 0.0

    # --- the worker process -----------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        """Start a worker process unless one is alive (it imports torch in the background)."""
        if self.alive:
            return
        self._reap()
        parent, child = self._ctx.Pipe()
        self._flag = self._ctx.Event()
        proc = self._ctx.Process(target=serve, args=(child, self._flag, self._recycle),
                                 name="importance-worker", daemon=True)
        proc.start()
        child.close()  # the worker's end lives in the worker only: its death closes the pipe
        self._proc, self._conn, self._ready, self.pid = proc, parent, False, None
        self._started_at = time.monotonic()
        self.starts += 1

    def warm_up(self, timeout: float = 120.0) -> bool:
        """Start the worker and wait until it has imported torch (while no task runs);
        False on timeout."""
        self.start()
        end = time.monotonic() + timeout
        while not self._ready and self._current is None and time.monotonic() < end:
            self._pending += self.events(timeout=0.1)
            if not self.alive:
                self.start()
        return self._ready

    def _reap(self, wait: float = 0.0) -> int | None:
        """Forget the worker process (joined for up to `wait` s); return its exit code."""
        code = None
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None:
            self._proc.join(wait)
            code = self._proc.exitcode
            if code is not None:
                self._proc.close()
        self._proc = self._conn = None
        self._ready = False
        return code

    def _end_process(self) -> None:
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(3)
            if proc.is_alive():
                proc.kill()
                proc.join(3)
        self._reap()

    def shutdown(self) -> None:
        """End the worker process (a running task ends with it)."""
        if self._conn is not None and self.alive and self._current is None:
            try:
                self._conn.send(None)
                self._proc.join(2)
            except OSError:
                pass
        self._end_process()
        self._current = None
        self._waiting.clear()

    # --- tasks --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._waiting)

    def submit(self, task: Task) -> None:
        """Run `task` now, or after the tasks before it. Raises if it cannot be pickled."""
        if self._current is None:
            self._send(task)
        else:
            self._waiting.append(task)

    def _send(self, task: Task) -> None:
        for attempt in range(2):
            self.start()
            self._flag.clear()
            try:
                self._conn.send(task)
            except (BrokenPipeError, ConnectionResetError, EOFError):
                if attempt:
                    raise
                self._reap(wait=1.0)  # it died while idle: start a new one
                continue
            self._current, self._hard_at = task, None
            return

    def _next(self) -> None:
        while self._current is None and self._waiting:
            task = self._waiting.popleft()
            try:
                self._send(task)
            except Exception as exc:
                self._pending.append(Outcome(task.key, FAILED, error=f"could not send the job "
                                             f"to its process: {type(exc).__name__}: {exc}"))

    def cancel(self, key: str | None = None, grace: float = CANCEL_GRACE_S) -> None:
        if key is None:
            for task in list(self._waiting) + ([self._current] if self._current else []):
                self.cancel(task.key, grace)
            return
        if self._current is not None and self._current.key == key:
            self._flag.set()
            if self._hard_at is None:
                self._grace = grace
                self._hard_at = time.monotonic() + grace
            return
        for task in list(self._waiting):
            if task.key == key:
                self._waiting.remove(task)
                self._pending.append(Outcome(key, CANCELLED))

    def events(self, timeout: float = 0.0) -> list[Event]:
        out, self._pending = self._pending, []
        end = time.monotonic() + timeout
        while True:
            self._drain(out)
            if self._current is not None and self._conn is not None:
                if not self._proc.is_alive():
                    self._drain(out)  # what it sent before dying
                    if self._current is not None:
                        self._died(out)
                elif (self._hard_at is not None and self._ready
                      and time.monotonic() >= self._hard_at):
                    self._kill(out)
            out += self._pending
            self._pending = []
            left = end - time.monotonic()
            if out or left <= 0:
                return out
            if self._conn is not None and self._current is not None:
                self._conn.poll(min(left, 0.1))
            else:
                time.sleep(min(left, 0.05))

    def _drain(self, out: list[Event]) -> None:
        while self._conn is not None:
            try:
                if not self._conn.poll(0):
                    return
                msg = self._conn.recv()
            except (EOFError, OSError):
                if self._current is not None:
                    self._died(out)
                else:
                    self._reap(wait=1.0)
                return
            self._handle(msg, out)

    def _handle(self, msg: object, out: list[Event]) -> None:
        if isinstance(msg, Ready):
            self._ready, self.pid = True, msg.pid
            self.start_s = time.monotonic() - self._started_at
            if self._hard_at is not None:  # count the grace from when it can act on the flag
                self._hard_at = max(self._hard_at, time.monotonic() + self._grace)
        elif isinstance(msg, Progress):
            if self._current is not None and msg.key == self._current.key:
                out.append(msg)
        elif isinstance(msg, Outcome):
            if self._current is None or msg.key != self._current.key:
                return
            out.append(msg)
            self._current, self._hard_at = None, None
            if msg.worker_exits:
                self._reap(wait=10.0)
            self._next()

    def _died(self, out: list[Event]) -> None:
        task = self._current
        code = self._reap(wait=5.0)
        self._current, self._hard_at = None, None
        if task is not None:
            reason = death_reason(code)
            log.warning("job %s: %s", task.key, reason)
            out.append(Outcome(task.key, FAILED, error=reason))
        self._next()

    def _kill(self, out: list[Event]) -> None:
        task = self._current
        self._end_process()
        self._current, self._hard_at = None, None
        out.append(Outcome(task.key, CANCELLED, error=(
            f"stopped by ending its process: it did not stop within {self._grace:g} s")))
        self._next()

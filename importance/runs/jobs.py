"""Background job manager: a queue of runs, trained in lanes beside the server.

The manager's thread owns the queue, the jobs' progress and cancel; each run trains in a
worker of an executor (`importance.runs.executor`, the interface sweeps use too), up to
`executor.workers` runs at once, in queue order:

- lanes > 1 (`importance.runs.lanes`: one per core by default): a local Dask cluster, one
  run per worker on its own cores, each run's energy apportioned among the runs at once;
- one lane: one long-lived local worker process that imports torch once
  (`LocalProcessExecutor`): a crash, out-of-memory kill or hard cancel ends only that job
  (failed or cancelled, with the reason); the next job starts a fresh process;
- `$IMPORTANCE_DASK_ADDRESS` set: the runs go to that Dask cluster, as a sweep's do, and come
  back as artifacts that the manager stores.

The executor starts with the first job, in the manager's thread. Readers get copies of the
lock-protected job state.

Queued and running jobs are kept in `<runs>/.queue.json` (written atomically at every change):

    {"format": 1, "seq": 3, "jobs": [{"id": "b3-1-full", "batch": "b3", "strategy": "full",
      "status": "queued" | "running", "created": 1.7e9, "started": null, "config": {...},
      "estimate_s": 12.5 | null}]}

A new manager on the same runs folder (a restarted server) queues the queued jobs again and
shows the ones that were running as "interrupted".
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from importance.config import RunConfig
from importance.energy import total
from importance.runs.dask_executor import ADDRESS_ENV
from importance.runs.executor import (
    CANCEL_GRACE_S,
    Executor,
    store_outcome,
)
from importance.runs.lanes import default_executor, default_lanes
from importance.runs.store import RunStore, write_atomically
from importance.runs.tasks import (
    ACTIVE,
    CANCELLED,
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    Outcome,
    Progress,
    Task,
)

__all__ = ["ACTIVE", "CANCELLED", "DONE", "FAILED", "INTERRUPTED", "QUEUED", "RUNNING", "Job",
           "JobManager", "QUEUE_FILE"]

Runner = Callable[..., str]  # run_experiment's signature; module-level (it is pickled)
QUEUE_FILE = ".queue.json"
QUEUE_FORMAT = 1
POLL_S = 0.1  # the manager's thread forwards a cancel within this
INTERRUPTED_ERROR = ("the server stopped while this job was running (a restart, a crash or a "
                     "kill); nothing was stored. Launch it again to train it.")
log = logging.getLogger(__name__)


@dataclass
class Job:
    """A snapshot of one job (the manager hands out copies)."""

    id: str
    batch: str  # jobs launched together share a batch id
    strategy: str
    config: RunConfig
    status: str = QUEUED
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    epoch: int = 0  # epochs finished
    epochs: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)  # per-epoch records
    error: str = ""
    traceback: str = ""
    run_id: str | None = None
    phase: str = ""  # while running: "", "started", "scoring", "training", "evaluation", "saving"
    pid: int | None = None  # the process that ran it
    # The seconds its launch estimated it would take (the first job of a batch: with the job
    # worker's start), shown beside the time it took; None: launched without an estimate
    estimate_s: float | None = None
    # Why the manager added it to its batch (a control at the budget a strategy spent,
    # `importance.controls`); "" for a job that was launched
    added: str = ""
    # The launch its run is stored with (`summary["batch"]`), unique in a runs folder: the
    # pages group a comparison by it whatever order its runs finished in (lanes)
    launch: str = ""

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    @property
    def training_s(self) -> float:
        """Training wall time so far: the stored run's `wall_s` that every page shows (the
        epochs' seconds, without the start and test that `elapsed` includes)."""
        return float(sum(h.get("wall_s") or 0.0 for h in self.history))

    @property
    def energy_kwh(self) -> float | None:
        """Energy so far; None when some reading failed (not measured)."""
        return total(h["energy_kwh"] for h in self.history)


class JobManager:
    """Queue of runs trained by an executor, up to `executor.workers` at once, supervised by
    one thread.

    `runner` runs in the job's process (a module-level function: it is pickled; None:
    `run_experiment`). `executor`: default `default_executor(lanes)`, started at the first
    job, owned (and shut down) by this manager; a shared one can serve several managers one
    after another (tests). `cancel_grace`: seconds a cancelled running job gets to stop
    between batches before its process is ended.
    """

    def __init__(self, store: RunStore, runner: Runner | None = None, *,
                 executor: Executor | None = None, lanes: int | None = None,
                 cancel_grace: float = CANCEL_GRACE_S, persist: bool = True):
        self.store = store
        self._runner = runner
        self._executor = executor
        self._owns_executor = executor is None
        self._lanes = lanes
        self._grace = cancel_grace
        self._persist = persist
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._jobs: dict[str, Job] = {}
        self._pending: collections.deque[str] = collections.deque()  # queued ids, in order
        self._cancels: set[str] = set()  # running jobs whose cancel is not yet forwarded
        self._worker: threading.Thread | None = None
        self._closed = False
        self._seq = 0
        self._checked: set[tuple[str, int]] = set()  # (batch, seed) checked for controls
        self.start_error = ""  # why the executor could not start (its jobs failed with it)
        if persist:
            self._restore()

    @property
    def executor(self) -> Executor | None:
        """The executor (None until the first job of a manager that owns it)."""
        return self._executor

    @property
    def lanes(self) -> int:
        """Runs trained at once (before the executor starts: the lanes it will have)."""
        if self._executor is not None:
            return max(1, int(self._executor.workers))
        if os.environ.get(ADDRESS_ENV):
            return 1  # unknown until connected; estimates count one at a time
        return self._lanes or default_lanes()

    @property
    def queue_path(self) -> Path:
        return Path(self.store.root) / QUEUE_FILE

    # --- the public API (any thread) ----------------------------------------------------------

    def submit(self, configs: list[RunConfig],
               estimates: list[float] | None = None) -> list[str]:
        """Queue runs (one batch), each with the seconds its launch estimated (`estimates`,
        one per config, kept to show beside the time taken); returns their job ids."""
        if estimates is not None and len(estimates) != len(configs):
            raise ValueError(f"{len(estimates)} estimates for {len(configs)} runs")
        with self._lock:
            if self._closed:
                raise RuntimeError("this job manager is closed")
            self._seq += 1
            batch = f"b{self._seq}"
            launch = f"{batch}@{time.time():.6f}"
            ids = []
            for k, cfg in enumerate(configs):
                job_id = f"{batch}-{len(ids) + 1}-{cfg.train.strategy}"
                self._jobs[job_id] = Job(job_id, batch, cfg.train.strategy, cfg,
                                         epochs=cfg.train.epochs,
                                         estimate_s=None if estimates is None
                                         else float(estimates[k]), launch=launch)
                self._pending.append(job_id)
                ids.append(job_id)
            self._save()
            self._ensure_thread()
            self._wake.notify_all()
        return ids

    def cancel(self, job_id: str) -> bool:
        """Stop a queued or running job: a running one stops within one batch, or its process
        is ended after `cancel_grace` seconds."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status not in ACTIVE:
                return False
            if job.status == QUEUED:
                job.status, job.finished = CANCELLED, time.time()
                self._pending.remove(job_id)
                self._save()
            else:
                self._cancels.add(job_id)
            return True

    def jobs(self) -> list[Job]:
        """Copies of every job, newest first."""
        with self._lock:
            return [self._copy(j) for j in sorted(self._jobs.values(), key=lambda j: j.created,
                                                 reverse=True)]

    def get(self, job_id: str) -> Job:
        with self._lock:
            return self._copy(self._jobs[job_id])

    @property
    def warm(self) -> bool:
        """Whether a job starts without waiting for a worker process to start (import torch):
        the executor is up (a local worker process alive, a cluster connected)."""
        ex = self._executor
        return ex is not None and bool(getattr(ex, "alive", True))

    @property
    def busy(self) -> bool:
        with self._lock:
            return any(j.status in ACTIVE for j in self._jobs.values())

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False on timeout."""
        end = None if timeout is None else time.time() + timeout
        while self.busy:
            if end is not None and time.time() > end:
                return False
            time.sleep(0.05)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop the manager: its thread ends, the job process of an owned executor is ended.
        The queue file is left as it is: a running job shows as interrupted at the next start,
        queued ones are queued again."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)
        if (worker is None or not worker.is_alive()) and self._owns_executor:
            self._shutdown_executor()

    @staticmethod
    def _copy(job: Job) -> Job:
        return dataclasses.replace(job, history=list(job.history))

    # --- the manager's thread -----------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="importance-jobs",
                                            daemon=True)
            self._worker.start()

    def _shutdown_executor(self) -> None:
        ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown()

    def _start_executor(self) -> Executor | None:
        """The executor, started now if this manager owns none yet; None when it cannot start
        (`start_error` says why)."""
        if self._executor is None:
            try:
                self._executor = default_executor(self._lanes)
            except Exception as exc:  # noqa: BLE001 - e.g. no port, a bad $IMPORTANCE_LANES
                self.start_error = f"could not start the job workers: {type(exc).__name__}: {exc}"
                log.error("%s", self.start_error, exc_info=True)
                return None
            self.start_error = ""
        return self._executor

    def _work(self) -> None:
        running: dict[str, Job] = {}
        try:
            while True:
                with self._lock:
                    while not self._pending and not running and not self._closed:
                        self._wake.wait()
                    if self._closed:
                        return
                ex = self._start_executor()
                if ex is None:
                    self._fail_pending(self.start_error)
                    continue
                self._start_jobs(ex, running)
                with self._lock:
                    if self._closed:
                        return
                    cancels = [k for k in running if k in self._cancels]
                    self._cancels.difference_update(cancels)
                for key in cancels:
                    ex.cancel(key, self._grace)
                for ev in ex.events(timeout=POLL_S):
                    job = running.get(ev.key)
                    if job is None:
                        continue
                    if isinstance(ev, Outcome):
                        del running[ev.key]
                        self._finish(job, ev)
                    else:
                        self._progress(job, ev)
        finally:
            with self._lock:
                closed = self._closed
            if closed and self._owns_executor:
                self._shutdown_executor()

    def _start_jobs(self, ex: Executor, running: dict[str, Job]) -> None:
        """Hand queued jobs to `ex` while it has a free lane (`_next_pending`)."""
        while True:
            with self._lock:
                if self._closed or not self._pending or len(running) >= max(1, ex.workers):
                    return
                job = self._jobs[self._next_pending(ex.workers)]
                job.status, job.started, job.phase = RUNNING, time.time(), ""
                self._save()
            try:
                ex.submit(Task(job.id, job.config, str(self.store.root), self._runner,
                               batch=job.launch))
            except Exception as exc:  # e.g. a runner that cannot be pickled
                self._finish(job, Outcome(job.id, FAILED, error=f"could not start the job: "
                                                                f"{type(exc).__name__}: {exc}"))
                continue
            running[job.id] = job

    def _next_pending(self, lanes: int) -> str:
        """Take the next queued job (caller holds the lock): in queue order on one lane; on
        several, of the batch at the head of the queue, the one its launch estimated longest
        (longest first: the lanes finish together), ties in queue order."""
        if lanes <= 1:
            return self._pending.popleft()
        batch = self._jobs[self._pending[0]].batch
        pick = max((i for i in self._pending if self._jobs[i].batch == batch),
                   key=lambda i: self._jobs[i].estimate_s or 0.0)
        self._pending.remove(pick)
        return pick

    def _fail_pending(self, reason: str) -> None:
        """Every queued job fails with `reason` (the executor could not start)."""
        with self._lock:
            ids = list(self._pending)
            self._pending.clear()
        for job_id in ids:
            job = self._jobs[job_id]
            with self._lock:
                job.started = time.time()
            self._finish(job, Outcome(job_id, FAILED, error=reason))

    def _progress(self, job: Job, ev: Progress) -> None:
        with self._lock:
            if ev.kind == "epoch":
                job.epoch = ev.data["epoch"] + 1
                job.history.append(ev.data)
            elif ev.kind == "phase":
                job.phase = ev.data
            elif ev.kind == "started":
                job.pid, job.phase = ev.data.get("pid"), "started"

    def _finish(self, job: Job, out: Outcome) -> None:
        out = store_outcome(out, self.store)  # a cluster's run comes back as artifacts
        if out.status == FAILED:  # the page shows the message; the details go to the log
            log.error("job %s (%s) failed: %s\n%s", job.id, job.strategy, out.error,
                      out.traceback or "(no traceback: its process ended)")
        with self._lock:
            job.status, job.error, job.traceback = out.status, out.error, out.traceback
            job.run_id = out.run_id if out.status == DONE else None
            job.finished, job.phase = time.time(), ""
            self._cancels.discard(job.id)
            self._save()
        if out.status == DONE:
            self._add_budget_controls(job)

    def _add_budget_controls(self, job: Job) -> None:
        """Once `job`'s batch and seed are done, queue next the controls they lack at a spent
        budget (`importance.controls`), and the same for the batch's later seeds (checked once)."""
        from importance.controls import budget_controls  # the strategies' registry

        seed = job.config.train.seed
        with self._lock:
            same = [j for j in self._jobs.values()
                    if j.batch == job.batch and j.config.train.seed == seed]
            if (job.batch, seed) in self._checked or any(j.status != DONE for j in same):
                return
            self._checked.add((job.batch, seed))
            ids = [j.run_id for j in same if j.run_id]
        try:
            runs = [self.store.load(i) for i in ids]
        except (KeyError, ValueError) as exc:  # removed or damaged meanwhile: nothing to add
            log.warning("batch %s seed %s: no control check: %s", job.batch, seed, exc)
            return
        adds = [(cfg, line) for cfg, line in budget_controls(runs, "last_layer")
                if cfg is not None]
        with self._lock:
            for cfg, line in reversed(adds):
                self._queue_added(job, cfg, line, front=True)
                for later in sorted({j.config.train.seed for j in self._jobs.values()
                                     if j.batch == job.batch and j.status == QUEUED} - {seed}):
                    self._queue_added(job, replace(cfg, train=replace(cfg.train, seed=later)),
                                      line, front=False)
            if adds:
                self._save()
                self._wake.notify_all()

    def _queue_added(self, of: Job, cfg: RunConfig, line: str, *, front: bool) -> None:
        """Queue one added job in the batch of `of` (caller holds the lock): next in line
        (`front`), or right after the last queued job of its seed."""
        batch = of.batch
        n = sum(j.batch == batch for j in self._jobs.values()) + 1
        job_id = f"{batch}-{n}-{cfg.train.strategy}"
        self._jobs[job_id] = Job(job_id, batch, cfg.train.strategy, cfg,
                                 epochs=cfg.train.epochs, added=line, launch=of.launch)
        if front:
            self._pending.appendleft(job_id)
            return
        seed = cfg.train.seed
        at = max((k for k, i in enumerate(self._pending) if self._jobs[i].batch == batch
                  and self._jobs[i].config.train.seed == seed), default=len(self._pending) - 1)
        self._pending.insert(at + 1, job_id)

    def _save(self) -> None:
        """Write the queued and running jobs to the queue file (caller holds the lock)."""
        if not self._persist:
            return
        active = [j for j in sorted(self._jobs.values(), key=lambda j: j.created)
                  if j.status in ACTIVE]
        doc = {"format": QUEUE_FORMAT, "seq": self._seq, "jobs": [
            {"id": j.id, "batch": j.batch, "strategy": j.strategy, "status": j.status,
             "created": j.created, "started": j.started, "config": j.config.to_dict(),
             "estimate_s": j.estimate_s, "added": j.added, "launch": j.launch}
            for j in active]}
        path = self.queue_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, json.dumps(doc, indent=1).encode(), prefix=".queue-")
        except OSError as exc:  # a read-only folder: the queue is just not kept
            log.warning("cannot write the job queue to %s: %s", path, exc)

    def _restore(self) -> None:
        """Queue again the queued jobs of the queue file a previous manager left; its running
        ones show as interrupted."""
        path = self.queue_path
        try:
            doc = json.loads(path.read_text())
            entries = list(doc.get("jobs", []))
            seq = int(doc.get("seq", 0))
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring the unreadable job queue %s: %s", path, exc)
            return
        with self._lock:
            self._seq = max(self._seq, seq)
            for e in entries:
                try:
                    cfg = RunConfig.from_dict(e["config"])
                    estimate = e.get("estimate_s")
                    job = Job(str(e["id"]), str(e["batch"]), str(e["strategy"]), cfg,
                              created=float(e["created"]), epochs=cfg.train.epochs,
                              estimate_s=None if estimate is None else float(estimate),
                              added=str(e.get("added") or ""),
                              launch=str(e.get("launch") or ""))
                    status = e["status"]
                except (KeyError, TypeError, ValueError) as exc:
                    log.warning("skipping an unreadable job in %s: %s", path, exc)
                    continue
                if status == RUNNING:
                    job.status, job.error = INTERRUPTED, INTERRUPTED_ERROR
                    job.started = e.get("started")
                    job.finished = max(mtime, job.started or 0.0)
                elif status == QUEUED:
                    self._pending.append(job.id)
                else:
                    continue
                self._jobs[job.id] = job
            self._save()
            if self._pending:
                self._ensure_thread()

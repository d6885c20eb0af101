"""Background job manager: one worker thread runs queued runs one at a time.

One at a time, so energy figures never double-count (a tracker counts the whole
process). Worker threads only update lock-protected job state; readers get copies.
The worker runs at a lower CPU priority (nice 10; on Linux per thread, and inherited by
the intra-op threads torch starts from it), so a dashboard in the same process stays
responsive while training uses every core.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from importance.config import RunConfig
from importance.experiment import run_experiment
from importance.runs.store import RunStore
from importance.training import Cancelled, EpochEvent

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)

Runner = Callable[..., str]  # run_experiment's signature
WORKER_NICE = 10


def lower_thread_priority(nice: int) -> None:
    """Raise the calling thread's nice value by `nice` where the OS allows it (Linux)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError:  # not permitted here: run at the normal priority
        pass


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

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    @property
    def energy_kwh(self) -> float:
        return sum(h["energy_kwh"] for h in self.history)


class JobManager:
    """Queue of runs executed by one background worker."""

    def __init__(self, store: RunStore, runner: Runner = run_experiment, *,
                 nice: int = WORKER_NICE):
        self.store = store
        self._runner = runner
        self._nice = nice
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._queue: queue.Queue[str] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._seq = 0

    def submit(self, configs: list[RunConfig]) -> list[str]:
        """Queue runs (one batch); returns their job ids."""
        with self._lock:
            self._seq += 1
            batch = f"b{self._seq}"
            ids = []
            for cfg in configs:
                job_id = f"{batch}-{len(ids) + 1}-{cfg.train.strategy}"
                self._jobs[job_id] = Job(job_id, batch, cfg.train.strategy, cfg,
                                         epochs=cfg.train.epochs)
                self._cancel[job_id] = threading.Event()
                ids.append(job_id)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="importance-jobs",
                                                daemon=True)
                self._worker.start()
        for job_id in ids:
            self._queue.put(job_id)
        return ids

    def cancel(self, job_id: str) -> bool:
        """Ask a queued or running job to stop (a running one stops within one batch)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status not in ACTIVE:
                return False
            self._cancel[job_id].set()
            if job.status == QUEUED:
                job.status, job.finished = CANCELLED, time.time()
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

    @staticmethod
    def _copy(job: Job) -> Job:
        return dataclasses.replace(job, history=list(job.history))

    def _work(self) -> None:
        lower_thread_priority(self._nice)
        while True:
            job_id = self._queue.get()
            with self._lock:
                job = self._jobs[job_id]
                if job.status != QUEUED:
                    continue
                job.status, job.started = RUNNING, time.time()
            self._run(job)

    def _run(self, job: Job) -> None:
        def on_event(ev: EpochEvent) -> None:
            with self._lock:
                job.epoch = ev.record.epoch + 1
                job.history.append(ev.record.to_dict())

        try:
            run_id = self._runner(job.config, store=self.store, on_event=on_event,
                                  cancel=self._cancel[job.id])
        except Cancelled:
            status, err, tb, run_id = CANCELLED, "", "", None
        except Exception as exc:  # a failing job must not take the worker down
            status, err, tb, run_id = FAILED, f"{type(exc).__name__}: {exc}", \
                traceback.format_exc(), None
        else:
            status, err, tb = DONE, "", ""
        with self._lock:
            job.status, job.error, job.traceback, job.run_id = status, err, tb, run_id
            job.finished = time.time()

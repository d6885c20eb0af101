"""What executors exchange: a task in, progress and one outcome out (all small and picklable).

Statuses of a job, as the job manager and the Train page show them:

- queued: waiting for the worker; running: in a job's process;
- done: stored as a run; failed: raised, or its process died (`Outcome.error` says how);
- cancelled: stopped by the user (between batches, or by ending its process);
- interrupted: it was running when the server stopped (found in the queue file at start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from importance.config import RunConfig

if TYPE_CHECKING:
    from importance.runs.store import RunArtifacts

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
INTERRUPTED = "interrupted"
ACTIVE = (QUEUED, RUNNING)
FINISHED = (DONE, FAILED, CANCELLED, INTERRUPTED)


@dataclass(frozen=True)
class Task:
    """One run to execute. `runner` must be picklable (a module-level function); None means
    `importance.experiment.run_experiment`."""

    key: str  # the job id; unique among an executor's tasks
    config: RunConfig
    runs_dir: str  # the run store's folder, as seen by the worker
    runner: Callable[..., str] | None = None
    batch: str = ""  # the launch it belongs to, stored in the run's summary ("" for none)


@dataclass(frozen=True)
class Progress:
    """Something a running task reports: kind "started" (data: {"pid": process id, "worker":
    where it runs}), "phase" (data: "scoring", "training", "evaluation", "saving") or "epoch"
    (data: the epoch's `EpochRecord.to_dict()`)."""

    key: str
    kind: str
    data: Any


@dataclass(frozen=True)
class Outcome:
    """How a task ended: status DONE (with run_id), FAILED (error, traceback) or CANCELLED.

    A worker that cannot write the run store (a cluster's, which shares no filesystem with
    the caller) returns the run's `artifacts` with DONE: the caller stores them."""

    key: str
    status: str
    run_id: str | None = None
    error: str = ""
    traceback: str = ""
    worker_exits: bool = False  # the worker process ends after sending this
    artifacts: RunArtifacts | None = None
    worker: str = ""  # where it ran, when known


@dataclass(frozen=True)
class Ready:
    """A worker process has imported torch and waits for tasks."""

    pid: int
    import_s: float  # in `serve`, importing the training code (torch)

"""What runs inside the Dask workers of `importance.runs.dask_executor.DaskExecutor`.

`train_task` is the task: it trains one run with `importance.experiment.train_run` and
returns its `RunArtifacts` (summary, arrays, predictions, state dict: a few hundred kB), so
the caller writes the run folder and a cluster needs no shared filesystem. It reports
"started", each phase and each epoch (the `Progress` kinds of `importance.runs.tasks`) on a
Dask event topic (`Worker.log_event`), and stops between batches once its
`distributed.Event` is set (a running Dask task is not stopped by `Client.cancel`),
returning `STOPPED`.

Threads: a worker trains on `IMPORTANCE_THREADS` torch threads, 1 when it is not set (the
workers of a cluster run one thread each: parallelism comes from the workers).

`dask_setup` is the preload of the workers of the `LocalCluster` the executor starts: they
ignore SIGINT, so a Ctrl-C in the terminal (which reaches the whole process group) goes to
the driver only, which stops the runs at their next batch instead of killing the workers.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importance.runtime import THREADS

if TYPE_CHECKING:
    from importance.config import RunConfig
    from importance.runs.store import RunArtifacts

CHECK_EVERY_S = 0.5  # how often a running task asks the scheduler whether to stop


class DistributedFlag:
    """A `distributed.Event` seen through the `is_set()` of a `threading.Event`, asking the
    scheduler at most every `every` s (train checks its cancel flag between batches)."""

    def __init__(self, name: str, every: float = CHECK_EVERY_S, clock=time.monotonic):
        from distributed import Event

        self._event = Event(name)
        self._every, self._clock = every, clock
        self._last = -float("inf")
        self._set = False

    def is_set(self) -> bool:
        if not self._set and self._clock() - self._last >= self._every:
            self._last = self._clock()
            self._set = bool(self._event.is_set())
        return self._set


STOPPED = "stopped"  # what `train_task` returns when it was cancelled


def train_task(config: RunConfig, key: str, topic: str,
               cancel_event: str, batch: str = "") -> RunArtifacts | str:
    """Train the run of task `key` in this worker; return its artifacts (see the module
    docstring), or STOPPED when it was cancelled (a return, not an exception: the worker logs
    no error for it). Raises whatever else the run raises (the caller records the error)."""
    from distributed import get_worker

    os.environ.setdefault(THREADS, "1")  # a cluster's worker: one run per thread
    from importance.experiment import train_run
    from importance.runs.worker import epoch_reporter, reporting_meter
    from importance.runtime import configure
    from importance.training import Cancelled

    configure()
    worker = get_worker()

    def report(kind: str, data: Any) -> None:
        worker.log_event(topic, {"key": key, "kind": kind, "data": data})

    flag = DistributedFlag(cancel_event)
    if flag.is_set():
        return STOPPED
    report("started", {"pid": os.getpid(), "worker": str(worker.address)})

    try:
        return train_run(config, on_event=epoch_reporter(report), cancel=flag, batch=batch,
                         meter=reporting_meter(config.train, report))
    except Cancelled:
        return STOPPED


def code_fingerprint() -> dict[str, str]:
    """What a worker must share with the driver: the package's version and a hash of its
    source files, and torch's version."""
    import importance

    root = Path(importance.__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = "not installed"
    return {"importance": importance.__version__, "source": h.hexdigest()[:12],
            "torch": torch}


def warm_up() -> float:
    """Import the training code (torch) in this worker; return the seconds it took."""
    t0 = time.perf_counter()
    os.environ.setdefault(THREADS, "1")  # as `train_task`: `configure` runs once per process
    import importance.experiment  # noqa: F401
    from importance.runtime import configure

    configure()
    return time.perf_counter() - t0


def dask_setup(worker) -> None:
    """Preload of a local cluster's workers: ignore SIGINT (module docstring)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave it
        pass

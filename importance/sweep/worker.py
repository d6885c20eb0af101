"""What runs inside a sweep's Dask workers.

`train_cell` is the task: it trains one run with `importance.experiment.train_run` and
returns its `RunArtifacts` (summary, arrays, predictions, state dict: a few hundred kB), so
the driver writes the run folder and a cluster needs no shared filesystem. It reports
"started" and each epoch on a Dask event topic (`Worker.log_event`) and stops between
batches once the sweep's `distributed.Event` is set (a running Dask task is not stopped by
`Client.cancel`), returning `STOPPED`.

Threads: a worker trains on one torch thread unless `IMPORTANCE_THREADS` says otherwise;
parallelism comes from the workers (one thread each), not from torch.

`dask_setup` is the preload of the workers of the `LocalCluster` a sweep starts: they ignore
SIGINT, so a Ctrl-C in the terminal (which reaches the whole process group) goes to the
driver only, which stops the runs at their next batch instead of killing the workers.
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


STOPPED = "stopped"  # what `train_cell` returns when the sweep was cancelled


def train_cell(config: RunConfig, key: str, topic: str,
               cancel_event: str) -> RunArtifacts | str:
    """Train the run of cell `key` in this worker; return its artifacts (see the module
    docstring), or STOPPED when the sweep was cancelled (a return, not an exception: the
    worker logs no error for it). Raises whatever else the run raises (a failed run: the
    driver records the error)."""
    from distributed import get_worker

    os.environ.setdefault(THREADS, "1")
    from importance.experiment import train_run
    from importance.runtime import configure
    from importance.training import Cancelled

    configure()
    worker = get_worker()

    def report(kind: str, **data: Any) -> None:
        worker.log_event(topic, {"key": key, "kind": kind, **data})

    flag = DistributedFlag(cancel_event)
    if flag.is_set():
        return STOPPED
    report("started")

    def on_event(ev) -> None:
        report("epoch", epoch=int(ev.record.epoch), last=bool(ev.last))

    try:
        return train_run(config, on_event=on_event, cancel=flag)
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
    os.environ.setdefault(THREADS, "1")
    import importance.experiment  # noqa: F401
    from importance.runtime import configure

    configure()
    return time.perf_counter() - t0


def dask_setup(worker) -> None:
    """Preload of a local sweep cluster's workers: ignore SIGINT (module docstring)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave it
        pass

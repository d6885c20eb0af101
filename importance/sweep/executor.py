"""Where a sweep's runs happen: one interface, a Dask distributed implementation.

    ex = DaskExecutor()                          # a LocalCluster: one process per core
    ex = DaskExecutor("tcp://scheduler:8786")    # an existing cluster (or $IMPORTANCE_DASK_ADDRESS)
    ex.submit(key, config)                       # one run; `key` unique within the executor
    ex.progress()                                # Progress(key, "started" | "epoch", data) so far
    ex.as_completed(timeout=0.5)                 # CellResults finished since the last call
    ex.cancel()                                  # pending: dropped; running: stop at the next batch
    ex.close()

A worker returns the run's artifacts (`CellResult.artifacts`) and the caller stores them,
so the cluster needs no filesystem shared with the driver (`importance.sweep.runner`).

Facts this relies on (DESIGN.md section 4d): `submit(..., key=...)` with a unique key
(identical calls are merged otherwise); `Client.cancel` does not stop a running task, so
each task polls a `distributed.Event`; workers need the same package (checked on connect:
`check_workers`) and are kept alive between runs (a cold `import torch` costs seconds).
"""

from __future__ import annotations

import logging
import os
import queue
import time
import traceback as tb
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from importance.runs.tasks import CANCELLED, DONE, FAILED, Progress

if TYPE_CHECKING:
    from importance.config import RunConfig
    from importance.runs.store import RunArtifacts

ADDRESS_ENV = "IMPORTANCE_DASK_ADDRESS"
CONNECT_TIMEOUT_S = 20.0
PRELOAD = "importance.sweep.worker"  # the local cluster's workers ignore SIGINT
# The local cluster's config (its workers get it at their start): no statistical profiler
# (it samples the training thread every 10 ms, for a dashboard we do not start), and a
# worker holds only the run it trains, so the last runs go to whichever worker is free
CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                  "distributed.scheduler.worker-saturation": 1.0}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CellResult:
    """How a cell ended: DONE with its artifacts, FAILED with the error, or CANCELLED."""

    key: str
    status: str
    artifacts: RunArtifacts | None = None
    error: str = ""
    traceback: str = ""
    worker: str = ""  # the address of the worker that ran it, when known


class SweepExecutor(Protocol):
    """Runs cells and reports their progress and results. One owner thread calls every
    method."""

    workers: int  # how many runs can train at once (for time estimates)

    def check_paths(self, paths: list[str]) -> None:
        """ValueError unless every worker can read each of `paths` (data files: the runs
        read them where the workers are; only the results travel back)."""
        ...

    def submit(self, key: str, config: RunConfig) -> None: ...

    def progress(self) -> list[Progress]:
        """Progress reported since the last call (never waits)."""
        ...

    def as_completed(self, timeout: float = 0.0) -> list[CellResult]:
        """Results since the last call, in the order they finished; waits up to `timeout` s
        for the first."""
        ...

    def cancel(self) -> None:
        """Cancel every unfinished cell: pending ones end CANCELLED now, running ones stop at
        their next batch (CANCELLED, or DONE if they finished meanwhile)."""
        ...

    def close(self) -> None: ...


def default_workers() -> int:
    from importance.runtime import cores

    return cores()


def describe_error(exc: BaseException) -> str:
    """An error a run raised, in words."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return ("the worker running it died several times (likely out of memory, or killed): "
                f"{exc}")
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class DaskExecutor:
    """Runs cells on Dask distributed: an existing cluster at `address` (or
    `$IMPORTANCE_DASK_ADDRESS`), else a `LocalCluster` of `n_workers` processes (default:
    one per core) with one thread each, bound to 127.0.0.1, without a dashboard, which
    `close` ends."""

    def __init__(self, address: str | None = None, *, n_workers: int | None = None,
                 check: bool = True, connect_timeout: float = CONNECT_TIMEOUT_S):
        from distributed import Client, Event, LocalCluster
        from distributed import as_completed as dask_as_completed

        address = address or os.environ.get(ADDRESS_ENV) or None
        self.address = address
        self.cluster = None
        if address is None:
            n = n_workers or default_workers()
            if n < 1:
                raise ValueError(f"--workers must be at least 1; got {n}")
            import dask

            with dask.config.set(CLUSTER_CONFIG):
                self.cluster = LocalCluster(
                    host="127.0.0.1", dashboard_address=None, n_workers=n,
                    threads_per_worker=1, processes=True, silence_logs=logging.ERROR,
                    preload=[PRELOAD],
                    env={"IMPORTANCE_THREADS": os.environ.get("IMPORTANCE_THREADS", "1")})
            self.client = Client(self.cluster, set_as_default=False)
        else:
            if n_workers is not None:
                raise ValueError("--workers starts a local cluster; an existing cluster "
                                 f"({address}) has the workers it has")
            try:
                self.client = Client(address, timeout=connect_timeout, set_as_default=False)
            except OSError as exc:
                raise ValueError(f"cannot reach the Dask scheduler at {address} ({exc}); "
                                 "is it running (dask scheduler) and reachable?") from None
            if check:
                try:
                    check_workers(self.client)
                except BaseException:
                    self.client.close()
                    raise
        self._id = uuid.uuid4().hex[:12]
        self.topic = f"importance-sweep-{self._id}"
        self._cancel_name = f"importance-sweep-cancel-{self._id}"
        self._event = Event(self._cancel_name, client=self.client)
        self._events: queue.Queue = queue.Queue()
        self.client.subscribe_topic(self.topic, self._on_topic)
        self._ac = dask_as_completed([], loop=self.client.loop, with_results=False)
        self._futures: dict[str, Any] = {}  # key -> future, until its result is taken
        self._started: dict[str, str] = {}  # key -> worker address
        self._results: list[CellResult] = []  # produced outside as_completed (cancel)

    @property
    def workers(self) -> int:
        """Runs that can train at once: the cluster's worker threads (one per worker)."""
        return max(1, sum(self.client.nthreads().values()))

    def _on_topic(self, event) -> None:  # on the client's event loop thread
        _, msg = event
        self._events.put(msg)

    def warm_up(self) -> dict[str, float]:
        """Import the training code in every worker now; worker address -> seconds."""
        from importance.sweep.worker import warm_up

        return self.client.run(warm_up)

    def check_paths(self, paths: list[str]) -> None:
        """ValueError unless every worker can read each of `paths` (data files: the runs
        read them where the workers are; only the results travel back)."""
        there = self.client.run(_missing, list(paths))
        missing = {addr: m for addr, m in there.items() if m}
        if missing:
            addr, m = next(iter(missing.items()))
            raise ValueError(f"{len(missing)} of {len(there)} workers cannot read the data "
                             f"(e.g. {addr}: {', '.join(m)}): put the files at the same path "
                             "on every worker, or on a filesystem they share")

    def submit(self, key: str, config: RunConfig) -> None:
        from importance.sweep.worker import train_cell

        if key in self._futures:
            raise ValueError(f"cell {key!r} was already submitted to this executor")
        fut = self.client.submit(train_cell, config, key, self.topic, self._cancel_name,
                                 key=f"{self.topic}-{key}", pure=False, retries=0)
        self._futures[key] = fut
        self._ac.add(fut)

    def progress(self) -> list[Progress]:
        out = []
        while True:
            try:
                msg = self._events.get_nowait()
            except queue.Empty:
                return out
            key, kind = msg.get("key"), msg.get("kind")
            if key not in self._futures:
                continue
            data = {k: v for k, v in msg.items() if k not in ("key", "kind")}
            if kind == "started":
                self._started[key] = str(data.get("worker", ""))
            out.append(Progress(key, kind, data))

    def as_completed(self, timeout: float = 0.0) -> list[CellResult]:
        out, self._results = self._results, []
        end = time.monotonic() + timeout
        while True:
            if self._ac.has_ready():
                for fut in self._ac.next_batch(block=False):
                    result = self._take(fut)
                    if result is not None:
                        out.append(result)
            left = end - time.monotonic()
            if out or left <= 0:
                return out
            with self._ac.thread_condition:  # notified when a future completes
                self._ac.thread_condition.wait(min(left, 0.5))

    def _take(self, fut) -> CellResult | None:
        key = fut.key.removeprefix(f"{self.topic}-")
        if self._futures.get(key) is not fut:  # already reported (cancelled)
            return None
        del self._futures[key]
        worker = self._started.pop(key, "")
        if fut.status == "finished":
            from importance.sweep.worker import STOPPED

            try:
                artifacts = fut.result()
            except Exception as exc:  # the result could not be fetched
                return CellResult(key, FAILED, error=describe_error(exc), worker=worker)
            finally:
                fut.release()
            if isinstance(artifacts, str) and artifacts == STOPPED:
                return CellResult(key, CANCELLED, worker=worker)
            return CellResult(key, DONE, artifacts=artifacts, worker=worker)
        if fut.status == "cancelled":
            return CellResult(key, CANCELLED, worker=worker)
        from importance.training import Cancelled

        try:
            exc = fut.exception()
            trace = "".join(tb.format_tb(fut.traceback())) if fut.traceback() else ""
        except Exception as err:  # lost with its worker
            exc, trace = err, ""
        fut.release()
        if isinstance(exc, Cancelled):
            return CellResult(key, CANCELLED, worker=worker)
        return CellResult(key, FAILED, error=describe_error(exc), traceback=trace,
                          worker=worker)

    def cancel(self) -> None:
        self._event.set()
        self.progress()  # learn which cells started
        pending = [k for k in self._futures if k not in self._started]
        if pending:
            self.client.cancel([self._futures[k] for k in pending])
        for k in pending:
            del self._futures[k]
            self._results.append(CellResult(k, CANCELLED))

    def abandon(self) -> None:
        """Give up the running cells too (they were asked to stop): each ends CANCELLED."""
        self._event.set()
        if self._futures:
            self.client.cancel(list(self._futures.values()))
        for k in list(self._futures):
            del self._futures[k]
            self._results.append(CellResult(k, CANCELLED, worker=self._started.pop(k, "")))

    @property
    def unfinished(self) -> int:
        return len(self._futures)

    def close(self) -> None:
        try:
            self.client.unsubscribe_topic(self.topic)
        except Exception:  # the connection is gone already
            pass
        if self._futures:
            self.abandon()
        try:
            self._event.clear()
        except Exception:
            pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _missing(paths: list[str]) -> list[str]:
    return [p for p in paths if not os.access(p, os.R_OK)]


def check_workers(client) -> None:
    """ValueError unless every worker of `client`'s cluster can import this package and
    runs the same code (version, source hash) and torch as this process."""
    from importance.sweep.worker import code_fingerprint

    here = code_fingerprint()
    try:
        there = client.run(code_fingerprint)
    except (ImportError, ModuleNotFoundError) as exc:
        raise ValueError(f"the cluster's workers cannot import importance ({exc}): install "
                         "this project in every worker's environment (pip install of the same "
                         "checkout, with torch==" + here["torch"] + ")") from None
    if not there:
        raise ValueError("the Dask cluster has no workers: start some (dask worker ADDRESS "
                         "--nthreads 1)")
    threaded = {addr: n for addr, n in client.nthreads().items() if n > 1}
    if threaded:
        addr, n = next(iter(threaded.items()))
        raise ValueError(f"{len(threaded)} workers run several threads (e.g. {addr}: {n}); "
                         "runs in one process would share torch's random state and threads: "
                         "start the workers with --nthreads 1 (and --nworkers N for N runs "
                         "at once)")
    differ = {addr: fp for addr, fp in there.items() if fp != here}
    if differ:
        shown = "; ".join(f"{addr}: {fp}" for addr, fp in list(differ.items())[:3])
        raise ValueError(f"{len(differ)} of {len(there)} workers run other code than this "
                         f"process ({here}): {shown}. Install the same checkout on every "
                         "worker")

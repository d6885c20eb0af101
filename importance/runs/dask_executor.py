"""The executor on Dask distributed: sweeps, and the dashboard's runs when a cluster is given.

    ex = DaskExecutor()                          # a LocalCluster: one process per core
    ex = DaskExecutor("tcp://scheduler:8786")    # an existing cluster (or $IMPORTANCE_DASK_ADDRESS)
    ex.submit(Task(key, config, runs_dir=""))    # one run; `key` unique within the executor
    ex.events(timeout=0.5)                       # Progress ... then Outcome(key, DONE, artifacts)
    ex.cancel(key)                               # pending: dropped; running: stops at its next
    ex.cancel()                                  # batch, or its worker is restarted after grace
    ex.shutdown()

It meets `importance.runs.executor.Executor`, as the local job process does. A worker
returns the run's artifacts (`Outcome.artifacts`) and the caller stores them, so the
cluster needs no filesystem shared with the caller (`task.runs_dir` is not used).

Facts this relies on (DESIGN.md section 4d): `submit(..., key=...)` with a unique key
(identical calls are merged otherwise); `Client.cancel` does not stop a running task, so
each task polls its own `distributed.Event`; workers need the same package (checked on
connect: `check_workers`) and are kept alive between runs (a cold `import torch` costs
seconds). The local cluster gives up a task at its worker's first death (allowed-failures
0: a run that killed its worker, e.g. out of memory, would kill the next one too).
"""

from __future__ import annotations

import logging
import os
import queue
import time
import traceback as tb
import uuid
from typing import Any

from importance.runs.executor import CANCEL_GRACE_S, Event
from importance.runs.tasks import CANCELLED, DONE, FAILED, Outcome, Progress, Task
from importance.runtime import THREADS

ADDRESS_ENV = "IMPORTANCE_DASK_ADDRESS"
CONNECT_TIMEOUT_S = 20.0
PRELOAD = "importance.runs.dask_worker"  # the local cluster's workers ignore SIGINT
# The local cluster's config (its scheduler and workers get it at their start): no
# statistical profiler (it samples the training thread every 10 ms, for a dashboard we do not
# start); a worker holds only the run it trains, so the last runs go to whichever worker is
# free; a task whose worker died is not given to another one.
CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                  "distributed.scheduler.worker-saturation": 1.0,
                  "distributed.scheduler.allowed-failures": 0}
# Without a dashboard the scheduler still serves its HTTP routes (metrics, health), on port
# 8787 by default: a free port instead, so a second cluster on the machine (the Sweep page's
# beside the dashboard's jobs, another user's) neither collides nor warns.
NO_FIXED_PORT = {"dashboard_address": "127.0.0.1:0"}
log = logging.getLogger(__name__)


def default_workers() -> int:
    """A local cluster's workers: one per core, one on a machine with a GPU (its runs would
    share the one device: time and energy are only apportioned, not isolated)."""
    from importance.runtime import cores, gpu_present

    return 1 if gpu_present() else cores()


def describe_error(exc: BaseException) -> str:
    """An error a run raised, in words."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return ("the worker process running it died (likely out of memory, or killed): "
                f"{exc}")
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class DaskExecutor:
    """Runs tasks on Dask distributed: an existing cluster at `address` (or
    `$IMPORTANCE_DASK_ADDRESS`), else a `LocalCluster` of `n_workers` processes (default:
    one per core) with one thread each, bound to 127.0.0.1, without a dashboard, which
    `shutdown` ends. `threads`: torch threads per run on the local cluster (default:
    `$IMPORTANCE_THREADS`, else 1)."""

    def __init__(self, address: str | None = None, *, n_workers: int | None = None,
                 threads: int | None = None, check: bool = True,
                 connect_timeout: float = CONNECT_TIMEOUT_S):
        from distributed import Client, LocalCluster
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
                    scheduler_kwargs=NO_FIXED_PORT, threads_per_worker=1, processes=True,
                    silence_logs=logging.ERROR,
                    preload=[PRELOAD],
                    env={THREADS: str(threads) if threads else os.environ.get(THREADS, "1")})
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
        self.topic = f"importance-{uuid.uuid4().hex[:12]}"
        self._events: queue.Queue = queue.Queue()
        self.client.subscribe_topic(self.topic, self._on_topic)
        self._ac = dask_as_completed([], loop=self.client.loop, with_results=False)
        self._futures: dict[str, Any] = {}  # key -> future, until its outcome is reported
        self._started: dict[str, str] = {}  # key -> worker address
        self._hard_at: dict[str, float] = {}  # cancelled running key -> when to restart
        self._grace = CANCEL_GRACE_S
        self._pending: list[Event] = []  # produced outside events()
        self._local_workers = n if self.cluster is not None else 0

    @property
    def workers(self) -> int:
        """Runs that can train at once: the cluster's worker threads (one per worker); a local
        cluster's are fixed at its start (no scheduler call each time the manager asks)."""
        if self._local_workers:
            return self._local_workers
        return max(1, sum(self.client.nthreads().values()))

    def _on_topic(self, event) -> None:  # on the client's event loop thread
        _, msg = event
        self._events.put(msg)

    def _cancel_name(self, key: str) -> str:
        return f"{self.topic}-cancel-{key}"

    def warm_up(self) -> dict[str, float]:
        """Import the training code in every worker now; worker address -> seconds."""
        from importance.runs.dask_worker import warm_up

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

    def submit(self, task: Task) -> None:
        """Queue `task` on the cluster. Its run is `importance.experiment.train_run`: a
        custom `task.runner` cannot travel to a cluster (ValueError)."""
        from importance.runs.dask_worker import train_task

        if task.runner is not None:
            raise ValueError("a Dask executor trains with importance.experiment.train_run; "
                             f"task {task.key!r} names another runner")
        if task.key in self._futures:
            raise ValueError(f"task {task.key!r} was already submitted to this executor")
        fut = self.client.submit(train_task, task.config, task.key, self.topic,
                                 self._cancel_name(task.key), task.batch,
                                 key=f"{self.topic}-{task.key}",
                                 pure=False, retries=0)
        self._futures[task.key] = fut
        self._ac.add(fut)

    def events(self, timeout: float = 0.0) -> list[Event]:
        """Progress and outcomes since the last call; waits up to `timeout` s for the
        first."""
        out, self._pending = self._pending, []
        end = time.monotonic() + timeout
        while True:
            out += self._progress()
            if self._ac.has_ready():
                for fut in self._ac.next_batch(block=False):
                    outcome = self._take(fut)
                    if outcome is not None:
                        out.append(outcome)
            now = time.monotonic()
            for key in [k for k, at in self._hard_at.items() if now >= at]:
                out.append(self._end(key))
            left = end - now
            if out or left <= 0:
                return out
            with self._ac.thread_condition:  # notified when a future completes
                self._ac.thread_condition.wait(min(left, 0.2))

    def _progress(self) -> list[Progress]:
        out = []
        while True:
            try:
                msg = self._events.get_nowait()
            except queue.Empty:
                return out
            key, kind, data = msg.get("key"), msg.get("kind"), msg.get("data")
            if key not in self._futures:
                continue
            if kind == "started":
                self._started[key] = str(data.get("worker", ""))
                if key in self._hard_at:  # count the grace from when it runs
                    self._hard_at[key] = max(self._hard_at[key],
                                             time.monotonic() + self._grace)
            out.append(Progress(key, kind, data))

    def _take(self, fut) -> Outcome | None:
        key = fut.key.removeprefix(f"{self.topic}-")
        if self._futures.get(key) is not fut:  # already reported (cancelled)
            return None
        del self._futures[key]
        self._hard_at.pop(key, None)
        worker = self._started.pop(key, "")
        if fut.status == "finished":
            from importance.runs.dask_worker import STOPPED

            try:
                artifacts = fut.result()
            except Exception as exc:  # the result could not be fetched
                return Outcome(key, FAILED, error=describe_error(exc), worker=worker)
            finally:
                fut.release()
            if isinstance(artifacts, str) and artifacts == STOPPED:
                return Outcome(key, CANCELLED, worker=worker)
            return Outcome(key, DONE, run_id=artifacts.run_id, artifacts=artifacts,
                           worker=worker)
        if fut.status == "cancelled":
            return Outcome(key, CANCELLED, worker=worker)
        from importance.training import Cancelled

        try:
            exc = fut.exception()
            trace = "".join(tb.format_exception(type(exc), exc, fut.traceback())) \
                if fut.traceback() else ""  # as the local worker's: format_exc's form
        except Exception as err:  # lost with its worker
            exc, trace = err, ""
        fut.release()
        if isinstance(exc, Cancelled):
            return Outcome(key, CANCELLED, worker=worker)
        return Outcome(key, FAILED, error=describe_error(exc), traceback=trace, worker=worker)

    def cancel(self, key: str | None = None, grace: float = CANCEL_GRACE_S) -> None:
        """Stop task `key` (None: every unfinished task). One that has not started ends
        CANCELLED now; a running one stops at its next batch, or its worker is restarted
        after `grace` s (CANCELLED either way, or DONE if it finished meanwhile)."""
        from distributed import Event as DaskEvent

        self._pending += self._progress()  # learn which tasks started
        keys = list(self._futures) if key is None else [key] if key in self._futures else []
        self._grace = grace
        for k in keys:
            DaskEvent(self._cancel_name(k), client=self.client).set()
            if k in self._started:
                self._hard_at.setdefault(k, time.monotonic() + grace)
        pending = [k for k in keys if k not in self._started]
        if pending:
            self.client.cancel([self._futures[k] for k in pending])
        for k in pending:
            del self._futures[k]
            self._pending.append(Outcome(k, CANCELLED))

    def _end(self, key: str) -> Outcome:
        """Give up a running task that did not stop: its future is dropped and its worker
        restarted (a thread cannot be stopped; a cluster without nannies keeps it running
        to its end, its result unused)."""
        fut = self._futures.pop(key)
        self._hard_at.pop(key, None)
        worker = self._started.pop(key, "")
        self.client.cancel([fut])
        if worker:
            try:
                self.client.restart_workers([worker], timeout=30, raise_for_error=True)
            except Exception as exc:  # noqa: BLE001 - no nanny, or the worker is gone
                log.warning("could not restart worker %s for task %s: %s", worker, key, exc)
        return Outcome(key, CANCELLED, worker=worker, error=(
            f"stopped by restarting its worker: it did not stop within {self._grace:g} s"))

    def shutdown(self) -> None:
        """Give up unfinished tasks (they are asked to stop), end a local cluster."""
        try:
            self.client.unsubscribe_topic(self.topic)
        except Exception:  # noqa: BLE001 - the connection is gone already
            pass
        if self._futures:
            self.cancel(grace=0.0)
            self.client.cancel(list(self._futures.values()))
            self._futures.clear()
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def _missing(paths: list[str]) -> list[str]:
    return [p for p in paths if not os.access(p, os.R_OK)]


def check_workers(client) -> None:
    """ValueError unless every worker of `client`'s cluster can import this package and
    runs the same code (version, source hash) and torch as this process."""
    from importance.runs.dask_worker import code_fingerprint

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

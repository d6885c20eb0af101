"""The dashboard's jobs on a Dask cluster this module starts (`$IMPORTANCE_DASK_ADDRESS`): the
job manager drives `DaskExecutor` through the executor interface a sweep uses, stores the
runs the workers return, follows their phases and epochs, and cancels softly and hard."""

from __future__ import annotations

import logging
import os
import time

import pytest

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs.dask_executor import ADDRESS_ENV, NO_FIXED_PORT, DaskExecutor
from importance.runs.jobs import JobManager
from importance.runs.lanes import default_executor
from importance.runs.store import RunStore
from importance.runs.tasks import CANCELLED, DONE, Outcome, Progress, Task


@pytest.fixture(scope="module")
def scheduler():
    """Two nanny-managed worker processes, one thread each, as a cluster started elsewhere."""
    from distributed import LocalCluster

    with LocalCluster(host="127.0.0.1", dashboard_address=None, n_workers=2,
                      scheduler_kwargs=NO_FIXED_PORT,
                      threads_per_worker=1, processes=True,
                      silence_logs=logging.CRITICAL) as cluster:
        yield cluster.scheduler_address


def tiny(strategy: str = "full", epochs: int = 2) -> RunConfig:
    return RunConfig(DataConfig(), WindowConfig(lookback=24, stride=32), ModelConfig(hidden=4),
                     TrainConfig(strategy=strategy, epochs=epochs, patience=None))


def until(predicate, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_the_address_sends_the_dashboards_jobs_to_the_cluster_and_stores_their_runs(
        tmp_path, scheduler, monkeypatch):
    monkeypatch.setenv(ADDRESS_ENV, scheduler)
    mgr = JobManager(RunStore(tmp_path / "runs"), persist=False)
    try:
        assert mgr.executor is None  # started with the first job
        ids = mgr.submit([tiny("full"), tiny("gradnorm", epochs=3)])
        phases: set[str] = set()
        end = time.monotonic() + 180
        while mgr.busy:  # the phases a running job goes through reach the page's view
            phases |= {j.phase for j in mgr.jobs() if j.status == "running"}
            assert time.monotonic() < end
            time.sleep(0.05)
        jobs = [mgr.get(i) for i in ids]
        assert [j.status for j in jobs] == [DONE, DONE], [j.error for j in jobs]
        assert isinstance(mgr.executor, DaskExecutor) and mgr.executor.address == scheduler
        assert "training" in phases
        store = mgr.store
        assert sorted(store.ids()) == sorted(j.run_id for j in jobs)  # written by the manager
        for job in jobs:
            assert job.epoch == job.epochs == job.config.train.epochs
            assert [h["epoch"] for h in job.history] == list(range(job.epochs))
            assert all(h["val_mae"] > 0 for h in job.history)
            assert job.pid is not None and job.pid != os.getpid()  # a worker process
            run = store.load(job.run_id)
            assert run.config.train.strategy == job.strategy and run.state_dict()
    finally:
        mgr.close()


def test_without_the_address_one_lane_stays_in_a_local_process(monkeypatch):
    from importance.runs.executor import LocalProcessExecutor

    monkeypatch.delenv(ADDRESS_ENV, raising=False)
    ex = default_executor(lanes=1)
    try:
        assert isinstance(ex, LocalProcessExecutor)
    finally:
        ex.shutdown()


def test_cancel_ends_a_running_job_softly_and_a_queued_one_at_once(tmp_path, scheduler):
    mgr = JobManager(RunStore(tmp_path / "runs"), executor=DaskExecutor(scheduler),
                     persist=False)
    try:
        running, beside, queued = mgr.submit([tiny(epochs=500)] * 3)
        until(lambda: mgr.get(running).epoch >= 1 and mgr.get(beside).epoch >= 1)
        assert mgr.get(queued).status == "queued"  # as many at once as the cluster's workers
        assert mgr.cancel(queued) and mgr.get(queued).status == CANCELLED
        assert mgr.cancel(running) and mgr.cancel(beside)
        until(lambda: not mgr.busy, timeout=60)  # at their next batch, not after 500 epochs
        for job_id in (running, beside):
            assert mgr.get(job_id).status == CANCELLED
            assert "restarting" not in mgr.get(job_id).error  # it stopped by itself
        assert mgr.store.ids() == []
    finally:
        mgr.close()
        mgr.executor.shutdown()


def test_a_task_that_does_not_stop_in_its_grace_has_its_worker_restarted(scheduler):
    with DaskExecutor(scheduler) as ex:
        ex.submit(Task("long", tiny(epochs=500), runs_dir=""))
        seen: list = []
        until(lambda: any(isinstance(e, Progress) and e.kind == "epoch"
                          for e in seen + [seen.extend(ex.events(0.2))]))
        ex.cancel("long", grace=0.0)  # no time to stop at a batch: the worker is restarted
        outcomes: list[Outcome] = []
        until(lambda: outcomes or outcomes.extend(
            e for e in ex.events(0.2) if isinstance(e, Outcome)), timeout=60)
        assert outcomes[0].status == CANCELLED
        assert "restarting its worker" in outcomes[0].error and outcomes[0].worker
        until(lambda: ex.workers == 2, timeout=60)  # the nanny brought the worker back
        ex.submit(Task("after", tiny(epochs=1), runs_dir=""))  # and the cluster still trains
        done: list[Outcome] = []
        until(lambda: done or done.extend(
            e for e in ex.events(0.2) if isinstance(e, Outcome)), timeout=120)
        assert done[0].status == DONE and done[0].artifacts.summary["epochs_run"] == 1


def test_a_runner_that_cannot_travel_to_a_cluster_is_refused(scheduler):
    with DaskExecutor(scheduler) as ex, pytest.raises(ValueError, match="another runner"):
        ex.submit(Task("custom", tiny(), runs_dir="", runner=print))

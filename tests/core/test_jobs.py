import os
import threading
import time

import numpy as np
import pytest

from importance.config import RunConfig, TrainConfig
from importance.runs.jobs import CANCELLED, DONE, FAILED, WORKER_NICE, JobManager
from importance.runs.store import RunStore
from importance.strategies import Selection
from importance.training import Cancelled, EpochEvent, EpochRecord


def _record(epoch: int) -> EpochRecord:
    return EpochRecord(epoch, 1.0, 2.0, 3.0, 10, 10, 10, "", 0, 0.0, 0.01, 0.0, 0.0, 1e-6, 0.0,
                       1e-7)


def fake_runner(cfg, *, store, on_event, cancel):
    """Behaves like run_experiment: epochs with events, honours cancel, can fail."""
    if cfg.train.strategy == "random":
        raise RuntimeError("boom in the worker")
    for epoch in range(cfg.train.epochs):
        for _ in range(20):  # batches
            if cancel.is_set():
                raise Cancelled("cancelled")
            time.sleep(0.005)
        on_event(EpochEvent(_record(epoch), cfg.train.epochs, np.zeros(3),
                            Selection(np.arange(3))))
    return f"run-{cfg.train.strategy}-{threading.current_thread().name}"


def cfg(strategy: str, epochs: int = 2) -> RunConfig:
    return RunConfig(train=TrainConfig(strategy=strategy, epochs=epochs))


@pytest.fixture
def manager(tmp_path):
    return JobManager(RunStore(tmp_path), runner=fake_runner)


def test_jobs_run_one_at_a_time_in_a_background_thread(manager):
    ids = manager.submit([cfg("full"), cfg("gradnorm")])
    seen_running = set()
    while manager.busy:
        running = [j.id for j in manager.jobs() if j.status == "running"]
        assert len(running) <= 1
        seen_running.update(running)
        time.sleep(0.005)
    jobs = {j.id: j for j in manager.jobs()}
    assert seen_running <= set(ids)
    for i in ids:
        assert jobs[i].status == DONE and jobs[i].epoch == 2 and len(jobs[i].history) == 2
        assert jobs[i].run_id.endswith("importance-jobs")  # ran in the worker thread
    assert jobs[ids[0]].finished <= jobs[ids[1]].started


def test_a_failing_job_reports_its_error_and_the_next_job_still_runs(manager):
    bad, good = manager.submit([cfg("random"), cfg("full")])
    assert manager.wait(timeout=10)
    assert manager.get(bad).status == FAILED
    assert "boom in the worker" in manager.get(bad).error
    assert "RuntimeError" in manager.get(bad).traceback
    assert manager.get(good).status == DONE


def test_cancel_stops_a_running_job_and_skips_a_queued_one(manager):
    running, queued = manager.submit([cfg("full", epochs=50), cfg("gradnorm")])
    while manager.get(running).status != "running":
        time.sleep(0.005)
    assert manager.cancel(queued) and manager.cancel(running)
    assert manager.wait(timeout=5)
    assert manager.get(running).status == CANCELLED
    assert manager.get(running).epoch < 50
    assert manager.get(queued).status == CANCELLED and manager.get(queued).started is None
    assert not manager.cancel(running)  # already finished


def test_snapshots_are_copies(manager):
    (job_id,) = manager.submit([cfg("full")])
    manager.wait(timeout=5)
    snap = manager.get(job_id)
    snap.history.clear()
    snap.status = "tampered"
    assert manager.get(job_id).status == DONE and len(manager.get(job_id).history) == 2


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no per-thread priorities here")
def test_the_worker_trains_at_a_lower_cpu_priority_than_the_caller(tmp_path):
    seen = {}

    def runner(cfg, *, store, on_event, cancel):
        tid = threading.get_native_id()
        seen["worker"] = os.getpriority(os.PRIO_PROCESS, tid)
        return "run"

    JobManager(RunStore(tmp_path), runner=runner).submit([cfg("full")])
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    deadline = time.time() + 10
    while "worker" not in seen and time.time() < deadline:
        time.sleep(0.01)
    assert seen["worker"] == min(own + WORKER_NICE, 19)

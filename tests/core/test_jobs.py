import json
import os
import time

import numpy as np
import pytest

from importance.config import RunConfig, TrainConfig
from importance.runs.executor import LocalProcessExecutor
from importance.runs.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUE_FILE,
    RUNNING,
    JobManager,
)
from importance.runs.store import RunStore
from importance.strategies import Selection
from importance.training import Cancelled, EpochEvent, EpochRecord


def _record(epoch: int) -> EpochRecord:
    return EpochRecord(epoch, 1.0, 2.0, 3.0, 10, 10, 10, "", 0, 0.0, 0.01, 0.0, 0.0, 1e-6, 0.0,
                       1e-7)


def fake_runner(cfg, *, store, on_event, cancel):
    """Behaves like run_experiment: epochs with events, honours cancel, can fail. Runs in the
    job's process (module level: it is pickled)."""
    if cfg.train.strategy == "random":
        raise RuntimeError("boom in the worker")
    for epoch in range(cfg.train.epochs):
        for _ in range(20):  # batches
            if cancel.is_set():
                raise Cancelled("cancelled")
            time.sleep(0.005)
        on_event(EpochEvent(_record(epoch), cfg.train.epochs, np.zeros(3),
                            Selection(np.arange(3)), last=epoch + 1 == cfg.train.epochs))
    return f"run-{cfg.train.strategy}-{os.getpid()}"


def priority_runner(cfg, *, store, on_event, cancel):
    from importance import runtime

    return f"nice-{os.getpriority(os.PRIO_PROCESS, 0)} threads-{runtime.configure().threads}"


def cfg(strategy: str, epochs: int = 2) -> RunConfig:
    return RunConfig(train=TrainConfig(strategy=strategy, epochs=epochs))


@pytest.fixture(scope="module")
def executor():
    """One worker process for the module: only the first test pays the torch import."""
    ex = LocalProcessExecutor()
    assert ex.warm_up(timeout=120)
    yield ex
    ex.shutdown()


@pytest.fixture
def manager(tmp_path, executor):
    mgr = JobManager(RunStore(tmp_path), runner=fake_runner, executor=executor)
    yield mgr
    for job in mgr.jobs():
        mgr.cancel(job.id)
    assert mgr.wait(timeout=30)
    mgr.close()


def test_jobs_run_one_at_a_time_in_a_worker_process(manager):
    ids = manager.submit([cfg("full"), cfg("gradnorm")])
    seen_running = set()
    while manager.busy:
        running = [j.id for j in manager.jobs() if j.status == RUNNING]
        assert len(running) <= 1
        seen_running.update(running)
        time.sleep(0.005)
    jobs = {j.id: j for j in manager.jobs()}
    assert seen_running <= set(ids)
    pids = set()
    for i in ids:
        assert jobs[i].status == DONE and jobs[i].epoch == 2 and len(jobs[i].history) == 2
        pid = int(jobs[i].run_id.rsplit("-", 1)[1])
        assert pid != os.getpid() and pid == jobs[i].pid  # ran in the job's process
        pids.add(pid)
    assert len(pids) == 1  # the worker process is kept between jobs
    assert jobs[ids[0]].finished <= jobs[ids[1]].started


def test_a_failing_job_reports_its_error_and_the_next_job_still_runs(manager):
    bad, good = manager.submit([cfg("random"), cfg("full")])
    assert manager.wait(timeout=10)
    assert manager.get(bad).status == FAILED
    assert "boom in the worker" in manager.get(bad).error
    assert "RuntimeError" in manager.get(bad).traceback
    assert manager.get(good).status == DONE
    assert manager.get(good).pid == manager.get(bad).pid  # an exception is not a crash


def test_cancel_stops_a_running_job_and_skips_a_queued_one(manager):
    running, queued = manager.submit([cfg("full", epochs=50), cfg("gradnorm")])
    while manager.get(running).epoch < 1:
        time.sleep(0.005)
    assert manager.cancel(queued) and manager.cancel(running)
    assert manager.wait(timeout=5)
    assert manager.get(running).status == CANCELLED
    assert manager.get(running).error == ""  # stopped between batches: no force needed
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


def test_the_queue_file_holds_the_queued_and_running_jobs(manager):
    path = manager.store.root / QUEUE_FILE
    first, second = manager.submit([cfg("full", epochs=50), cfg("gradnorm")])
    while manager.get(first).status != RUNNING:
        time.sleep(0.005)
    doc = json.loads(path.read_text())
    assert doc["format"] == 1 and doc["seq"] == 1
    assert [(j["id"], j["status"]) for j in doc["jobs"]] == [(first, "running"),
                                                              (second, "queued")]
    assert RunConfig.from_dict(doc["jobs"][1]["config"]) == cfg("gradnorm")
    manager.cancel(first)
    manager.cancel(second)
    assert manager.wait(timeout=5)
    assert json.loads(path.read_text())["jobs"] == []
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert manager.store.ids() == []  # the queue file is not a run


def test_a_runner_that_cannot_be_pickled_fails_its_job_only(tmp_path, executor):
    mgr = JobManager(RunStore(tmp_path), runner=lambda c, **kw: "never", executor=executor)
    (job_id,) = mgr.submit([cfg("full")])
    assert mgr.wait(timeout=10)
    assert mgr.get(job_id).status == FAILED and "could not start the job" in mgr.get(job_id).error
    mgr.close()


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_the_worker_trains_at_the_callers_priority_with_the_runtime_policy(tmp_path, executor):
    mgr = JobManager(RunStore(tmp_path), runner=priority_runner, executor=executor)
    (job_id,) = mgr.submit([cfg("full")])
    assert mgr.wait(timeout=10)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    cores = len(os.sched_getaffinity(0))
    assert mgr.get(job_id).run_id == f"nice-{own} threads-adaptive (1-{cores})"
    mgr.close()


def test_each_job_keeps_the_estimate_of_its_launch_in_the_queue_file_too(manager):
    assert manager.warm  # the module's worker is up: a launch counts no worker start
    with pytest.raises(ValueError, match="1 estimates for 2 runs"):
        manager.submit([cfg("full"), cfg("gradnorm")], [1.0])
    first, second = manager.submit([cfg("full", epochs=50), cfg("gradnorm")], [3.5, 1.25])
    assert (manager.get(first).estimate_s, manager.get(second).estimate_s) == (3.5, 1.25)
    while manager.get(first).status != RUNNING:
        time.sleep(0.005)
    doc = json.loads((manager.store.root / QUEUE_FILE).read_text())
    assert [j["estimate_s"] for j in doc["jobs"]] == [3.5, 1.25]
    (unestimated,) = manager.submit([cfg("rs2")])
    assert manager.get(unestimated).estimate_s is None


def test_a_restarted_server_shows_the_estimates_of_the_jobs_it_finds(tmp_path, executor):
    doc = {"format": 1, "seq": 4, "jobs": [
        {"id": "b4-1-full", "batch": "b4", "strategy": "full", "status": "running",
         "created": 1.0, "started": 2.0, "config": cfg("full").to_dict(), "estimate_s": 7.5},
        {"id": "b4-2-rs2", "batch": "b4", "strategy": "rs2", "status": "queued",
         "created": 1.0, "started": None, "config": cfg("rs2").to_dict()}]}
    (tmp_path / QUEUE_FILE).write_text(json.dumps(doc))
    mgr = JobManager(RunStore(tmp_path), runner=fake_runner, executor=executor)
    assert mgr.wait(timeout=30)
    assert mgr.get("b4-1-full").estimate_s == 7.5  # interrupted, with its estimate
    assert mgr.get("b4-2-rs2").estimate_s is None and mgr.get("b4-2-rs2").status == DONE
    mgr.close()

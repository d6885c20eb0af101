"""Faults in a job end only that job: exceptions, kills, BaseExceptions, cancel during scoring,
concurrent launches, and a server restart with jobs in the queue."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.experiment import run_experiment
from importance.runs.executor import LocalProcessExecutor
from importance.runs.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    JobManager,
)
from importance.runs.store import RunStore
from importance.strategies import STRATEGIES, Budget, Selection

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests" / "app"):  # `ui` and the AppTest helpers
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from pagetools import launch, new_app, page, set_quick_form  # noqa: E402

from ui import state  # noqa: E402
from ui.state import F_SEEDS  # noqa: E402

KILLED = "the job's process was killed (signal 9: likely out of memory)"


def quick(strategy: str = "full", epochs: int = 1, **params) -> RunConfig:
    """A run that trains in about a second (tests/app/pagetools.py QUICK)."""
    return RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                     train=TrainConfig(strategy=strategy, epochs=epochs, strategy_params=params))


# --- runners: module level, so the job's process can unpickle them -----------------------------

class Explodes:
    """A strategy that raises in the middle of training (its second epoch)."""

    name = "explodes"
    label = "Raises at epoch 2"
    train_scores = None

    def needs_scores(self, epoch, book):
        return None

    def plan_epoch(self, epoch, book, rng):
        if epoch == 1:
            raise RuntimeError("the strategy exploded at epoch 2")
        return Selection(np.arange(book.n, dtype=np.int64))

    def expected_budget(self, epochs, n):
        return Budget(1.0)


def with_exploding_strategy(cfg, *, store, on_event, cancel, meter=None):
    STRATEGIES.setdefault("explodes", Explodes)  # registered in the job's process only
    return run_experiment(cfg, store=store, on_event=on_event, cancel=cancel, meter=meter)


def raises_system_exit(cfg, *, store, on_event, cancel):
    if cfg.train.strategy == "full":
        raise SystemExit(3)
    return run_experiment(cfg, store=store, on_event=on_event, cancel=cancel)


def raises_keyboard_interrupt(cfg, *, store, on_event, cancel):
    if cfg.train.strategy == "full":
        raise KeyboardInterrupt
    return run_experiment(cfg, store=store, on_event=on_event, cancel=cancel)


def stalls_while_saving(cfg, *, store, on_event, cancel, meter=None):
    """Trains, then stops in the middle of saving (after scores.npz, before model.pt) and
    says so with a file next to the run store, waiting to be killed."""
    from importance.runs import store as store_module

    real = store_module._write

    def write(path, fn, mode="wb"):
        real(path, fn, mode)
        if path.name == "scores.npz":
            (Path(store.root).parent / "saving-now").touch()
            time.sleep(600)

    store_module._write = write
    return run_experiment(cfg, store=store, on_event=on_event, cancel=cancel, meter=meter)


# --- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def executor():
    """One worker process for the module's managers: the torch import is paid once (and again
    only after a test kills it)."""
    ex = LocalProcessExecutor()
    assert ex.warm_up(timeout=120)
    yield ex
    ex.shutdown()


def make_manager(root: Path, executor, **kw) -> JobManager:
    return JobManager(RunStore(root), executor=executor, **kw)


def wait_for(predicate, timeout: float = 60, what: str = "a state") -> None:
    end = time.time() + timeout
    while not predicate():
        assert time.time() < end, f"timed out waiting for {what}"
        time.sleep(0.005)


def finish(mgr: JobManager) -> None:
    for job in mgr.jobs():
        mgr.cancel(job.id)
    assert mgr.wait(timeout=60), "a job did not stop"
    mgr.close()


# --- the faults ---------------------------------------------------------------------------------

def test_an_exception_in_a_strategy_fails_only_its_job(tmp_path, executor, caplog):
    mgr = make_manager(tmp_path, executor, runner=with_exploding_strategy)
    bad, good = mgr.submit([quick("explodes", epochs=3), quick("full")])
    assert mgr.wait(timeout=120)
    failed = mgr.get(bad)
    assert failed.status == FAILED
    assert failed.error == "RuntimeError: the strategy exploded at epoch 2"
    assert "plan_epoch" in failed.traceback
    assert "the strategy exploded" in caplog.text and "plan_epoch" in caplog.text  # server log
    assert failed.epoch == 1 and len(failed.history) == 1  # its first epoch was reported
    assert mgr.get(good).status == DONE
    assert mgr.get(good).pid == failed.pid  # an exception does not cost the worker process
    assert mgr.store.ids() == [mgr.get(good).run_id]  # the failed run stored nothing
    finish(mgr)


def test_a_killed_job_process_fails_that_job_and_the_next_job_runs_in_a_new_one(tmp_path,
                                                                                 executor):
    mgr = make_manager(tmp_path, executor)
    starts = executor.starts
    victim, after = mgr.submit([quick(epochs=500), quick()])
    wait_for(lambda: mgr.get(victim).epoch >= 1, what="the first epoch")
    os.kill(mgr.get(victim).pid, signal.SIGKILL)  # what the out-of-memory killer does
    assert mgr.wait(timeout=120)
    killed = mgr.get(victim)
    assert killed.status == FAILED and killed.error == KILLED
    assert 1 <= killed.epoch < 500
    assert mgr.get(after).status == DONE
    assert mgr.get(after).pid != killed.pid
    assert executor.starts == starts + 1
    assert mgr.store.ids() == [mgr.get(after).run_id]
    finish(mgr)


def test_kill_9_during_save_leaves_no_half_run_and_the_leftover_is_cleaned(tmp_path, executor):
    root = tmp_path / "runs"
    mgr = make_manager(root, executor, runner=stalls_while_saving)
    victim, = mgr.submit([quick()])
    wait_for(lambda: (tmp_path / "saving-now").exists(), what="the save")
    os.kill(mgr.get(victim).pid, signal.SIGKILL)
    assert mgr.wait(timeout=60)
    assert mgr.get(victim).status == FAILED and mgr.get(victim).error == KILLED
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".tmp-")]
    assert len(leftovers) == 1  # the interrupted save: scores written, no model
    assert RunStore(root).ids() == [] and RunStore(root).unreadable() == []
    assert RunStore(root, tmp_grace_s=0).remove_leftovers() == []  # opening it cleaned it
    assert not any(p.name.startswith(".tmp-") for p in root.iterdir())
    mgr.close()
    mgr = make_manager(root, executor)
    after, = mgr.submit([quick()])
    assert mgr.wait(timeout=120) and mgr.get(after).status == DONE
    assert RunStore(root).ids() == [mgr.get(after).run_id]
    finish(mgr)


@pytest.mark.parametrize(("runner", "error"), [(raises_system_exit, "SystemExit: 3"),
                                               (raises_keyboard_interrupt, "KeyboardInterrupt")])
def test_a_base_exception_in_a_job_fails_it_instead_of_running_forever(tmp_path, executor,
                                                                       runner, error):
    mgr = make_manager(tmp_path, executor, runner=runner)
    bad, good = mgr.submit([quick("full"), quick("random", keep_ratio=0.5)])
    assert mgr.wait(timeout=120)
    assert mgr.get(bad).status == FAILED and mgr.get(bad).error == error
    assert mgr.get(good).status == DONE
    assert mgr.get(good).pid != mgr.get(bad).pid  # the worker that saw it was replaced
    finish(mgr)


# Exact gradient norms of ~3,000 windows of 288 steps: a scoring phase of about a second,
# first thing in the run (no warm-up epochs).
SCORING_FIRST = RunConfig(
    window=WindowConfig(lookback=288, stride=2), model=ModelConfig(hidden=8),
    train=TrainConfig(strategy="gradnorm", epochs=2, strategy_params={
        "keep_ratio": 0.7, "scoring": "exact", "warmup_epochs": 0, "rescore_method": "exact"}))


@pytest.mark.parametrize("grace", [60.0, 0.0], ids=["between-batches", "by-ending-the-process"])
def test_cancel_during_scoring_stores_nothing_and_the_worker_goes_on(tmp_path, executor, grace):
    mgr = make_manager(tmp_path, executor, cancel_grace=grace)
    job_id, = mgr.submit([SCORING_FIRST])
    wait_for(lambda: mgr.get(job_id).phase == "scoring", what="the scoring phase")
    pid = mgr.get(job_id).pid
    assert mgr.cancel(job_id)
    phases = set()
    while mgr.busy:
        phases.add(mgr.get(job_id).phase)
        time.sleep(0.002)
    assert "training" not in phases  # it stopped before training: the cancel came in scoring
    job = mgr.get(job_id)
    assert job.status == CANCELLED and job.epoch == 0 and job.run_id is None
    if grace:  # the cancel flag was seen after the scoring pass, before any training
        assert job.error == ""
    else:
        assert job.error == "stopped by ending its process: it did not stop within 0 s"
        assert not _alive(pid)
    assert mgr.store.ids() == []
    next_id, = mgr.submit([quick()])
    assert mgr.wait(timeout=120)
    assert mgr.get(next_id).status == DONE and len(mgr.store.ids()) == 1
    assert (mgr.get(next_id).pid == pid) == bool(grace)
    finish(mgr)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class StuckExecutor:
    """A job process that never answers: the server dies while a job runs."""

    workers = 1

    def __init__(self):
        self.tasks = []

    def submit(self, task):
        self.tasks.append(task)

    def events(self, timeout=0.0):
        time.sleep(timeout)
        return []

    def cancel(self, key, grace=5.0):
        pass

    def shutdown(self):
        pass


def test_after_a_restart_queued_jobs_run_and_the_running_one_is_interrupted(tmp_path, executor):
    dead = make_manager(tmp_path, StuckExecutor())
    running, *queued = dead.submit([quick("full"), quick("random", keep_ratio=0.5),
                                    quick("full", epochs=2)])
    wait_for(lambda: dead.get(running).status == RUNNING, what="the first job to start")
    dead.close()  # the server is gone: its queue file stays as it was

    mgr = make_manager(tmp_path, executor)  # the restarted server, same runs folder
    jobs = {j.id: j for j in mgr.jobs()}
    assert set(jobs) == {running, *queued}
    assert jobs[running].status == INTERRUPTED
    assert "the server stopped while this job was running" in jobs[running].error
    assert all(jobs[j].status in (QUEUED, RUNNING) for j in queued)
    assert jobs[queued[0]].config == quick("random", keep_ratio=0.5)  # configs restored
    assert mgr.wait(timeout=120)
    assert [mgr.get(j).status for j in queued] == [DONE, DONE]
    assert mgr.get(queued[1]).epoch == 2
    assert len(mgr.store.ids()) == 2
    new, = mgr.submit([quick()])
    assert new.startswith("b2-")  # batch numbers go on: no id is reused
    assert mgr.wait(timeout=120)
    mgr.close()

    again = make_manager(tmp_path, executor)  # nothing left to restore
    assert again.jobs() == []
    again.close()


def test_an_unreadable_queue_file_is_ignored(tmp_path, executor, caplog):
    (tmp_path / ".queue.json").write_text("{not json")
    mgr = make_manager(tmp_path, executor)
    assert mgr.jobs() == [] and "unreadable job queue" in caplog.text
    job_id, = mgr.submit([quick()])
    assert mgr.wait(timeout=120) and mgr.get(job_id).status == DONE
    mgr.close()


# --- the dashboard --------------------------------------------------------------------------------

@pytest.fixture
def runs_dir(dashboard_runs):
    """The dashboard's own run store (tests/conftest.py); its jobs are stopped at the end."""
    yield dashboard_runs
    from ui import runs

    mgr = runs.manager()
    for job in mgr.jobs():
        mgr.cancel(job.id)
    assert mgr.wait(timeout=60)


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@pytest.mark.slow
def test_two_sessions_launching_at_once_queue_both_batches(runs_dir):
    from ui import runs

    sessions = [page(new_app().run(), "pages/train.py") for _ in range(2)]
    for at in sessions:
        set_quick_form(at, **{state.F_EPOCHS: 1})
        at.multiselect(key=state.F_STRATEGIES).set_value(["full", "random"])
        at.text_input(key=F_SEEDS).set_value("1")
    errors = []

    def click(at) -> None:
        try:
            launch(at)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=click, args=(at,)) for at in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    mgr = runs.manager()
    jobs = mgr.jobs()
    assert len(jobs) == 4 and len({j.batch for j in jobs}) == 2  # no job lost, two batches
    for at in sessions:
        assert "Queued 2 runs (2 strategies x 1 seed)." in _texts(at.success)
    assert mgr.wait(timeout=180)
    jobs = sorted(mgr.jobs(), key=lambda j: j.started)
    assert [j.status for j in jobs] == [DONE] * 4
    for job in jobs:  # never more at once than the manager has lanes
        at_once = sum(j.started <= job.started < j.finished for j in jobs)
        assert at_once <= mgr.lanes, (at_once, mgr.lanes)
    assert len(set(mgr.store.ids())) == 4


def test_the_train_page_shows_an_interrupted_job(runs_dir):
    dead = JobManager(RunStore(runs_dir), executor=StuckExecutor())
    job_id, = dead.submit([quick()])
    wait_for(lambda: dead.get(job_id).status == RUNNING)
    dead.close()
    at = page(new_app().run(), "pages/train.py")
    assert ":violet-badge[interrupted]" in _texts(at.markdown)
    assert "This run was interrupted: the server stopped" in _texts(at.warning)
    from ui import runs

    assert not runs.manager().busy


def test_the_train_page_shows_why_a_job_failed_but_no_traceback(runs_dir):
    from ui import runs

    base = quick(epochs=2)
    diverges = dataclasses.replace(base, train=dataclasses.replace(base.train, lr=1e30))
    job_id, = runs.manager().submit([diverges])
    assert runs.manager().wait(timeout=120)
    job = runs.manager().get(job_id)
    assert job.status == FAILED and "Traceback" in job.traceback  # a real traceback...
    at = page(new_app().run(), "pages/train.py")
    shown = _texts(at.error) + _texts(at.code) + _texts(at.caption) + _texts(at.markdown)
    assert "This run failed: NonFiniteLoss" in _texts(at.error) and "learning rate" in shown
    assert "Traceback" not in shown and 'File "' not in shown  # ... that stays in the log
    assert "server's log" in _texts(at.caption)

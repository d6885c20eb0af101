"""The job manager trains in lanes: runs at once on a local Dask cluster, each on its own
cores, each billed its share of the machine (importance.runs.jobs, importance.energy)."""

from __future__ import annotations

import pytest

from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs.jobs import JobManager
from importance.runs.lanes import LANES_ENV, default_lanes
from importance.runs.store import RunStore
from importance.runs.tasks import DONE, FAILED
from importance.runtime import cores


def quick(strategy: str = "full", seed: int = 0, epochs: int = 3) -> RunConfig:
    return RunConfig(window=WindowConfig(lookback=24, stride=8), model=ModelConfig(hidden=8),
                     train=TrainConfig(strategy=strategy, epochs=epochs, seed=seed))


@pytest.mark.parametrize("given, lanes", [("3", 3), (" 1 ", 1)])
def test_lanes_are_chosen_by_the_environment(monkeypatch, given, lanes):
    monkeypatch.setenv(LANES_ENV, given)
    assert default_lanes() == lanes


@pytest.mark.parametrize("given", ["0", "two"])
def test_a_bad_lane_count_is_refused_naming_the_variable(monkeypatch, given):
    monkeypatch.setenv(LANES_ENV, given)
    with pytest.raises(ValueError, match=f"IMPORTANCE_LANES.*{given}"):
        default_lanes()


def test_one_lane_per_core_by_default_and_one_with_a_gpu(monkeypatch):
    monkeypatch.delenv(LANES_ENV, raising=False)
    monkeypatch.setattr("importance.runs.lanes.gpu_present", lambda: False)
    assert default_lanes() == cores()
    monkeypatch.setattr("importance.runs.lanes.gpu_present", lambda: True)
    assert default_lanes() == 1


def test_a_local_sweep_cluster_has_one_worker_on_a_gpu_machine(monkeypatch):
    from importance.runs.dask_executor import default_workers

    monkeypatch.setattr("importance.runtime.gpu_present", lambda: False)
    assert default_workers() == cores()
    monkeypatch.setattr("importance.runtime.gpu_present", lambda: True)
    assert default_workers() == 1


def test_jobs_fail_with_the_reason_when_the_workers_cannot_start(tmp_path, monkeypatch):
    mgr = JobManager(RunStore(tmp_path), persist=False)
    monkeypatch.setenv(LANES_ENV, "many")
    job_id, = mgr.submit([quick()])
    assert mgr.wait(timeout=60)
    job = mgr.get(job_id)
    assert job.status == FAILED and "could not start the job workers" in job.error
    assert "IMPORTANCE_LANES" in job.error
    mgr.close()


@pytest.mark.slow
def test_two_lanes_train_seeds_side_by_side_each_billed_its_share(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPORTANCE_METER_DIR", str(tmp_path / "meter"))
    mgr = JobManager(RunStore(tmp_path / "runs"), lanes=2, persist=False)
    assert mgr.lanes == 2 and not mgr.warm
    ids = mgr.submit([quick(seed=s, epochs=12) for s in (0, 1, 2)])
    assert mgr.wait(timeout=600)
    jobs = [mgr.get(i) for i in ids]
    assert [j.status for j in jobs] == [DONE] * 3, [j.error for j in jobs]
    assert mgr.warm and mgr.lanes == 2
    for job in jobs:  # never more than two at once
        assert sum(j.started <= job.started < j.finished for j in jobs) <= 2
    first, second = jobs[0], jobs[1]
    assert second.started < first.finished  # the first two trained side by side
    summaries = {j.id: mgr.store.load(j.run_id).summary for j in jobs}
    for s in summaries.values():
        assert s["threads"] == max(1, cores() // 2) and s["cores"] == cores()
        assert "shared among runs measured at once" in s["energy_method"]
    # the runs measured beside each other know it (a worker's first run also spends a few
    # unmeasured seconds starting its energy tracker)
    assert max(s["concurrent_runs"] for s in summaries.values()) > 1.3
    assert len({j.pid for j in jobs}) == 2  # two worker processes, reused
    assert {s["batch"] for s in summaries.values()} == {jobs[0].launch}  # one launch
    assert jobs[0].launch.startswith("b1@")
    mgr.close()


def test_the_newest_comparison_is_its_launch_whatever_order_its_runs_finished_in():
    from importance.runs.identity import RunInfo, latest_batch

    def stored(strategy: str, seed: int, launch: str) -> RunInfo:
        cfg = quick(strategy, seed=seed)
        return RunInfo(f"{launch}-{strategy}-{seed}", {"strategy": strategy, "batch": launch},
                       cfg)

    earlier = [stored(s, 0, "b1@1") for s in ("full", "gradnorm")]
    # lanes: seed 1's full data finished before seed 0's gradnorm
    finished = [stored("full", 0, "b2@2"), stored("full", 1, "b2@2"),
                stored("gradnorm", 0, "b2@2"), stored("gradnorm", 1, "b2@2")]
    assert latest_batch(earlier + finished) == [r.run_id for r in finished]
    cli = [RunInfo(f"cli-{s}", {"strategy": s}, quick(s)) for s in ("full", "gradnorm")]
    assert latest_batch(finished + cli) == [r.run_id for r in cli]  # no launch: the old rule


class _Lanes:
    """A fake executor of `workers` lanes: records the order tasks are handed to it and ends
    each at once (DONE without a run: the manager's order is what is tested)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.started: list[str] = []
        self._done: list = []

    def submit(self, task) -> None:
        from importance.runs.tasks import Outcome

        self.started.append(task.key)
        self._done.append(Outcome(task.key, FAILED, error="fake lane"))

    def events(self, timeout: float = 0.0) -> list:
        import time

        time.sleep(min(timeout, 0.01))
        out, self._done = self._done[:1], self._done[1:]  # one ends at a time: a lane frees
        return out

    def cancel(self, key=None, grace=0.0) -> None:
        pass

    def shutdown(self) -> None:
        pass


@pytest.mark.parametrize("lanes, order", [(2, [3, 1, 2, 0]), (1, [0, 1, 2, 3])])
def test_lanes_take_the_longest_queued_run_of_the_batch_first(tmp_path, lanes, order):
    """On several lanes, a free lane takes the run its launch estimated longest (the lanes
    then finish together); on one lane the queue order stays."""
    ex = _Lanes(lanes)
    mgr = JobManager(RunStore(tmp_path), executor=ex, persist=False)
    ids = mgr.submit([quick(seed=s) for s in range(4)], [10.0, 30.0, 20.0, 50.0])
    assert mgr.wait(timeout=60)
    assert ex.started == [ids[k] for k in order]
    mgr.close()

"""Sweeps on real Dask clusters: the default local cluster, and `--address` against a cluster
this module starts itself; resume, a failing run, cancel. Tiny runs (1 epoch, lookback 24)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace

import pytest

from importance.cli import main
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs.dask_executor import NO_FIXED_PORT, DaskExecutor, check_workers
from importance.runs.store import RunStore
from importance.runs.tasks import CANCELLED, DONE, FAILED
from importance.sweep.grid import Axes, expand
from importance.sweep.runner import Sweep

TINY = ["--epochs", "1", "--lookback", "24", "--hidden", "8", "--no-progress"]
GRID = ["--strategies", "full,gradnorm", "--keep-ratios", "0.7", "--seeds", "0,1"]


@pytest.fixture(scope="module")
def scheduler():
    """A cluster of our own (two worker processes, one thread each): its address is what
    `--address` gets, as for a cluster started elsewhere."""
    from distributed import LocalCluster

    with LocalCluster(host="127.0.0.1", dashboard_address=None, n_workers=2,
                      scheduler_kwargs=NO_FIXED_PORT,
                      threads_per_worker=1, processes=True,
                      silence_logs=logging.CRITICAL) as cluster:
        yield cluster.scheduler_address


def _json(path):
    return json.loads(path.read_text())


def test_sweep_on_the_default_local_cluster_stores_runs_and_writes_json(tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "sweep.json"
    assert main(["sweep", *GRID, *TINY, "--workers", "2", "--runs-dir", str(runs),
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "local Dask cluster: 2 workers" in printed
    doc = _json(out)
    for r in doc["runs"]:  # a line per run as it finishes
        assert f"done      {r['key']}  test MAE" in printed and r["run_id"] in printed
    assert doc["sweep_id"].startswith("sweep-")
    assert [(r["strategy"], r["keep_ratio"], r["seed"], r["series"]) for r in doc["runs"]] == [
        ("full", None, 0, "5060"), ("gradnorm", 0.7, 0, "5060"),
        ("full", None, 1, "5060"), ("gradnorm", 0.7, 1, "5060")]
    store = RunStore(runs)
    assert sorted(store.ids()) == sorted(r["run_id"] for r in doc["runs"])
    for r in doc["runs"]:
        assert r["status"] == DONE and r["test_mae"] > 0 and r["epochs_run"] == 1
        run = store.load(r["run_id"])
        assert run.summary["sweep_id"] == doc["sweep_id"] and run.summary["sweep_cell"] == r["key"]
        assert run.config.train.seed == r["seed"] and run.config.window.lookback == 24
        assert len(run.predictions()) == run.summary["n_test"]
        assert run.state_dict()  # the model the worker trained, written here
    assert store.unreadable() == []


def test_address_path_then_resume_trains_nothing(tmp_path, scheduler, capsys):
    runs, out = tmp_path / "runs", tmp_path / "sweep.json"
    args = ["sweep", *GRID, *TINY, "--runs-dir", str(runs), "--json", str(out),
            "--address", scheduler]
    assert main(args) == 0
    assert f"Dask cluster at {scheduler}: 2 workers" in capsys.readouterr().out
    first = _json(out)
    assert first["counts"] == {"runs": 4, "done": 4, "trained_now": 4, "resumed": 0,
                               "failed": 0, "cancelled": 0}
    ids = sorted(RunStore(runs).ids())
    assert len(ids) == 4
    assert main(args) == 0  # the same grid again: the same sweep, nothing left to train
    assert "4 runs done before, 0 to train" in capsys.readouterr().out
    again = _json(out)
    assert again["sweep_id"] == first["sweep_id"]
    assert again["counts"]["trained_now"] == 0 and again["counts"]["resumed"] == 4
    assert sorted(RunStore(runs).ids()) == ids
    assert [r["run_id"] for r in again["runs"]] == [r["run_id"] for r in first["runs"]]


def _cells(epochs: int, seeds=(0, 1), strategies=("full", "gradnorm")):
    axes = Axes(strategies, (0.7,), seeds, ("5060",))

    def make(strategy, keep, seed, series):
        from importance.strategies import accepted_params

        return RunConfig(DataConfig(series=series), WindowConfig(lookback=24),
                         ModelConfig(hidden=8),
                         TrainConfig(strategy=strategy, epochs=epochs, seed=seed, patience=None,
                                     strategy_params=accepted_params(strategy, keep_ratio=keep)))

    return axes, expand(axes, make)


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path, scheduler):
    axes, cells = _cells(epochs=1)
    bad = cells[1]  # a window longer than the series: refused in the worker, by preflight
    cells[1] = replace(bad, config=replace(bad.config,
                                           window=WindowConfig(lookback=100_000)))
    runs = RunStore(tmp_path / "runs")
    with DaskExecutor(scheduler) as ex:
        result = Sweep(cells, axes, runs).run(ex)
    statuses = {k: c["status"] for k, c in result.record.cells.items()}
    assert statuses == {"full-s0-5060": DONE, "gradnorm-k0.7-s0-5060": FAILED,
                        "full-s1-5060": DONE, "gradnorm-k0.7-s1-5060": DONE}
    assert "too short" in result.record.cells["gradnorm-k0.7-s0-5060"]["error"]
    assert len(runs.ids()) == 3 and not result.complete


def test_cancel_drops_pending_runs_and_stops_running_ones(tmp_path, scheduler):
    axes, cells = _cells(epochs=200, seeds=(0, 1, 2))  # 6 runs, far longer than the test
    runs = RunStore(tmp_path / "runs")
    stop = threading.Event()
    seen: list[int] = []

    def on_update(state):
        seen.append(len(state.running))
        if state.running and any(n >= 1 for n in state.running.values()):
            stop.set()  # once a run is one epoch in

    with DaskExecutor(scheduler) as ex:  # a hang fails on the per-test timeout
        result = Sweep(cells, axes, runs).run(ex, on_update=on_update, stop=stop)
    assert result.state.stopping and max(seen) >= 1
    assert result.state.cancelled == 6 and result.state.done == 0
    assert {c["status"] for c in result.record.cells.values()} == {CANCELLED}
    assert runs.ids() == []


def test_an_interrupted_sweep_resumes_with_the_runs_it_lacks(tmp_path, scheduler):
    axes, cells = _cells(epochs=1, seeds=(0, 1, 2))
    runs = RunStore(tmp_path / "runs")
    stop = threading.Event()

    def on_update(state):
        if state.done:
            stop.set()  # interrupted once the first run is stored

    with DaskExecutor(scheduler) as ex:
        first = Sweep(cells, axes, runs).run(ex, on_update=on_update, stop=stop)
    kept = {k: c["run_id"] for k, c in first.record.cells.items() if c["status"] == DONE}
    assert 1 <= len(kept) < 6 and first.state.cancelled == 6 - len(kept)
    again = Sweep(cells, axes, runs)
    assert again.sweep_id == first.sweep_id and again.finished == kept
    assert sorted(c.key for c in again.todo) == sorted(set(first.record.cells) - set(kept))
    with DaskExecutor(scheduler) as ex:
        second = again.run(ex)
    assert second.complete and second.state.done == 6 - len(kept)
    assert len(runs.ids()) == 6
    assert all(second.record.cells[k]["run_id"] == r for k, r in kept.items())


def test_the_cancel_flag_asks_the_scheduler_at_most_every_interval(monkeypatch):
    import distributed

    from importance.runs.dask_worker import DistributedFlag

    asked = []

    class Event:
        def __init__(self, name):
            self.name = name

        def is_set(self):
            asked.append(now[0])
            return now[0] >= 2.0

    now = [0.0]
    monkeypatch.setattr(distributed, "Event", Event)
    flag = DistributedFlag("x", every=0.5, clock=lambda: now[0])
    for t in (0.0, 0.1, 0.4, 0.6, 1.0, 2.2, 2.3):
        now[0] = t
        flag.is_set()
    assert asked == [0.0, 0.6, 2.2]  # then set for good: not asked again
    assert flag.is_set()


def test_check_workers_refuses_other_code():
    from importance.runs.dask_worker import code_fingerprint

    class Client:
        def __init__(self, fingerprints, threads=1):
            self.fingerprints, self.threads = fingerprints, threads

        def run(self, fn):
            return self.fingerprints

        def nthreads(self):
            return {addr: self.threads for addr in self.fingerprints}

    here = code_fingerprint()
    check_workers(Client({"tcp://a:1": here}))
    with pytest.raises(ValueError, match=r"1 of 2 workers run other code .* tcp://b:1"):
        check_workers(Client({"tcp://a:1": here, "tcp://b:1": {**here, "source": "0" * 12}}))
    with pytest.raises(ValueError, match="has no workers"):
        check_workers(Client({}))
    with pytest.raises(ValueError, match="run several threads .* --nthreads 1"):
        check_workers(Client({"tcp://a:1": here}, threads=4))

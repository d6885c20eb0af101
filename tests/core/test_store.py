import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import importance.runs.store as store_module
from importance.config import RunConfig, TrainConfig
from importance.runs.store import RunArtifacts, RunStore, StoredRun


def artifacts(run_id: str) -> RunArtifacts:
    sel = np.array([[True, False, True], [False, True, True]])
    return RunArtifacts(
        run_id,
        RunConfig(train=TrainConfig(strategy="gradnorm", strategy_params={"keep_ratio": .5})),
        {"run_id": run_id, "strategy": "gradnorm", "test_mae": 1.0, "samples_backprop": 3,
         "wall_s": 1.0, "energy_kwh": 1e-6, "emissions_kg": 1e-7, "ended": "completed",
         "epochs": [{"val_mae": 1.0}]},
        {"scores": np.ones((2, 3), np.float32), "selected_bits": np.packbits(sel, axis=1),
         "n_train": np.int64(3)},
        pd.DataFrame({"origin": pd.to_datetime(["2013-11-01"], utc=True), "step": [1],
                      "time": pd.to_datetime(["2013-11-01"], utc=True), "actual": [1.0],
                      "forecast": [2.0]}),
        {"w": torch.ones(2)})


def test_round_trip(tmp_path):
    store = RunStore(tmp_path)
    store.save(artifacts("20250101-000000-gradnorm-aaaaaa"))
    run = store.load("20250101-000000-gradnorm-aaaaaa")
    assert run.config.train.strategy_params == {"keep_ratio": 0.5}
    assert run.arrays["selected"].tolist() == [[True, False, True], [False, True, True]]
    assert run.epochs["val_mae"].tolist() == [1.0]
    assert run.predictions()["time"].dt.tz is not None
    assert torch.equal(run.state_dict()["w"], torch.ones(2))


@pytest.mark.parametrize("tz", [None, "UTC"])
def test_prediction_times_come_back_as_written(tmp_path, tz):
    """UTC for an aware series, naive wall-clock times (not read as UTC) for a naive one."""
    times = pd.date_range("2018-03-25 01:00", periods=3, freq="h", tz=tz)
    run = artifacts("20250101-000000-full-cccccc")
    frame = pd.DataFrame({"origin": times, "step": 1, "time": times, "actual": 1.0,
                          "forecast": 2.0})
    RunStore(tmp_path).save(replace(run, predictions=frame))
    back = RunStore(tmp_path).load(run.run_id).predictions()
    for col in ("origin", "time"):
        assert str(back[col].dt.tz) == str(tz)
        assert pd.DatetimeIndex(back[col]).equals(times)


def test_a_crash_while_saving_leaves_no_half_run(tmp_path, monkeypatch):
    store = RunStore(tmp_path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        store.save(artifacts("20250101-000000-full-bbbbbb"))
    assert store.ids() == [] and list(tmp_path.iterdir()) == []


def test_ids_are_sorted_and_unknown_ids_say_what_exists(tmp_path):
    store = RunStore(tmp_path)
    for rid in ("20250102-000000-full-a", "20250101-000000-full-b"):
        store.save(artifacts(rid))
    (tmp_path / ".tmp-partial").mkdir()
    assert store.ids() == ["20250101-000000-full-b", "20250102-000000-full-a"]
    with pytest.raises(KeyError, match="no run 'nope'.*latest: 20250101"):
        store.load("nope")
    with pytest.raises(FileExistsError):
        store.save(artifacts("20250101-000000-full-b"))


def test_every_file_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    synced, events = set(), []
    real_fsync, real_replace = store_module.os.fsync, store_module.os.replace

    def fsync(fd):
        synced.add(Path(f"/proc/self/fd/{fd}").resolve().name)
        return real_fsync(fd)

    def replace_(src, dst):
        events.append(set(synced))
        return real_replace(src, dst)

    monkeypatch.setattr(store_module.os, "fsync", fsync)
    monkeypatch.setattr(store_module.os, "replace", replace_)
    RunStore(tmp_path).save(artifacts("20250101-000000-full-dddddd"))
    assert len(events) == 1 and set(store_module.RUN_FILES) <= events[0]


def test_a_summary_without_ended_reads_as_completed(tmp_path):
    store = RunStore(tmp_path)
    run = artifacts("20250101-000000-full-eeeeee")
    store.save(replace(run, summary={k: v for k, v in run.summary.items() if k != "ended"}))
    assert "ended" not in store.load(run.run_id).summary
    assert store.load(run.run_id).ended == "completed"
    assert StoredRun(tmp_path / run.run_id).ended == "completed"


def test_a_run_stored_before_scoring_backprops_reads_in_todays_counts(tmp_path):
    store = RunStore(tmp_path)
    run = artifacts("20250101-000000-gradnorm-ffffff")
    old = [{"val_mae": 1.0, "samples_forward": 150, "samples_backprop": 50, "n_scored": 100,
            "score_method": "exact"},
           {"val_mae": 0.9, "samples_forward": 80, "samples_backprop": 50, "n_scored": 30,
            "score_method": "last_layer"}]
    store.save(replace(run, summary=run.summary | {"epochs": old, "samples_forward": 230}))
    s = store.load(run.run_id).summary
    # then: training forwards + scoring passes; now: forward-only, scoring backprops apart
    assert [e["samples_forward"] for e in s["epochs"]] == [0, 30]
    assert [e["samples_scoring_backprop"] for e in s["epochs"]] == [100, 0]
    assert (s["samples_forward"], s["samples_scoring_backprop"]) == (30, 100)
    fresh = artifacts("20250101-000000-gradnorm-abcdef")  # today's runs are left as written
    store.save(replace(fresh, summary=fresh.summary | {
        "samples_forward": 7, "samples_scoring_backprop": 2,
        "epochs": [{"val_mae": 1.0, "samples_forward": 7, "samples_scoring_backprop": 2}]}))
    assert store.load(fresh.run_id).summary["samples_forward"] == 7


def test_run_ids_sort_in_the_order_runs_finished_within_one_second():
    from importance.experiment import new_run_id

    ids = []
    for s in ("rs2", "gradnorm", "full", "rs2", "full"):  # runs end at least 1 ms apart
        ids.append(new_run_id(s))
        time.sleep(0.001)
    assert sorted(ids) == ids and len(set(ids)) == len(ids)

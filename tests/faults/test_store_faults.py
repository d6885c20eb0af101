"""Faults in the run store: corrupt or newer-version run folders, run ids from outside,
leftovers of interrupted saves, NaN in summaries. Each stays in its folder: every listing,
command and result page goes on with the good runs."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from importance.cli import main
from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.runs.store import TMP_GRACE_S, RunArtifacts, RunStore, UnreadableRun

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))

GOOD = "20250101-000000-full-aaaaaa"
RESULT_PAGES = ("pages/importance.py", "pages/forecasts.py", "pages/energy.py")


def artifacts(run_id: str, **summary) -> RunArtifacts:
    sel = np.array([[True, False, True], [False, True, True]])
    return RunArtifacts(
        run_id, RunConfig(train=TrainConfig(epochs=2)),
        {"run_id": run_id, "strategy": "full", "test_mae": 1.5, "samples_backprop": 6,
         "wall_s": 2.0, "energy_kwh": 1e-6, "emissions_kg": 1e-7, "series_label": "cell",
         "ended": "completed", "epochs": [{"val_mae": 1.0, "score_method": ""}], **summary},
        {"scores": np.ones((2, 3), np.float32), "selected_bits": np.packbits(sel, axis=1),
         "n_train": np.int64(3)},
        pd.DataFrame({"origin": pd.to_datetime(["2013-11-01"], utc=True), "step": [1],
                      "time": pd.to_datetime(["2013-11-01"], utc=True), "actual": [1.0],
                      "forecast": [2.0]}),
        {"w": torch.ones(2)})


def bad_json(folder: Path) -> None:
    (folder / "summary.json").write_text('{"run_id": "x", "test_mae": 1.')


def truncated_npz(folder: Path) -> None:
    data = (folder / "scores.npz").read_bytes()
    (folder / "scores.npz").write_bytes(data[: len(data) // 2])


def newer_config(folder: Path) -> None:
    cfg = json.loads((folder / "config.json").read_text())
    cfg["train"]["optimizer"] = "lion"  # a field this version does not know
    (folder / "config.json").write_text(json.dumps(cfg))


def missing_model(folder: Path) -> None:
    (folder / "model.pt").unlink()


FAULTS = {  # run id -> (damage, words of the reason)
    "20250102-000000-full-bbbbbb": (bad_json, "summary.json is not valid JSON"),
    "20250103-000000-full-cccccc": (truncated_npz, "scores.npz is damaged"),
    "20250104-000000-full-dddddd": (newer_config, "unknown fields ['optimizer'] in run config "
                                                  "section 'train' (written by a newer version?)"),
    "20250105-000000-full-eeeeee": (missing_model, "missing model.pt"),
}


@pytest.fixture
def damaged(tmp_path) -> Path:
    """A store with one good run and one folder per fault."""
    root = tmp_path / "runs"
    store = RunStore(root)
    store.save(artifacts(GOOD))
    for run_id, (damage, _) in FAULTS.items():
        store.save(artifacts(run_id))
        damage(root / run_id)
    return root


def test_corrupt_folders_are_listed_as_unreadable_and_skipped(damaged):
    store = RunStore(damaged)
    assert store.ids() == [GOOD]
    assert [s["run_id"] for s in store.summaries()] == [GOOD]
    bad = dict(store.unreadable())
    assert sorted(bad) == sorted(FAULTS)
    for run_id, (_, words) in FAULTS.items():
        assert words in bad[run_id]
        with pytest.raises(UnreadableRun, match=f"run '{run_id}' is unreadable: "):
            store.load(run_id)
    assert store.load(GOOD).arrays["selected"].shape == (2, 3)


def test_a_config_from_a_newer_version_is_a_clear_error_not_a_crash():
    d = RunConfig().to_dict()
    d["model"]["attention"] = True
    with pytest.raises(ValueError, match=r"unknown fields \['attention'\] in run config "
                                         r"section 'model' \(written by a newer version\?\)"):
        RunConfig.from_dict(d)
    with pytest.raises(ValueError, match="run config section 'train' must be an object"):
        RunConfig.from_dict({"train": [1, 2]})


def test_runs_command_lists_the_good_runs_then_each_unreadable_one(damaged, capsys):
    assert main(["runs", "--runs-dir", str(damaged)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{GOOD}       full  MAE 1.500")
    assert out[1] == f"4 unreadable run folders in {damaged} (skipped by every page and command):"
    for line, (run_id, (_, words)) in zip(out[2:], sorted(FAULTS.items()), strict=True):
        assert line.startswith(f"  {run_id}  ") and words in line


def test_ids_from_outside_cannot_leave_the_store(tmp_path):
    root = tmp_path / "runs"
    store = RunStore(root)
    store.save(artifacts(GOOD))
    RunStore(tmp_path).save(artifacts("x"))  # a run next to the store, not in it
    for run_id in ("../x", str(tmp_path / "x"), "a/b", "..", ".", "", f"{GOOD}/..",
                   ".tmp-x", "a\\b", "x\n"):
        with pytest.raises(ValueError, match="invalid run id"):
            store.load(run_id)
    with pytest.raises(ValueError, match=r"invalid run id '\.\./escape'"):
        store.save(artifacts("../escape"))
    assert not (tmp_path / "escape").exists()
    assert store.load(GOOD).run_id == GOOD


def test_leftover_temp_folders_are_removed_but_a_save_in_progress_is_kept(tmp_path):
    root = tmp_path / "runs"
    RunStore(root).save(artifacts(GOOD))
    old = time.time() - TMP_GRACE_S - 60

    def tmp_folder(name: str, age: float | None) -> Path:
        folder = root / name
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        if age is not None:
            for p in (folder / "config.json", folder):
                os.utime(p, (age, age))
        return folder

    leftover = tmp_folder(f".tmp-{GOOD}-k1ll9", old)
    fresh = tmp_folder(".tmp-20250109-000000-full-ffffff-x1", None)
    writing = tmp_folder(".tmp-20250109-000000-full-gggggg-x2", None)
    os.utime(writing, (old, old))  # the folder is old, but a file in it is being written
    store = RunStore(root)
    assert not leftover.exists()
    assert fresh.exists() and writing.exists()
    assert store.ids() == [GOOD] and store.unreadable() == []


def test_nan_metrics_are_written_as_null_and_read_back_as_nan(tmp_path):
    store = RunStore(tmp_path)
    nan32 = np.float32("nan")
    store.save(artifacts(GOOD, test_mae=float("nan"), test_smape=np.inf, energy_kwh=nan32,
                         epochs=[{"val_mae": float("-inf"), "score_method": ""}]))
    text = (tmp_path / GOOD / "summary.json").read_text()

    def refuse(token):
        raise AssertionError(f"{token} in summary.json")

    raw = json.loads(text, parse_constant=refuse)  # strict JSON for any reader
    assert raw["test_mae"] is None and raw["test_smape"] is None and raw["energy_kwh"] is None
    assert raw["epochs"][0]["val_mae"] is None
    s = store.load(GOOD).summary
    assert math.isnan(s["test_mae"]) and math.isnan(s["test_smape"])
    assert math.isnan(s["epochs"][0]["val_mae"]) and s["epochs"][0]["score_method"] == ""
    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0


def test_a_summary_written_before_with_bare_nan_still_reads(tmp_path, capsys):
    store = RunStore(tmp_path)
    store.save(artifacts(GOOD))
    path = tmp_path / GOOD / "summary.json"
    path.write_text(path.read_text().replace('"test_mae": 1.5', '"test_mae": NaN'))
    assert math.isnan(RunStore(tmp_path).load(GOOD).summary["test_mae"])
    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0
    assert f"{GOOD}       full  MAE -" in capsys.readouterr().out


@pytest.fixture
def app_store(tmp_path, monkeypatch) -> Path:
    """The dashboard's run store: one tiny real run and a corrupt folder next to it."""
    root = tmp_path / "runs"
    monkeypatch.setenv("IMPORTANCE_RUNS_DIR", str(root))
    monkeypatch.setenv("IMPORTANCE_UPLOADS_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("IMPORTANCE_UI_DEFAULTS", raising=False)
    cfg = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                    train=TrainConfig(strategy="gradnorm", strategy_params={"keep_ratio": 0.7},
                                      epochs=3))  # scores from epoch 3, after the warm-up
    store = RunStore(root)
    good = run_experiment(cfg, store=store, meter=EnergyMeter("ITA"))
    assert store.load(good).ended == "completed" and store.load(good).summary["ended"]
    bad = "20200101-000000-full-badbad"
    store.save(artifacts(bad))
    newer_config(root / bad)
    (root / "20200102-000000-full-halfhalf").mkdir()  # a save interrupted by hand
    st.cache_resource.clear()
    yield root
    st.cache_resource.clear()


def test_result_pages_work_next_to_a_corrupt_run_folder(app_store):
    from ui import runs

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    for path in RESULT_PAGES:
        at.switch_page(path).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.get("plotly_chart"), f"{path} drew no chart for the good run"
    assert [r.run_id for r in runs.all_runs()] == RunStore(app_store).ids()
    bad = dict(runs.unreadable())
    assert sorted(bad) == ["20200101-000000-full-badbad", "20200102-000000-full-halfhalf"]
    assert "unknown fields ['optimizer']" in bad["20200101-000000-full-badbad"]
    assert bad["20200102-000000-full-halfhalf"].startswith("missing config.json, summary.json")

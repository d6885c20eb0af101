"""`importance compress` and `importance compare --compress`: table, JSON shape, bad input."""

from __future__ import annotations

import functools
import json

import pytest

from importance.cli import main
from importance.compress import lab
from importance.compress.lab import Settings
from importance.device import describe, pick_device
from tests.conftest import machine_cpu_words

# Each variant's keys in the JSON, as the issue asks: MAE, sizes, latency, energy, device
JSON_KEYS = {"name", "status", "test_mae", "mae_ratio", "drift_max", "size_bytes",
             "size_zipped_bytes", "latency_ms_per_1000", "latency_ratio", "energy_kwh_per_1000",
             "energy_ratio", "finetune_s", "finetune_kwh", "device", "compute_dtype"}
FAST = Settings(rounds=3, max_windows=64, energy_seconds=0.05, finetune_epochs=1)
FAST_ARGS = ["--rounds", "3", "--energy-seconds", "0.05", "--finetune-epochs", "1"]


def _no_nan(name: str):
    raise ValueError(f"{name} in the JSON output")


def test_compress_prints_the_table_and_writes_json(tiny_store, tiny_run, tmp_path, capsys):
    run_id = tiny_run("lstm")
    out = tmp_path / "c.json"
    code = main(["compress", run_id, "--variants", "fp32,int8-dynamic", "structured-50-ft",
                 "--runs-dir", str(tiny_store.root), "--json", str(out), *FAST_ARGS])
    assert code == 0
    printed = capsys.readouterr().out
    assert "int8-dynamic" in printed and "structured-50-ft" in printed
    assert f"device: {describe(pick_device())}" in printed
    assert machine_cpu_words() in printed
    assert "On this CPU, int8-dynamic (dynamic int8) makes the model" in printed
    data = json.loads(out.read_text(), parse_constant=_no_nan)
    assert data["run_id"] == run_id and data["device"].startswith("CPU")
    assert [v["name"] for v in data["variants"]] == ["fp32", "int8-dynamic", "structured-50-ft"]
    for v in data["variants"]:
        assert JSON_KEYS <= set(v)
        assert v["test_mae"] > 0 and v["size_bytes"] > v["size_zipped_bytes"] > 0
        assert v["latency_ms_per_1000"] > 0 and v["energy_kwh_per_1000"] > 0
    assert data["variants"][2]["finetune_s"] > 0


def test_the_runs_folder_comes_from_the_environment(tiny_store, tiny_run, monkeypatch, capsys):
    run_id = tiny_run("mlp")
    monkeypatch.setenv("IMPORTANCE_RUNS_DIR", str(tiny_store.root))
    assert main(["compress", run_id, "--variants", "fp32", *FAST_ARGS]) == 0
    assert f"stored in {tiny_store.root / run_id}/compress.json" in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    (["nope"], "no run 'nope' in"),
    (["../etc"], "invalid run id '../etc'"),
    (["RUN", "--variants", "fp32,int3"], "unknown variant 'int3'; allowed: fp32"),
    (["RUN", "--rounds", "0"], "--rounds must be positive, got 0"),
])
def test_bad_input_is_refused_naming_the_value(args, message, tiny_store, tiny_run, capsys):
    args = [tiny_run("lstm") if a == "RUN" else a for a in args]
    assert main(["compress", *args, "--runs-dir", str(tiny_store.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("importance: error: ") and message in err


def test_compare_compress_adds_the_default_variants_to_each_run(tmp_path, tiny_csv, capsys,
                                                                monkeypatch):
    monkeypatch.setattr(lab, "Settings", functools.partial(lab.Settings, **{
        k: getattr(FAST, k) for k in ("rounds", "max_windows", "energy_seconds",
                                      "finetune_epochs")}))
    out = tmp_path / "cmp.json"
    code = main(["compare", "--data", str(tiny_csv), "--strategies", "full", "--epochs", "2",
                 "--seed", "0", "--hidden", "8", "--lookback", "12", "--stride", "4",
                 "--no-progress", "--compress", "--json", str(out),
                 "--runs-dir", str(tmp_path / "runs")])
    assert code == 0
    assert "compressed variants of full" in capsys.readouterr().out
    (run,) = json.loads(out.read_text(), parse_constant=_no_nan)["runs"]
    names = [v["name"] for v in run["compress"]["variants"]]
    assert names == list(lab.DEFAULT_VARIANTS)
    assert all(v["device"] for v in run["compress"]["variants"])

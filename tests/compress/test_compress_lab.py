"""A compression session over stored tiny runs: evaluation, sizes, storage, reload, skips."""

from __future__ import annotations

import json
import zlib
from dataclasses import replace

import numpy as np
import pytest
import torch

from importance.compress import lab
from importance.compress.lab import Settings, compress_run
from importance.compress.results import load_variant, read_results
from importance.compress.support import Support
from importance.compress.variants import DEFAULT_VARIANTS
from importance.experiment import prepare
from importance.metrics import mae
from tests.conftest import machine_cpu_words

FAST = Settings(rounds=3, max_windows=64, energy_seconds=0.05, finetune_epochs=1)
KEYS = {"test_mae", "mae_ratio", "drift_max", "size_bytes", "size_zipped_bytes",
        "latency_ms_per_1000", "latency_ratio", "energy_kwh_per_1000", "energy_ratio",
        "device", "compute_dtype", "storage_dtype", "file", "finetune_s", "finetune_kwh",
        "seconds"}


@pytest.fixture
def lstm_results(tiny_store, tiny_run, monkeypatch):
    """Every default variant of a 2-layer LSTM run, 16-bit compute reported unsupported."""
    monkeypatch.setattr(lab, "compute_support",
                        lambda dtype, device: Support(False, "no native 16 bits (test)"))
    run_id = tiny_run("lstm", layers=2)
    return run_id, compress_run(tiny_store, run_id, settings=FAST)


def test_every_default_variant_is_measured_or_says_why_not(lstm_results, tiny_store):
    run_id, res = lstm_results
    by = {v["name"]: v for v in res["variants"]}
    assert list(by) == list(DEFAULT_VARIANTS)
    for name in ("fp16", "bf16"):
        assert by[name]["status"] == "not supported here"
        assert by[name]["reason"] == "no native 16 bits (test)"
    measured = [v for v in res["variants"] if v["status"] == "measured"]
    assert len(measured) == 7
    for v in measured:
        assert KEYS <= set(v), v["name"]
        assert v["latency_ms_per_1000"] > 0 and v["latency_ratio"] > 0
        assert v["energy_kwh_per_1000"] > 0  # estimated: see energy_method
    assert machine_cpu_words() in res["energy_method"]
    assert res["open_seconds"] > 0  # timed, for the next session's estimate (duration)
    assert by["structured-50-ft"]["seconds"] > by["structured-50-ft"]["finetune_s"] > 0
    run = tiny_store.load(run_id)
    assert by["fp32"]["test_mae"] == pytest.approx(run.summary["test_mae"], rel=1e-6)
    assert by["fp32"]["drift_max"] == 0 and by["fp32"]["file"] == "model.pt"
    assert by["int8-dynamic"]["device"].startswith("CPU")
    assert by["int8-dynamic"]["storage_dtype"] == "int8"
    assert by["structured-50"]["model"]["hidden"] == 4
    assert by["structured-50-ft"]["finetune_epochs"] == 1
    assert by["structured-50-ft"]["finetune_s"] > 0 and by["structured-50-ft"]["finetune_kwh"] > 0
    assert by["structured-50-ft"]["finetune_backprop"] == run.summary["n_train"]
    assert by["magnitude-50"]["sparsity"] == pytest.approx(0.5, abs=0.01)
    assert by["fp16-storage"]["size_ratio"] < 0.75
    assert res["shape"] == {"n_features": 6, "lookback": 12, "horizon": 1}  # value + calendar


def test_sizes_are_what_the_files_hold(lstm_results, tiny_store):
    run_id, res = lstm_results
    path = tiny_store.root / run_id
    for v in res["variants"]:
        if v["status"] != "measured":
            assert v["file"] is None
            continue
        data = (path / v["file"]).read_bytes()
        assert v["size_bytes"] == len(data), v["name"]
        assert v["size_zipped_bytes"] == len(zlib.compress(data, 9)), v["name"]
    assert res["reference"]["size_bytes"] == (path / "model.pt").stat().st_size


def test_stored_variants_reload_weights_only_to_the_measured_mae(lstm_results, tiny_store):
    run_id, res = lstm_results
    run = tiny_store.load(run_id)
    ws = prepare(run.config.data, run.config.window)
    x = torch.from_numpy(ws.test.x[:])
    for v in res["variants"]:
        if v["status"] != "measured":
            continue
        torch.load(run.path / v["file"], weights_only=True)  # plain tensors only
        model = load_variant(run, v["name"])
        with torch.no_grad():
            pred = model(x.to(getattr(torch, v["compute_dtype"]))).float().numpy()
        assert mae(ws.actual("test"), ws.inverse("test", pred)) == pytest.approx(
            v["test_mae"], rel=1e-6), v["name"]
    with pytest.raises(KeyError, match="no stored variant 'fp16'"):
        load_variant(run, "fp16")


def test_results_are_stored_and_a_new_session_replaces_only_its_variants(
        lstm_results, tiny_store):
    run_id, res = lstm_results
    path = tiny_store.root / run_id
    stored = read_results(path)
    assert [v["name"] for v in stored["variants"]] == list(DEFAULT_VARIANTS)
    json.loads((path / "compress.json").read_text(), parse_constant=pytest.fail)
    again = compress_run(tiny_store, run_id, "magnitude-30,fp32", settings=FAST)
    assert [v["name"] for v in again["variants"]] == ["magnitude-30", "fp32"]
    names = [v["name"] for v in read_results(path)["variants"]]
    assert sorted(names) == sorted([*DEFAULT_VARIANTS, "magnitude-30"])
    assert not list(path.glob(".tmp-*")) and not list((path / "compress").glob(".tmp-*"))
    assert tiny_store.ids().count(run_id) == 1  # still one readable run


@pytest.mark.parametrize("kind", ["gru", "mlp", "dlinear", "nlinear"])
def test_every_model_kind_gets_each_variant_or_the_reason(kind, tiny_store, tiny_run):
    run_id = tiny_run(kind)
    res = compress_run(tiny_store, run_id, "fp32,int8-dynamic,magnitude-50,structured-50,bf16",
                       settings=replace(FAST, insist=True))
    by = {v["name"]: v for v in res["variants"]}
    for name in ("fp32", "int8-dynamic", "magnitude-50"):
        assert by[name]["status"] == "measured", name
        assert np.isfinite(by[name]["test_mae"])
    bf16 = by["bf16"]  # a CPU without native bf16 may lack kernels (oneDNN's LSTM): then why
    if bf16["status"] == "measured":
        assert np.isfinite(bf16["test_mae"])
    else:
        assert bf16["status"] == "failed here" and bf16["reason"], bf16
    if kind in ("dlinear", "nlinear"):
        assert by["structured-50"]["status"] == "does not apply"
        assert "no hidden units" in by["structured-50"]["reason"]
    else:
        assert by["structured-50"]["status"] == "measured"


def test_insisting_measures_unsupported_16bit_compute_and_says_so(tiny_store, tiny_run,
                                                                  monkeypatch):
    monkeypatch.setattr(lab, "compute_support",
                        lambda dtype, device: Support(dtype == torch.float32, "emulated here"))
    res = compress_run(tiny_store, tiny_run("lstm"), ["bf16"], settings=replace(FAST,
                                                                                insist=True))
    (v,) = res["variants"]
    assert v["status"] == "measured" and v["compute_dtype"] == "bfloat16"
    assert v["reason"] == "measured although emulated here"


def test_bad_requests_name_the_value(tiny_store, tiny_run):
    with pytest.raises(ValueError, match="unknown variant 'int4'"):
        compress_run(tiny_store, tiny_run("lstm"), "fp32,int4", settings=FAST)
    with pytest.raises(KeyError, match="no run 'nope'"):
        compress_run(tiny_store, "nope", "fp32", settings=FAST)
    with pytest.raises(ValueError, match="invalid run id '../x'"):
        compress_run(tiny_store, "../x", "fp32", settings=FAST)


def test_a_cancelled_session_keeps_what_it_measured(tiny_store, tiny_run):
    import threading

    from importance.training import Cancelled

    cancel = threading.Event()
    run_id = tiny_run("gru")

    def progress(i: int, n: int, name: str) -> None:
        if i == 1:
            cancel.set()

    with pytest.raises(Cancelled):
        compress_run(tiny_store, run_id, "magnitude-20,magnitude-40", settings=FAST,
                     on_progress=progress, cancel=cancel)
    names = [v["name"] for v in read_results(tiny_store.root / run_id)["variants"]]
    assert "magnitude-20" in names and "magnitude-40" not in names


def test_a_variant_whose_kernels_fail_here_is_listed_with_the_error(tiny_store, tiny_run,
                                                                    monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("\"addmm\" not implemented for 'BFloat16'\nmore lines")

    monkeypatch.setattr(lab, "build", broken)
    res = compress_run(tiny_store, tiny_run("lstm"), ["bf16"], settings=FAST)
    (v,) = res["variants"]
    assert v["status"] == "failed here" and v["file"] is None
    assert v["reason"] == "RuntimeError: \"addmm\" not implemented for 'BFloat16'"

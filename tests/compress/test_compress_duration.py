"""A compression session's time estimated from the ones stored before it on this device: each
variant's kind's median, split into the metered phases (as long as asked), the passes over the
windows (scaled by the run's forward cost and windows), the fine-tune (by its training epoch
and epochs) and what is left; nothing stored, nothing estimated."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from importance.compress.duration import (
    ENERGY_PHASES,
    Measured,
    RunCost,
    Target,
    estimate,
    estimate_words,
    kind_of,
    run_cost,
    stored,
)
from importance.compress.lab import Settings

CPU = "CPU (test)"
SETTINGS = Settings(rounds=3, max_windows=100, energy_seconds=1.0, finetune_epochs=4)


def test_kinds_group_the_variants_whose_time_is_alike():
    assert kind_of("structured-30-ft") == kind_of("structured-50-ft") == "structured-ft"
    assert kind_of("structured-50") == "structured" != kind_of("magnitude-50")
    assert kind_of("fp16-storage") == kind_of("bf16-storage") == "storage"


def test_a_runs_cost_is_what_its_training_measured():
    summary = {"n_test": 100, "epochs": [{"eval_s": 0.2, "training_s": 3.0},
                                         {"eval_s": 0.4, "training_s": 5.0},
                                         {"eval_s": 0.3, "training_s": 4.0}]}
    assert run_cost(summary) == RunCost(forward_s=pytest.approx(0.003), epoch_s=4.0)
    assert run_cost({"n_test": 100}) == RunCost(0.0, 0.0)


def test_each_part_scales_with_what_it_depends_on():
    source = RunCost(forward_s=0.001, epoch_s=2.0)
    int8 = Measured("int8", metered=True, window_s=0.001, rest_s=1.5, finetune_s=0.0,
                    finetune_epochs=0, cost=source)
    tuned = Measured("structured-ft", metered=True, window_s=0.001, rest_s=1.0,
                     finetune_s=6.0, finetune_epochs=2, cost=source)
    # a model 3x dearer per window, a training epoch 5x longer, 200 test windows
    t = Target(RunCost(forward_s=0.003, epoch_s=10.0), 200, SETTINGS)
    passes = 0.003 * 200 + (3 + 1) * 2 * 0.003 * 100  # forecasts, then 4 pairs over 100
    est = estimate(["int8-dynamic"], t, [int8], [])
    assert est.seconds == pytest.approx(ENERGY_PHASES * 1.0 + passes + 1.5)
    assert est.measurements == 1 and est.unknown == ()
    est = estimate(["structured-75-ft", "magnitude-50"], t, [int8, tuned], [2.0, 4.0])
    tune = 6.0 * 5 * (4 / 2)  # its epoch 5x longer, twice the epochs
    assert est.seconds == pytest.approx(ENERGY_PHASES + passes + tune + 1.0 + 3.0)
    assert est.unknown == ("magnitude-50",)
    longer = estimate(["int8-dynamic"], replace(t, settings=replace(SETTINGS, rounds=7)),
                      [int8], [])
    assert longer.seconds == pytest.approx(4 + 0.6 + 8 * 2 * 0.3 + 1.5)
    words = estimate_words(est, 2)
    assert words.startswith("Estimated time: about 1 min 11 s for 1 of the 2 variants (from "
                            "1 earlier measurement on this device")
    assert "no earlier measurement of magnitude-50" in words


def test_a_variant_skipped_before_costs_what_it_took():
    skipped = Measured("compute", metered=False, window_s=0.0, rest_s=0.01, finetune_s=0.0,
                       finetune_epochs=0, cost=RunCost(0.001, 1.0))
    est = estimate(["fp16"], Target(RunCost(0.01, 9.0), 1000, SETTINGS), [skipped], [])
    assert est.seconds == pytest.approx(0.01)


def test_variants_of_one_kind_count_their_measurements_once():
    cost = RunCost(0.0, 0.0)
    earlier = [Measured("storage", True, 0.0, 3.0, 0.0, 0, cost),
               Measured("storage", True, 0.0, 5.0, 0.0, 0, cost)]
    t = Target(cost, 10, replace(SETTINGS, energy_seconds=0.0))
    est = estimate(["fp16-storage", "bf16-storage"], t, earlier, [])
    assert est.seconds == pytest.approx(8.0) and est.measurements == 2


def test_without_an_earlier_measurement_it_says_so():
    est = estimate(["fp32"], Target(RunCost(1.0, 1.0), 10, SETTINGS), [], [5.0])
    assert est.seconds is None
    assert estimate_words(est, 1).startswith("No earlier measurement on this device")


def test_stored_measurements_are_read_beside_their_runs_of_sessions_on_this_device(tmp_path):
    summary = {"n_test": 200, "epochs": [{"eval_s": 0.2, "training_s": 2.0}]}
    run = tmp_path / "run"
    run.mkdir()
    variants = [{"name": "int8-dynamic", "status": "measured", "device": CPU, "seconds": 9.0,
                 "latency_ms_per_1000": 2.0, "ref_latency_ms_per_1000": 1.0},
                {"name": "fp16", "status": "not supported here", "device": CPU,
                 "seconds": 0.01},
                {"name": "fp32", "status": "measured", "device": CPU}]  # stored before timing
    (run / "compress.json").write_text(json.dumps({
        "device": CPU, "open_seconds": 2.0, "n_test": 200, "windows_timed": 100,
        "settings": {"energy_seconds": 0.5, "rounds": 4}, "variants": variants}))
    gpu = tmp_path / "gpu"  # a session on another device: its int8 ran on a CPU too
    gpu.mkdir()
    (gpu / "compress.json").write_text(json.dumps({
        "device": "GPU", "open_seconds": 1.0, "variants": [
            {"name": "int8-dynamic", "status": "measured", "device": CPU, "seconds": 1.0}]}))
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "compress.json").write_text("{")
    measured, openings = stored([(run, summary), (gpu, summary),
                                 (tmp_path / "damaged", summary), (tmp_path / "none", summary)],
                                CPU)
    assert openings == [2.0]
    int8, fp16 = measured
    passes = 2e-6 * 200 + (4 + 1) * 3e-6 * 100
    assert (int8.kind, int8.metered, int8.window_s) == ("int8", True, pytest.approx(1.5e-6))
    assert int8.rest_s == pytest.approx(9.0 - passes - 4 * 0.5)
    assert int8.cost == RunCost(pytest.approx(0.001), 2.0)
    assert (fp16.kind, fp16.metered, fp16.rest_s) == ("compute", False, 0.01)

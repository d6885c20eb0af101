"""A compression session's time estimated from the ones stored before it on this device: each
variant's kind's median, its metered phases fixed, the rest scaled by the run's work, the
fine-tune by its training work and epochs; nothing stored, nothing estimated."""

from __future__ import annotations

import json

import pytest

from importance.compress.duration import (
    ENERGY_PHASES,
    Measured,
    Target,
    estimate,
    estimate_words,
    kind_of,
    stored,
)
from importance.config import DataConfig, ModelConfig, RunConfig
from importance.estimate import epoch_work

CPU = "CPU (test)"


def test_kinds_group_the_variants_whose_time_is_alike():
    assert kind_of("structured-30-ft") == kind_of("structured-50-ft") == "structured-ft"
    assert kind_of("structured-50") == "structured" != kind_of("magnitude-50")
    assert kind_of("fp16-storage") == kind_of("bf16-storage") == "storage"


def test_the_metered_phases_are_fixed_and_the_rest_scales_with_the_work():
    earlier = [Measured("int8", seconds=10.0, fixed_s=8.0, finetune_s=0.0, test_work=100.0,
                        train_work=500.0, finetune_epochs=0),
               Measured("structured-ft", seconds=20.0, fixed_s=8.0, finetune_s=10.0,
                        test_work=100.0, train_work=500.0, finetune_epochs=2)]
    t = Target(test_work=300.0, train_work=1000.0, energy_seconds=1.0, finetune_epochs=4)
    est = estimate(["int8-dynamic"], t, earlier, [])
    assert est.seconds == pytest.approx(ENERGY_PHASES * 1.0 + 2.0 * 3)
    assert est.measurements == 1 and est.unknown == ()
    est = estimate(["structured-75-ft", "magnitude-50"], t, earlier, [(1.0, 100.0)])
    # 4 s metered + 2 s x 3 (test work) + 10 s x 2 (train work) x 2 (epochs) + 1 s x 3 opening
    assert est.seconds == pytest.approx(4 + 6 + 40 + 3)
    assert est.unknown == ("magnitude-50",)
    words = estimate_words(est, 2)
    assert words.startswith("Estimated time: about 53 s for 1 of the 2 variants (from 1 "
                            "earlier measurement on this device")
    assert "no earlier measurement of magnitude-50" in words


def test_variants_of_one_kind_count_their_measurements_once():
    earlier = [Measured("storage", 3.0, 0.0, 0.0, 1.0, 1.0, 0),
               Measured("storage", 5.0, 0.0, 0.0, 1.0, 1.0, 0)]
    est = estimate(["fp16-storage", "bf16-storage"], Target(1.0, 1.0, 0.0, 0), earlier, [])
    assert est.seconds == pytest.approx(8.0) and est.measurements == 2


def test_without_an_earlier_measurement_it_says_so():
    est = estimate(["fp32"], Target(1.0, 1.0, 2.0, 3), [], [(5.0, 1.0)])
    assert est.seconds is None
    assert estimate_words(est, 1).startswith("No earlier measurement on this device")


def test_stored_measurements_are_read_beside_their_runs_of_sessions_on_this_device(tmp_path):
    cfg = RunConfig(data=DataConfig(), model=ModelConfig(kind="lstm", hidden=32))
    summary = {"n_test": 200, "n_train": 1000}
    run = tmp_path / "run"
    run.mkdir()
    variants = [{"name": "int8-dynamic", "status": "measured", "device": CPU, "seconds": 9.0},
                {"name": "fp16", "status": "not supported here", "device": CPU,
                 "seconds": 0.01},
                {"name": "fp32", "status": "measured", "device": CPU}]  # stored before timing
    (run / "compress.json").write_text(json.dumps({
        "device": CPU, "open_seconds": 2.0, "settings": {"energy_seconds": 0.5},
        "variants": variants}))
    gpu = tmp_path / "gpu"  # a session on another device: its int8 ran on a CPU too
    gpu.mkdir()
    (gpu / "compress.json").write_text(json.dumps({
        "device": "GPU", "open_seconds": 1.0, "variants": [
            {"name": "int8-dynamic", "status": "measured", "device": CPU, "seconds": 1.0}]}))
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "compress.json").write_text("{")
    measured, openings = stored([(run, cfg, summary), (gpu, cfg, summary),
                                 (tmp_path / "damaged", cfg, summary),
                                 (tmp_path / "none", cfg, summary)], CPU)
    work = epoch_work(cfg, 200)
    assert openings == [(2.0, work)]
    assert [(m.kind, m.seconds, m.fixed_s) for m in measured] == [("int8", 9.0, 2.0),
                                                                  ("compute", 0.01, 0.0)]
    assert measured[0].test_work == work

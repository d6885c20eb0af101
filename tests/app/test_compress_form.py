"""The Compress page's form through AppTest: the variants preselected keep accuracy (never
pruning without a fine-tune), and the session's time is estimated from the measurements
stored on this device, or said to have nothing to come from."""

from __future__ import annotations

import json

import pytest
from pagetools import new_app

from importance.compress.duration import ENERGY_PHASES
from importance.compress.lab import Settings
from importance.compress.variants import DEFAULT_VARIANTS, parse_variant
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.device import describe, pick_device
from importance.experiment import run_experiment
from importance.runs.store import RunStore
from importance.sweep.view import duration_words
from tests.conftest import make_series
from ui import compress as ui

PAGE = "pages/compress.py"


@pytest.fixture
def tiny_run(runs_dir, tmp_path) -> str:
    path = tmp_path / "cell.csv"
    s = make_series(days=6)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(path, index=False)
    cfg = RunConfig(data=DataConfig(path=str(path)), window=WindowConfig(lookback=12, stride=4),
                    model=ModelConfig(hidden=8), train=TrainConfig(epochs=1, patience=None))
    return run_experiment(cfg, store=RunStore(runs_dir))


def _open():
    at = new_app(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_preselected_variants_keep_accuracy(tiny_run):
    at = _open()
    chosen = at.multiselect(key=ui.VARIANTS_KEY).value
    specs = [parse_variant(n) for n in chosen]
    assert "magnitude-50" not in chosen and "structured-50" not in chosen
    assert all(s.finetune for s in specs if s.family in ("magnitude", "structured"))
    assert {"fp32", "fp16-storage", "bf16-storage", "int8-dynamic",
            "structured-50-ft"} <= set(chosen)
    # the unfine-tuned pruning stays on offer, to show what it loses
    assert {"magnitude-50", "structured-50"} <= set(at.multiselect(key=ui.VARIANTS_KEY).options)
    assert set(chosen) < set(DEFAULT_VARIANTS)


def test_the_time_is_estimated_from_the_stored_measurements(tiny_run, runs_dir):
    at = _open()
    assert ("No earlier measurement on this device to estimate the time from"
            in _captions(at))
    at.multiselect(key=ui.VARIANTS_KEY).set_value(["fp32", "int8-dynamic"]).run()
    device = describe(pick_device())

    def store(seconds: float) -> None:  # one earlier session of this run on this device
        (runs_dir / tiny_run / "compress.json").write_text(json.dumps({
            "device": device, "settings": {"energy_seconds": 0.0, "rounds": Settings().rounds},
            "variants": [
                {"name": "int8-dynamic", "status": "measured", "device": device,
                 "seconds": seconds}]}))

    phases = ENERGY_PHASES * Settings().energy_seconds  # metered as long as asked
    store(40.0)
    at.run()
    words = _captions(at)
    assert (f"Estimated time: about {duration_words(40 + phases)} for 1 of the 2 variants "
            "(from 1 earlier measurement on this device") in words
    assert "no earlier measurement of fp32" in words
    store(90.0)
    at.run()
    assert f"about {duration_words(90 + phases)} for 1 of the 2 variants" in _captions(at)

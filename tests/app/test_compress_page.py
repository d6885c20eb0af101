"""The Compress page through AppTest: pick a run, measure variants in the background, and see
the table, the two charts with their fronts, a sentence per variant and the device named; the
variants preselected keep accuracy (never pruning without a fine-tune), and the session's time
is estimated from the measurements stored on this device, or said to have nothing to come
from."""

from __future__ import annotations

import json
import time

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
from tests.conftest import machine_cpu_words, make_series
from ui import compress as ui

PAGE = "pages/compress.py"
FAST = Settings(rounds=3, max_windows=64, energy_seconds=0.05, finetune_epochs=1)


@pytest.fixture
def tiny_run(runs_dir, tmp_path) -> str:
    path = tmp_path / "cell.csv"
    s = make_series(days=6)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(path, index=False)
    cfg = RunConfig(data=DataConfig(path=str(path)), window=WindowConfig(lookback=12, stride=4),
                    model=ModelConfig(hidden=8), train=TrainConfig(epochs=2, patience=None))
    return run_experiment(cfg, store=RunStore(runs_dir))


def _open():
    at = new_app(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(elements) -> str:
    return " ".join(e.value for e in elements)


def test_without_runs_the_page_points_to_training(runs_dir):
    at = _open()
    assert at.title[0].value == "Compress"
    assert "No runs yet" in _text(at.info)


def test_variants_are_measured_in_the_background_and_shown(tiny_run, monkeypatch):
    monkeypatch.setattr(ui, "SETTINGS", FAST)
    at = _open()
    assert at.selectbox(key=ui.RUN_KEY).value == tiny_run
    assert "Measurements run on **CPU (" in _text(at.caption)
    assert "No compressed variant of this run measured yet" in _text(at.caption)
    at.multiselect(key=ui.VARIANTS_KEY).set_value(["fp32", "int8-dynamic"])
    at.text_input(key=ui.EXTRA_KEY).set_value("structured-50-ft").run()
    (button,) = [b for b in at.button if b.label == "Measure"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    end = time.time() + 120
    while ui.manager().active:  # AppTest does not fire run_every: rerun until it ends
        assert time.time() < end, "the session did not finish in time"
        time.sleep(0.5)
        at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert ui.manager().snapshot()["phase"] == "finished", ui.manager().snapshot()
    cards = _text(at.markdown)  # the card names the run as the pages do, not by its id
    assert "**Full data (baseline)" in cards and f"**{tiny_run}**" not in cards
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["fp32", "int8-dynamic", "structured-50-ft"]
    assert "Figures measured on **CPU (" in _text(at.info)
    sentences = _text(at.markdown)
    assert "On this CPU, int8-dynamic (dynamic int8) makes the model" in sentences
    assert "fine-tune cost" in sentences
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 2
    for spec in specs:
        assert "front" in [t.get("name") for t in spec["data"]]
    assert machine_cpu_words() in _text(at.caption)


def test_an_unknown_extra_variant_is_named_and_nothing_starts(tiny_run):
    at = _open()
    at.text_input(key=ui.EXTRA_KEY).set_value("magnitude-50, int4").run()
    assert "unknown variant 'int4'" in _text(at.error)
    assert not [b for b in at.button if b.label == "Measure"]
    assert ui.manager().snapshot()["phase"] == "idle"


def test_the_energy_page_sets_serving_beside_training(tiny_run, runs_dir):
    """Hand-made compression results: the uncompressed model and the least-energy variant
    within 5% MAE (not the cheaper one that loses 30%) scaled to the chosen forecasts per
    day, beside the run's training energy."""
    from ui import serving

    at = new_app("pages/energy.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "No serving cost measured for these runs yet" in _text(at.caption)
    variants = [
        {"name": "fp32", "label": "fp32", "status": "measured", "mae_ratio": 1.0,
         "latency_ms_per_1000": 40.0, "energy_kwh_per_1000": 2e-7, "device": "CPU (test)"},
        {"name": "int8-dynamic", "label": "int8", "status": "measured", "mae_ratio": 1.02,
         "latency_ms_per_1000": 60.0, "energy_kwh_per_1000": 1e-7, "device": "CPU (test)"},
        {"name": "structured-50", "label": "pruned", "status": "measured", "mae_ratio": 1.3,
         "latency_ms_per_1000": 20.0, "energy_kwh_per_1000": 5e-8, "device": "CPU (test)"},
        {"name": "bf16", "label": "bf16", "status": "not supported here", "reason": "test"}]
    (runs_dir / tiny_run / "compress.json").write_text(json.dumps({
        "device": "CPU (test)", "energy_method": "estimated (test)",
        "energy_method_detail": {"grid_g_per_kwh": 300.0}, "variants": variants}))
    at.run()
    at.number_input(key=serving.FORECASTS_KEY).set_value(1_000_000).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Training and serving" in _text(at.header)
    frames = [d.value for d in at.dataframe if "serving Wh/day (estimated)" in d.value.columns]
    (table,) = frames
    assert list(table["model"]) == ["fp32", "int8"]
    assert list(table["serving Wh/day (estimated)"]) == [0.2, 0.1]  # 1,000 x 2e-7 kWh
    assert list(table["compute s/day"]) == [40.0, 60.0]
    assert list(table["serving g CO2e/day"]) == [0.06, 0.03]
    train_wh = 1000 * RunStore(runs_dir).load(tiny_run).summary["energy_kwh"]
    assert table["days of serving = training energy"][0] == pytest.approx(train_wh / 0.2,
                                                                          rel=1e-2)
    assert "estimated (test)" in _text(at.caption)


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

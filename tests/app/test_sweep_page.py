"""The Sweep page through AppTest: the grid's run count and estimate, and a stored sweep's
Pareto chart, interval table, exports and (Milan squares only) map. The stored runs are
hand-built, as `importance sweep` stores them (summaries carrying sweep_id / sweep_cell)."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import torch
from pagetools import new_app

from importance.config import DataConfig, RunConfig, TrainConfig
from importance.runs.store import RunArtifacts, RunStore
from importance.strategies import STRATEGIES
from importance.sweep.grid import Axes, Cell, cell_key
from importance.sweep.store import SweepRecord, SweepStore

PAGE = "pages/sweep.py"
MAE = {"full": 2.0, "gradnorm": 1.9, "rs2": 2.05}
ENERGY = {"full": 1e-3, "gradnorm": 6e-4, "rs2": 5e-4}


def _default_mae(strategy: str, seed: int, series: str | None) -> float:
    return MAE[strategy] * (1 + 0.01 * seed)


def _default_energy(strategy: str, seed: int, series: str | None) -> float:
    return ENERGY[strategy]


Measure = Callable[[str, int, "str | None"], float]


def _store_sweep(root, series: tuple, sweep_id: str = "sweep-0123456789ab",
                 mae: Measure = _default_mae, energy: Measure = _default_energy) -> SweepRecord:
    """A finished sweep: full, gradnorm and rs2 (keep 0.5) x seeds 0, 1 x `series`, each run's
    test MAE and energy (kWh) given by `mae` and `energy` (strategy, seed, series)."""
    runs = RunStore(root)
    axes = Axes(("full", "gradnorm", "rs2"), (0.5,), (0, 1), series)
    cells = []
    n = 0
    for s in series:
        for seed in (0, 1):
            for strategy in axes.strategies:
                keep = None if strategy == "full" else 0.5
                params = {} if keep is None else {"keep_ratio": keep}
                cfg = RunConfig(data=DataConfig(series=s, column="internet"),
                                train=TrainConfig(strategy=strategy, seed=seed, epochs=2,
                                                  strategy_params=params))
                key = cell_key(strategy, keep, seed, s)
                cells.append(Cell(key, strategy, keep, seed, s, cfg))
                n += 1
                run_id = f"20260101-0000{n:02d}-{strategy}-{n:06x}"
                summary = {"run_id": run_id, "strategy": strategy,
                           "test_mae": mae(strategy, seed, s),
                           "energy_kwh": energy(strategy, seed, s),
                           "wall_s": 10 * ENERGY[strategy] * 1e3,
                           "samples_backprop": 1000 if keep is None else 500,
                           "samples_scoring_backprop": 0 if strategy != "gradnorm" else 20,
                           "epochs_run": 2, "ended": "completed", "emissions_kg": 1e-4,
                           "epochs": [{"val_mae": 1.0}, {"val_mae": 0.9}],
                           "sweep_id": sweep_id, "sweep_cell": key}
                runs.save(RunArtifacts(
                    run_id, cfg, summary,
                    {"scores": np.ones((2, 3), np.float32), "n_train": np.int64(3),
                     "selected_bits": np.packbits(np.ones((2, 3), bool), axis=1)},
                    pd.DataFrame({"origin": pd.to_datetime(["2013-11-01"], utc=True),
                                  "step": [1], "time": pd.to_datetime(["2013-11-01"], utc=True),
                                  "actual": [1.0], "forecast": [2.0]}),
                    {"w": torch.ones(1)}))
                cells[-1] = (cells[-1], run_id)
    record = SweepRecord.new(sweep_id, axes, [c for c, _ in cells])
    for c, run_id in cells:
        record.mark(c.key, "done", run_id=run_id)
    SweepStore(runs).save(record)
    return record


def _open(runs_dir):
    at = new_app(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_the_grid_shows_its_run_count_and_an_estimate(runs_dir):
    at = _open(runs_dir)
    assert at.title[0].value == "Sweep"
    metrics = {m.label: m.value for m in at.metric}
    # full once per seed and series (3), gradnorm and rs2 at 2 keep ratios x 3 seeds (12)
    assert metrics["Runs"] == "15"
    assert metrics["Estimated time"] != "-"
    # no stored run yet: the estimate says it is a first guess
    assert "from a first guess for this model on this machine" in " ".join(
        c.value for c in at.caption)
    at.text_input(key="sweep.seeds").set_value("0-4").run()
    assert {m.label: m.value for m in at.metric}["Runs"] == "25"
    at.text_input(key="sweep.keep_ratios").set_value("0.5,2").run()
    assert "outside (0, 1]" in " ".join(e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Launch sweep"]
    assert "No sweep in" in " ".join(c.value for c in at.caption)


def test_a_stored_sweep_shows_pareto_intervals_exports_and_the_milan_map(runs_dir):
    record = _store_sweep(runs_dir, ("5060", "4259"))
    at = _open(runs_dir)
    assert at.selectbox(key="sweep.pick").value == record.sweep_id
    specs = _charts(at)
    pareto = specs[0]
    names = [t.get("name") for t in pareto["data"]]
    assert "Pareto front (of the means)" in names
    points = [t for t in pareto["data"] if t.get("name") == STRATEGIES["gradnorm"].label]
    assert points and len(points[0]["x"]) == 4  # every run a point: 2 seeds x 2 squares
    assert points[0]["x"][0] == pytest.approx(0.6)  # energy ratio to full, same cell + seed
    table = at.dataframe[0].value
    row = table.set_index("strategy").loc["gradnorm"]
    assert row["runs"] == 4 and row["energy saved"].startswith("40.0 % [")
    assert row["lower MAE than control"] == "4 of 4 vs rs2"
    assert row["test MAE ratio to full"].startswith("0.950")
    # the map: both squares at their grid positions
    heat = [t for s in specs for t in s["data"] if t["type"] == "heatmap"]
    assert len(heat) == 1
    assert 58 in heat[0]["x"] and 59 in heat[0]["x"] and 42 in heat[0]["y"]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Pareto chart as HTML", "Interval chart as HTML", "Table as CSV",
                      "Table as Parquet", "Runs as CSV", "Runs as Parquet", "Map as HTML"]
    # the cost axis: wall time
    at.selectbox(key="sweep.cost").set_value("wall").run()
    assert not at.exception
    assert "wall time ratio" in _charts(at)[0]["layout"]["xaxis"]["title"]["text"]
    # the estimate now comes from the stored runs' epochs
    assert "measured epochs of 12 stored runs" in " ".join(c.value for c in at.caption)


def test_no_map_for_series_that_are_not_milan_squares(runs_dir):
    _store_sweep(runs_dir, (None,))
    at = _open(runs_dir)
    specs = _charts(at)
    assert len(specs) == 2  # the Pareto and interval charts
    assert not [t for s in specs for t in s["data"] if t["type"] == "heatmap"]
    assert "On the Milan grid" not in [h.value for h in at.subheader]
    assert at.dataframe[0].value.set_index("strategy").loc["gradnorm", "runs"] == 2


def test_a_two_seed_sweep_shows_its_caveat_no_interval_and_no_winner(runs_dir):
    """One series, seeds 0 and 1: gradnorm 5% below full data's test MAE and rs2's on both,
    yet two seeds give no interval and name no winner, on the page and in its files."""
    _store_sweep(runs_dir, (None,))
    at = _open(runs_dir)
    (box,) = [e.value for e in [*at.info, *at.success, *at.warning] if "seed" in e.value]
    assert box.startswith("2 seeds: indicative, names no winner.")
    assert not at.success
    sentences = " ".join(m.value for m in at.markdown)
    assert "2 seeds: indicative only, no interval and no winner" in sentences
    for claim in ("Best trade-off", "is better", "beats"):
        assert claim not in box and claim not in sentences
    row = at.dataframe[0].value.set_index("strategy").loc["gradnorm"]
    assert row["test MAE ratio to full"] == "0.950 (2 seeds: no interval)"
    assert row["energy saved"] == "40.0 % (2 seeds: no interval)"
    chart = next(c for c in _charts(at) if "95% interval" in c["layout"]["title"]["text"])
    assert not [t["error_x"]["array"] for t in chart["data"]
                if any(v is not None for v in t["error_x"]["array"])]


def test_a_sweep_over_series_pools_series_and_seeds_into_one_verdict(runs_dir):
    """Two squares x two seeds: four pairs per strategy, so the verdict has intervals; each
    pair is a series and a seed."""
    _store_sweep(runs_dir, ("5060", "4259"))
    at = _open(runs_dir)
    box = next(e.value for e in [*at.info, *at.success, *at.warning] if "seed" in e.value)
    assert "2 seeds" not in box and "indicative" not in box
    sentences = " ".join(m.value for m in at.markdown)
    assert ("**Gradient-norm top-k** against full data (4 series-seed pairs): test MAE -5.0%"
            in sentences)
    assert "95% interval" in sentences


def _full_and_gradnorm_grid(at, seeds: str) -> None:
    """Full data and gradnorm at keep 0.7 on `seeds`, one local worker."""
    at.multiselect(key="sweep.strategies").set_value(["full", "gradnorm"])
    at.text_input(key="sweep.keep_ratios").set_value("0.7")
    at.text_input(key="sweep.seeds").set_value(seeds)
    at.number_input(key="sweep.workers").set_value(1)
    at.run()


def test_launch_follow_and_explore_a_tiny_sweep(runs_dir, monkeypatch):
    """A real sweep from the page: 2 one-epoch runs on a local Dask cluster of one worker,
    followed to the end, then explored."""
    import time

    from ui import sweep

    monkeypatch.setenv("IMPORTANCE_UI_DEFAULTS", json.dumps(
        {"epochs": 1, "hidden": 4, "lookback": 24, "stride": 32}))
    at = _open(runs_dir)
    _full_and_gradnorm_grid(at, "0")
    assert {m.label: m.value for m in at.metric}["Runs"] == "2"
    (button,) = [b for b in at.button if b.label == "Launch sweep"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Launched sweep-" in " ".join(s.value for s in at.success)
    mgr = sweep.manager()
    end = time.time() + 240
    while mgr.active:
        assert time.time() < end, "the sweep did not finish in time"
        time.sleep(1)
        at.run()  # AppTest does not fire run_every: rerun as the fragment would
        assert not at.exception, [e.value for e in at.exception]
    at.run()
    snap = mgr.snapshot()
    assert snap["phase"] == "finished", snap
    assert snap["done"] == 2 and snap["failed"] == 0
    # the card names the sweep by its grid, not by its id (issue 24)
    cards = " ".join(m.value for m in at.markdown)
    assert "**Sweep: full, gradnorm x keep " in cards and " x 1 seed x 1 series**" in cards
    assert f"**{snap['sweep_id']}**" not in cards
    assert at.selectbox(key="sweep.pick").value == snap["sweep_id"]
    assert "Pareto front (of the means)" in [t.get("name") for t in _charts(at)[0]["data"]]
    assert len(RunStore(runs_dir).ids()) == 2


def test_cancel_stops_a_running_sweep(runs_dir, monkeypatch):
    import time

    from ui import sweep

    monkeypatch.setenv("IMPORTANCE_UI_DEFAULTS", json.dumps(
        {"epochs": 300, "hidden": 4, "lookback": 24, "stride": 32}))
    at = _open(runs_dir)
    _full_and_gradnorm_grid(at, "0,1")
    [b for b in at.button if b.label == "Launch sweep"][0].click().run()
    mgr = sweep.manager()
    end = time.time() + 120
    while mgr.snapshot()["running"] == 0:  # the first run has started
        assert time.time() < end and mgr.active, mgr.snapshot()
        time.sleep(0.5)
    at.run()
    (cancel,) = [b for b in at.button if b.label == "Cancel"]
    cancel.click().run()
    assert not at.exception, [e.value for e in at.exception]
    while mgr.active:
        assert time.time() < end + 60, "the sweep did not stop"
        time.sleep(0.5)
    snap = mgr.snapshot()
    assert snap["phase"] == "cancelled" and snap["cancelled"] == 4 and snap["done"] == 0, snap
    at.run()
    assert "cancelled" in " ".join(m.value for m in at.markdown)


def test_the_grid_takes_the_train_forms_settings_but_not_its_axes(runs_dir):
    """Model and window from the Train form as the session left it; epochs, strategies, keep
    ratios and seeds are the sweep's own (launch.session_form with the sweep's fields)."""
    from pagetools import page

    from importance.config import TrainConfig
    from ui import state

    at = page(new_app("pages/train.py").run(), "pages/train.py")
    at.number_input(key=state.F_HIDDEN).set_value(8)
    at.number_input(key=state.F_EPOCHS).set_value(5).run()
    at = page(at, "pages/sweep.py")
    assert "LSTM · hidden 8 x 1 layers" in " ".join(c.value for c in at.caption)
    assert at.number_input(key="sweep.epochs").value == TrainConfig().epochs  # not 5

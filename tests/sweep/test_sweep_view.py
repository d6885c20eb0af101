"""importance.sweep.view: the runs table of a sweep record, estimates, display tables, map."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from importance import evidence
from importance.estimate import epoch_seconds
from importance.sweep import view
from importance.sweep.store import SweepRecord


def _record(cells) -> SweepRecord:
    return SweepRecord("sweep-abc", {"strategies": ["full", "gradnorm", "rs2"],
                                     "keep_ratios": [0.5], "seeds": [0, 1],
                                     "series": ["5060", "4259"]}, {},
                       {c["key"]: c for c in cells})


def _cell(strategy, keep, seed, series, status="done", run_id=None):
    k = "" if keep is None else f"-k{keep:g}"
    key = f"{strategy}{k}-s{seed}-{series}"
    return {"key": key, "strategy": strategy, "keep_ratio": keep, "seed": seed,
            "series": series, "status": status,
            "run_id": run_id if run_id is not None else (f"r-{key}" if status == "done"
                                                         else None), "error": ""}


def _summary(run_id, mae, energy=1.0, wall=10.0, bp=100, scoring=0, **extra):
    return {"run_id": run_id, "test_mae": mae, "energy_kwh": energy, "wall_s": wall,
            "samples_backprop": bp, "samples_scoring_backprop": scoring, **extra}


def test_runs_frame_takes_done_cells_and_the_sweeps_late_runs():
    cells = [_cell("full", None, 0, "5060"), _cell("gradnorm", 0.5, 0, "5060"),
             _cell("rs2", 0.5, 0, "5060", status="running"),  # stored, record not saved yet
             _cell("gradnorm", 0.5, 1, "5060", status="failed"),
             _cell("full", None, 1, None)]  # the file's only series
    sums = [_summary("r-full-s0-5060", 2.0, energy=None, bp=100),
            _summary("r-gradnorm-k0.5-s0-5060", 1.9, energy=0.6, wall=6.0, bp=50, scoring=5),
            _summary("late", 2.1, wall=5.0, bp=50, sweep_id="sweep-abc",
                     sweep_cell="rs2-k0.5-s0-5060"),
            _summary("other", 9.9, sweep_id="sweep-zzz", sweep_cell="rs2-k0.5-s0-5060"),
            _summary("r-full-s1-None", 3.0)]
    sums[-1]["run_id"] = "r-full-s1-None"
    frame = view.runs_frame(_record(cells), sums)
    assert list(frame.columns) == list(view.RUN_COLUMNS)
    assert frame["key"].tolist() == ["full-s0-5060", "gradnorm-k0.5-s0-5060",
                                     "rs2-k0.5-s0-5060", "full-s1-None"]
    assert frame["run_id"].tolist()[2] == "late"
    assert math.isnan(frame["keep_ratio"][0]) and frame["keep_ratio"][1] == 0.5
    assert math.isnan(frame["energy_kwh"][0])  # not measured
    assert frame["backprops"].tolist()[:3] == [100, 55, 50]
    assert frame["series"].tolist() == ["5060", "5060", "5060", "default"]
    pairs = evidence.paired(frame)
    g = pairs.set_index("key")
    assert g.loc["gradnorm-k0.5-s0-5060", "mae_ratio"] == pytest.approx(0.95)
    assert g.loc["gradnorm-k0.5-s0-5060", "wall_ratio"] == pytest.approx(0.6)
    assert g.loc["gradnorm-k0.5-s0-5060", "backprop_ratio"] == pytest.approx(0.55)
    assert g.loc["gradnorm-k0.5-s0-5060", "beats_control"] is True  # 1.9 < 2.1
    assert view.counts(_record(cells)) == {"runs": 5, "done": 3, "running": 1, "failed": 1}


def test_runs_frame_of_an_empty_record_has_the_columns():
    frame = view.runs_frame(_record([_cell("full", None, 0, "5060", status="pending")]), [])
    assert frame.empty and list(frame.columns) == list(view.RUN_COLUMNS)


def test_epoch_seconds_and_duration_words():
    sums = [{"strategy": "full", "wall_s": 20.0, "epochs_run": 2},
            {"strategy": "full", "wall_s": 40.0, "epochs_run": 2},
            {"strategy": "gradnorm", "wall_s": 6.0, "epochs_run": 3},
            {"strategy": "arima", "kind": "classical", "wall_s": 6.0, "epochs_run": 0},
            {"strategy": "rs2", "wall_s": 6.0, "epochs_run": 0}]
    assert epoch_seconds(sums) == {"full": 15.0, "gradnorm": 2.0}  # classical, 0 epochs: out
    assert view.duration_words(42) == "42 s" and view.duration_words(200) == "3 min 20 s"
    assert view.duration_words(3900) == "1 h 05 min" and view.duration_words(None) == "-"


def _pairs():
    rows = []
    for series in ("5060", "4259"):
        for seed in (0, 1):
            rows.append(dict(strategy="full", keep_ratio=np.nan, seed=seed, series=series,
                             test_mae=1.0, energy_kwh=1.0, wall_s=10.0, backprops=100))
            rows.append(dict(strategy="gradnorm", keep_ratio=0.5, seed=seed, series=series,
                             test_mae=0.98 + 0.01 * seed, energy_kwh=0.6, wall_s=6.0,
                             backprops=50))
            rows.append(dict(strategy="rs2", keep_ratio=0.5, seed=seed, series=series,
                             test_mae=1.0 + 0.02 * seed, energy_kwh=0.5, wall_s=5.5,
                             backprops=50))
            rows.append(dict(strategy="el2n", keep_ratio=0.5, seed=seed, series=series,
                             test_mae=1.2, energy_kwh=0.9, wall_s=9.0, backprops=90))
    return evidence.paired(pd.DataFrame(rows))


def test_strategy_means_mark_the_front_of_the_means():
    means = view.strategy_means(_pairs(), "energy").set_index("strategy")
    assert means.loc["full", "mae_ratio"] == 1 and means.loc["full", "cost_ratio"] == 1
    assert means.loc["gradnorm", "runs"] == 4
    assert means.loc["gradnorm", "cost_ratio"] == pytest.approx(0.6)
    # rs2 is cheapest, gradnorm most accurate; el2n and full are beaten by gradnorm
    assert means["front"].to_dict() == {"el2n": False, "full": False, "gradnorm": True,
                                        "rs2": True}


def test_interval_display_has_units_and_wins():
    shown = view.interval_display(evidence.interval_table(_pairs())).set_index("strategy")
    g = shown.loc["gradnorm"]
    assert g["keep ratio"] == "0.5" and g["runs"] == 4
    assert g["test MAE ratio to full"].startswith("0.985 [")
    assert g["energy saved"].startswith("40.0 % [")
    assert g["lower MAE than control"] == "4 of 4 vs rs2"
    assert shown.loc["el2n", "lower MAE than control"] == "no random run to pair with"
    assert shown.loc["rs2", "lower MAE than control"] == "(the control)"


def test_square_values_place_milan_squares_on_the_grid():
    assert view.milan_squares(["5060", "4259"]) and not view.milan_squares(["default"])
    assert not view.milan_squares(["10001"]) and not view.milan_squares([])
    squares = view.square_values(_pairs(), "gradnorm", 0.5, "energy_saved_pct")
    assert squares.set_index("square")[["col", "row", "seeds"]].to_dict("index") == {
        "4259": {"col": 58, "row": 42, "seeds": 2}, "5060": {"col": 59, "row": 50, "seeds": 2}}
    assert squares["value"].tolist() == pytest.approx([40.0, 40.0])
    mae = view.square_values(_pairs(), "gradnorm", 0.5, "mae_ratio")
    assert mae["value"].tolist() == pytest.approx([0.985, 0.985])
    with pytest.raises(ValueError, match="unknown metric"):
        view.square_values(_pairs(), "gradnorm", 0.5, "speed")

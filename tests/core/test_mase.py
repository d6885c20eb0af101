"""MASE: each series' test MAE over the in-sample seasonal naive MAE of its own fit segment
(a day's season for sub-daily steps, a week's for daily steps), a dead series excluded and
counted, a panel's pooled as the mean over its series; stored by neural and classical runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data.panel import make_panel
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.experiment import run_classical, train_run
from importance.metrics import mase, mase_scales, mase_season, naive_scale, pooled_mase

WINDOW = WindowConfig(lookback=4, horizon=1, calendar=False, log1p=False)


def test_the_season_is_a_day_below_daily_steps_and_a_week_at_daily_steps():
    assert mase_season(pd.date_range("2024-01-01", periods=10, freq="h")) == 24
    assert mase_season(pd.date_range("2024-01-01", periods=10, freq="10min")) == 144
    assert mase_season(pd.date_range("2024-01-01", periods=10, freq="D")) == 7
    assert mase_season(pd.date_range("2024-01-01", periods=10, freq="W")) == 1  # previous value


def test_mase_of_a_daily_series_by_hand():
    # 40 days; train + validation = the first 34 (0.85 of 40), so the weekly naive compares
    # days 7..33 with days 0..26 (27 pairs): the weeks repeat exactly but day 30, 14 higher
    values = np.array([10.0, 12, 14, 16, 18, 5, 5] * 5 + [0.0] * 5)
    values[30] += 14
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    ws = make_windows(pd.Series(values, index=days, name="cell"), WINDOW)
    assert ws.bounds[1] == 34
    assert naive_scale(values[:34], 7) == pytest.approx(14 / 27)
    assert mase_scales(ws) == {None: pytest.approx(14 / 27)}
    actual, pred = np.array([[3.0], [5.0]]), np.array([[4.0], [4.0]])
    assert mase(actual, pred, 14 / 27) == pytest.approx(27 / 14)


def test_mase_of_an_hourly_series_by_hand():
    hours = pd.date_range("2024-01-01", periods=24 * 5, freq="h")
    day = np.arange(24, dtype=float)
    values = np.concatenate([day, day + 3, day + 3, day + 6, day])
    ws = make_windows(pd.Series(values, index=hours, name="cell"), WINDOW)
    assert ws.bounds[1] == 102  # train + validation: days 0-3 and hours 96..101 of day 4
    # against the same hour a day before: day 1 is 3 higher (24 h), day 2 the same (24 h),
    # day 3 3 higher (24 h), hours 96..101 6 lower (6 h): 78 pairs
    assert mase_scales(ws)[None] == pytest.approx((24 * 3 + 24 * 0 + 24 * 3 + 6 * 6) / 78)


def test_a_dead_series_has_no_mase_and_is_counted_and_the_pool_is_the_mean():
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    rng = np.random.default_rng(0)
    busy = pd.Series(1000 + 100 * rng.standard_normal(40), index=days)
    quiet = pd.Series(5 + rng.standard_normal(40), index=days)
    dead = pd.Series(np.r_[np.zeros(36), np.ones(4)], index=days)  # wakes up in the test
    panel = make_panel([busy, quiet, dead], ["busy", "quiet", "dead"], WINDOW)
    scales = mase_scales(panel)
    assert scales["dead"] == 0 and scales["busy"] > 50 * scales["quiet"] > 0
    ones = np.ones((3, 1))
    assert mase(ones, 2 * ones, scales["dead"]) is None
    pooled = pooled_mase({"busy": 0.8, "quiet": 1.2, "dead": None})
    assert pooled == {"test_mase": pytest.approx(1.0), "mase_series": 2,
                      "mase_excluded": {"count": 1, "series": ["dead"]}}
    assert pooled_mase({"dead": None})["test_mase"] is None


def _long_csv(tmp_path: Path) -> Path:
    """Three hourly cells over 12 days, 100x apart in volume; `dead` sends nothing until the
    last day (its fit segment, the first 245 hours, is all zeros)."""
    hours = pd.date_range("2024-03-04", periods=24 * 12, freq="h")
    rng = np.random.default_rng(1)
    cycle = np.sin(np.arange(len(hours)) * 2 * np.pi / 24)
    cells = {"big": 5000 + 2000 * cycle + rng.normal(0, 200, len(hours)),
             "small": 50 + 20 * cycle + rng.normal(0, 2, len(hours)),
             "dead": np.r_[np.zeros(24 * 11), 3 + rng.random(24)]}
    frame = pd.concat([pd.DataFrame({"Time": hours.strftime("%Y-%m-%d %H:%M:%S"), "BS": k,
                                     "Energy": v}) for k, v in cells.items()])
    path = tmp_path / "cells.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_panel_run_and_a_classical_one_store_mase_per_series_and_pooled(tmp_path: Path):
    path = _long_csv(tmp_path)
    data = DataConfig(path=str(path), series=("big", "small", "dead"))
    window = WindowConfig(lookback=24, horizon=2, stride=4, holidays=None)
    cfg = RunConfig(data=data, window=window, model=ModelConfig(hidden=4),
                    train=TrainConfig(strategy="full", epochs=1))
    s = train_run(cfg, meter=EnergyMeter("ITA")).summary
    raw = pd.read_csv(path)
    fit = int(round(24 * 12 * 0.85))  # train + validation of each cell: 0.7 + 0.15
    by_cell = {p["series"]: p for p in s["per_series"]}
    for cell in ("big", "small"):
        y = raw.loc[raw["BS"] == cell, "Energy"].to_numpy()[:fit]
        scale = np.abs(y[24:] - y[:-24]).mean()  # the naive forecast of the day before
        assert by_cell[cell]["test_mase"] == pytest.approx(by_cell[cell]["test_mae"] / scale)
    assert by_cell["dead"]["test_mase"] is None
    assert s["test_mase"] == pytest.approx((by_cell["big"]["test_mase"]
                                            + by_cell["small"]["test_mase"]) / 2)
    assert s["mase_series"] == 2 and s["mase_excluded"] == {"count": 1, "series": ["dead"]}

    two = DataConfig(path=str(path), series=("big", "small"))  # classical needs a live history
    c = run_classical("seasonal_naive_daily", two, window, meter=EnergyMeter("ITA"))
    assert [p["series"] for p in c["per_series"]] == ["big", "small"]
    for part in c["per_series"]:
        # the naive of the day before, scored against its own in-sample MAE: about 1
        assert part["test_mase"] == pytest.approx(part["test_mae"] / by_scale(raw, part, fit))
    assert c["test_mase"] == pytest.approx(np.mean([p["test_mase"] for p in c["per_series"]]))
    assert c["mase_excluded"]["count"] == 0

    one = train_run(RunConfig(data=DataConfig(path=str(path), series="small"), window=window,
                              model=ModelConfig(hidden=4),
                              train=TrainConfig(strategy="full", epochs=1)),
                    meter=EnergyMeter("ITA")).summary
    y = raw.loc[raw["BS"] == "small", "Energy"].to_numpy()[:fit]
    assert "per_series" not in one
    assert one["test_mase"] == pytest.approx(one["test_mae"] / np.abs(y[24:] - y[:-24]).mean())


def by_scale(raw: pd.DataFrame, part: dict, fit: int) -> float:
    y = raw.loc[raw["BS"] == part["series"], "Energy"].to_numpy()[:fit]
    return float(np.abs(y[24:] - y[:-24]).mean())

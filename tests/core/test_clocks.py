"""Runs on a naive (wall-clock, no zone) and an aware series: trained, stored, read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data import load_series
from importance.energy import EnergyMeter
from importance.experiment import prepare, run_classical, run_experiment
from importance.runs.store import RunStore
from importance.timeaxis import from_ns, to_ns, wall_clock

ROME = "Europe/Rome"
WINDOW = WindowConfig(lookback=24, stride=32)  # tests/app/pagetools.py QUICK


def _hourly(days: int = 30, tz: str | None = None) -> pd.DataFrame:
    # 2018-03-20 + 30 days crosses the switch to summer time (25 March) in Rome
    time = pd.date_range("2018-03-20", periods=days * 24, freq="h", tz=tz)
    down = 100 + 50 * np.sin(2 * np.pi * np.arange(len(time)) / 24)
    return pd.DataFrame({"time": time, "down": down, "up": down / 3})


def naive_csv(folder: Path) -> Path:
    """The usual operator export: "2018-03-28 15:56:00", no zone."""
    frame = _hourly()
    path = folder / "naive.csv"
    frame.assign(time=frame["time"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(path, index=False)
    return path


def rome_parquet(folder: Path) -> Path:
    path = folder / "rome.parquet"
    _hourly(tz=ROME).to_parquet(path)
    return path


@pytest.mark.parametrize(("make", "tz"), [(naive_csv, None), (rome_parquet, ROME)])
def test_a_run_keeps_its_series_clock_through_the_store(tmp_path, make, tz):
    data = DataConfig(path=str(make(tmp_path)), column="down")
    index = load_series(data.path, column="down").values.index
    assert (index.tz is None) == (tz is None)
    cfg = RunConfig(data, WINDOW, ModelConfig(hidden=4), TrainConfig(epochs=1))
    store = RunStore(tmp_path / "runs")
    run = store.load(run_experiment(cfg, store=store, meter=EnergyMeter("ITA")))
    ws = prepare(data, WINDOW)

    assert run.summary["series_tz"] == tz
    train_ns = run.arrays["train_time_ns"]
    assert train_ns.dtype == np.int64
    assert from_ns(train_ns, tz).equals(ws.target_times("train"))
    if tz is None:  # the wall-clock value itself
        assert train_ns[0] == pd.Timestamp(ws.target_times("train")[0]).as_unit("ns").value
    assert from_ns(train_ns, tz).isin(index).all()

    pred = run.predictions()
    test_times = ws.target_times("test")  # horizon 1: one row per test window, in order
    for col in ("origin", "time"):
        times = pd.DatetimeIndex(pred[col])
        assert str(times.tz) == ("UTC" if tz else "None")
        assert np.array_equal(to_ns(times), to_ns(test_times))
        assert wall_clock(times, tz).equals(wall_clock(test_times, tz))


def test_classical_baselines_forecast_a_naive_series(tmp_path):
    data = DataConfig(path=str(naive_csv(tmp_path)), column="down")
    row = run_classical("seasonal_naive_daily", data, WINDOW, meter=EnergyMeter("ITA"))
    assert row["kind"] == "classical" and np.isfinite(row["test_mae"])

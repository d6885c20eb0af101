"""Several series, one model: the panel of windows, a run on it, its memory estimate."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data import DataError, load
from importance.data.panel import make_panel
from importance.data.windows import make_windows
from importance.energy import EnergyMeter
from importance.experiment import load_members, prepare, run_experiment
from importance.runs import footprint, memory
from importance.runs.store import RunStore
from tests.conftest import make_series
from tests.fixtures.exports import EXPORTS

CFG = WindowConfig(lookback=24, horizon=2, stride=4)


def _three() -> list[pd.Series]:
    return [make_series(days=10, seed=0), 3 * make_series(days=8, seed=1),
            0.5 * make_series(days=12, seed=2)]


def test_panel_windows_are_the_series_windows_concatenated_each_with_its_own_scale():
    series = _three()
    panel = make_panel(series, ["a", "b", "c"], CFG)
    alone = [make_windows(s, CFG) for s in series]
    assert panel.n_features == alone[0].n_features
    assert panel.feature_names == alone[0].feature_names
    assert panel.scalers == tuple(w.scaler for w in alone)
    assert len({s.mean for s in panel.scalers}) == 3  # the per-series scale
    for split in ("train", "val", "test"):
        w = panel.split(split)
        for field in ("x", "y", "start"):
            np.testing.assert_array_equal(
                getattr(w, field), np.concatenate([getattr(a.split(split), field) for a in alone]))
        owner = panel.owner(split)
        assert owner.tolist() == sum(([k] * len(a.split(split)) for k, a in enumerate(alone)), [])
        for k, (a, sl) in enumerate(zip(alone, panel.slices(split), strict=True)):
            assert (owner[sl] == k).all()
            np.testing.assert_array_equal(panel.actual(split)[sl], a.actual(split))
            assert panel.target_times(split)[sl].equals(a.target_times(split))
            np.testing.assert_allclose(panel.inverse(split, w.y)[sl],
                                       a.scaler.inverse(a.split(split).y))
        assert len(panel.target_times(split)) == len(w) == len(panel.actual(split))


def test_a_series_too_short_for_the_window_is_named():
    short = make_series(days=1, seed=3)  # 144 points: the validation split cannot hold 26
    with pytest.raises(ValueError, match=r"series 'cell 9' has 144 points.*too short"):
        make_panel([make_series(days=10), short], ["cell 1", "cell 9"], CFG)


def test_series_of_another_step_or_chosen_twice_are_named():
    hourly = make_series(days=30, freq="h")
    with pytest.raises(ValueError, match=r"series 'h' has a 1 h step but series 'm' a 10 min"):
        make_panel([make_series(days=10), hourly], ["m", "h"], CFG)
    with pytest.raises(ValueError, match=r"series 'a' chosen more than once"):
        make_panel([make_series(), make_series()], ["a", "a"], CFG)


def test_a_data_config_with_several_series_round_trips_and_splits_into_members():
    data = DataConfig(path="x.csv", series=("12", "7"), column="load")
    assert data.is_panel and not DataConfig(series="12").is_panel
    assert [m.series for m in data.members()] == ["12", "7"]
    assert all(m.path == "x.csv" and m.column == "load" for m in data.members())
    assert DataConfig(series="12").members() == (DataConfig(series="12"),)
    cfg = RunConfig(data=data)
    assert RunConfig.from_dict(cfg.to_dict()) == cfg  # JSON list -> tuple
    old = RunConfig.from_dict(RunConfig(data=DataConfig(series="5060")).to_dict())
    assert old.data.series == "5060"  # one id stays one id
    with pytest.raises(DataError, match=r"several series named \(12, 7\)"):
        load(data)


@pytest.fixture
def long_csv(tmp_path):
    """Hourly energy of six stations in one long-format file (one week each)."""
    return str(EXPORTS["bs_energy_hourly_long"].write(tmp_path))


def _config(data: DataConfig, strategy: str = "gradnorm") -> RunConfig:
    params = {} if strategy == "full" else {"keep_ratio": 0.5}
    return RunConfig(data=data, window=WindowConfig(lookback=12, stride=2, holidays=None),
                     model=ModelConfig(hidden=4),
                     train=TrainConfig(strategy=strategy, strategy_params=params, epochs=2))


def test_a_run_on_several_series_stores_per_series_metrics_matching_its_predictions(
        tmp_path, long_csv):
    data = DataConfig(path=long_csv, series=("B_0", "B_1", "B_3"))
    cfg = _config(data)
    store = RunStore(tmp_path / "runs")
    run = store.load(run_experiment(cfg, store=store, meter=EnergyMeter("ITA")))
    assert run.config == cfg
    s = run.summary
    assert s["series_label"] == "3 series: BS B_0, BS B_1, BS B_3 · Energy"
    preds = run.predictions()
    assert list(preds.columns) == ["series", "origin", "step", "time", "actual", "forecast"]
    assert list(preds["series"].unique()) == ["B_0", "B_1", "B_3"]
    assert [p["series"] for p in s["per_series"]] == ["B_0", "B_1", "B_3"]
    for part in s["per_series"]:
        rows = preds[preds["series"] == part["series"]]
        err = rows["actual"] - rows["forecast"]
        assert part["n_test"] == len(rows)
        assert part["test_mae"] == pytest.approx(err.abs().mean())
        assert part["test_rmse"] == pytest.approx(np.sqrt((err ** 2).mean()))
    assert s["n_test"] == len(preds) == sum(p["n_test"] for p in s["per_series"])
    assert s["test_mae"] == pytest.approx((preds["actual"] - preds["forecast"]).abs().mean())
    # each series' actuals are its own loaded values, in its own units
    for loaded, part in zip(load_members(data), s["per_series"], strict=True):
        rows = preds[preds["series"] == part["series"]]
        np.testing.assert_allclose(rows["actual"], loaded.values.iloc[-len(rows):])
    a = run.arrays
    panel = prepare(data, cfg.window)
    np.testing.assert_array_equal(a["train_series"], panel.owner("train"))
    assert s["n_train"] == len(a["train_abs_error"]) == a["scores"].shape[1] == len(panel.train)


def test_a_run_on_one_series_keeps_its_outputs(tmp_path, long_csv):
    cfg = _config(DataConfig(path=long_csv, series="B_0"), "full")
    store = RunStore(tmp_path / "runs")
    run = store.load(run_experiment(cfg, store=store, meter=EnergyMeter("ITA")))
    assert "per_series" not in run.summary and "train_series" not in run.arrays
    assert list(run.predictions().columns) == ["origin", "step", "time", "actual", "forecast"]
    assert run.summary["series_label"] == "BS B_0 · Energy"


def test_the_memory_estimate_counts_the_windows_of_every_series():
    cfg = RunConfig(window=WindowConfig(lookback=24, stride=1), train=TrainConfig(strategy="full"))
    one = memory.estimate(cfg, 2000, 6)
    two = memory.estimate(cfg, (2000, 2000), 6)
    n = sum(memory.n_windows(2000, cfg.window))
    per_window = 24 * 6 * footprint.FLOAT
    # the second series adds its values (and their copy while they are concatenated) and its
    # windows' positions, never its windows x lookback (they are gathered per batch)
    assert 2 * 2000 * 6 * footprint.FLOAT < two.windows - one.windows < n * per_window
    assert two.results == 2 * one.results
    series = [make_series(days=10), make_series(days=14)]
    est = memory.check_series([cfg], series, available=2**40)
    alone = memory.estimate(cfg, [1440, 2016], memory.n_features(series[0].index, cfg.window))
    assert (est.windows, est.total) == (alone.windows, alone.total)
    assert "2 series x 1,728 points on average at a 10 min step" in est.confirmation()


def test_members_load_and_window_through_the_caches(long_csv):
    data = DataConfig(path=long_csv, series=("B_0", "B_5"))
    loaded = load_members(data)
    assert [s.series for s in loaded] == ["B_0", "B_5"]
    window = WindowConfig(lookback=12, holidays=None)
    panel = prepare(data, window)
    assert panel is prepare(data, window)
    assert panel.names == ("B_0", "B_5")
    single = prepare(dataclasses.replace(data, series="B_5"), window)
    np.testing.assert_array_equal(panel.test.x[panel.slices("test")[1]], single.test.x)


def test_a_classical_baseline_on_several_series_fits_each_and_pools(long_csv):
    from importance.experiment import run_classical

    data = DataConfig(path=long_csv, series=("B_0", "B_3"))
    window = WindowConfig(lookback=12, holidays=None)
    meter = EnergyMeter("ITA")
    pooled = run_classical("seasonal_naive_daily", data, window, meter=meter)
    alone = [run_classical("seasonal_naive_daily", d, window, meter=meter)
             for d in data.members()]
    assert [p["series"] for p in pooled["per_series"]] == ["B_0", "B_3"]
    for part, one in zip(pooled["per_series"], alone, strict=True):
        assert part["test_mae"] == pytest.approx(one["test_mae"])
    n = [p["n_test"] for p in pooled["per_series"]]
    assert pooled["test_mae"] == pytest.approx(
        (n[0] * alone[0]["test_mae"] + n[1] * alone[1]["test_mae"]) / sum(n))
    assert set(pooled["params"]) == {"B_0", "B_3"}

"""Evidence too thin to carry a verdict is said, not judged: trained end to end on a realistic
daily export (few test windows) and on a series whose last day was cut short."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance import verdict as vd
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data.quality import partial_last
from importance.energy import EnergyMeter
from importance.experiment import run_experiment
from importance.runs.store import RunStore
from tests.fixtures.exports import ENB_SERIES, EXPORTS

WINNER_WORDS = ("Best trade-off", "is better", "beats")


def comparison(data: DataConfig, window: WindowConfig, runs_dir: Path,
               seeds=(0, 1, 2)) -> list:
    store, meter = RunStore(runs_dir), EnergyMeter("ITA")
    ids = []
    for seed in seeds:
        for strategy in ("full", "gradnorm", "rs2"):
            params = {} if strategy == "full" else {"keep_ratio": 0.5}
            ids.append(run_experiment(RunConfig(
                data=data, window=window, model=ModelConfig(hidden=4),
                train=TrainConfig(strategy=strategy, strategy_params=params, epochs=3,
                                  seed=seed)), store=store, meter=meter))
    return [store.load(i) for i in ids]


def test_a_daily_export_with_few_test_windows_names_no_winner(tmp_path: Path) -> None:
    export = EXPORTS["enodeb_daily_transposed"]
    path = export.paths(tmp_path)[0]
    runs = comparison(DataConfig(path=str(path), series=ENB_SERIES, year=2019),
                      WindowConfig(lookback=14), tmp_path / "runs")
    assert max(r.summary["n_test"] for r in runs) < vd.MIN_TEST_WINDOWS
    v = vd.conclude(runs)
    assert v.seeds == 3 and v.best is None
    assert "test windows per series" in v.headline
    mae_claims = [c for c in v.claims if c.metric == "test_mae"]
    assert mae_claims and all(c.winner is None for c in mae_claims)
    assert all(any(cv.code == "few_test_windows" for cv in c.caveats) for c in mae_claims)
    assert not any(w in "\n".join([v.headline, *v.sentences]) for w in WINNER_WORDS)


def test_partial_last_day_is_detected_only_when_cut_short() -> None:
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    level = np.where(days.day_of_week >= 5, 60.0, 100.0)
    assert not partial_last(pd.Series(level, index=days), pd.Timedelta(days=1))
    cut = level.copy()
    cut[-1] *= 0.3
    assert partial_last(pd.Series(cut, index=days), pd.Timedelta(days=1))
    hours = pd.date_range("2024-01-01", periods=24 * 10, freq="h")
    hourly = 50 + 40 * np.sin(np.arange(len(hours)) * 2 * np.pi / 24)
    assert not partial_last(pd.Series(hourly, index=hours), pd.Timedelta(hours=1))


@pytest.mark.slow
def test_a_partial_last_period_is_a_caveat_on_accuracy(tmp_path: Path) -> None:
    hours = pd.date_range("2024-03-04", periods=24 * 28, freq="h")
    rng = np.random.default_rng(3)
    values = 100 + 50 * np.sin(np.arange(len(hours)) * 2 * np.pi / 24) + rng.normal(0, 3,
                                                                                   len(hours))
    values[-1] = 5.0  # the export was cut during the last hour
    path = tmp_path / "cell.csv"
    pd.DataFrame({"time": hours.strftime("%Y-%m-%d %H:%M:%S"), "traffic": values}).to_csv(
        path, index=False)
    runs = comparison(DataConfig(path=str(path)), WindowConfig(lookback=24, stride=4),
                      tmp_path / "runs", seeds=(0,))
    assert all(r.summary["partial_last_period"] for r in runs)
    v = vd.conclude(runs)
    g = next(r for r in v.results if r.strategy == "gradnorm")
    assert any(cv.code == "partial_period" for cv in g.vs_full["test_mae"].caveats)
    assert "partial last period" in vd.savings_sentence(g)

"""The Forecasts page's scale-free figures for runs over several series: MASE per series and
pooled (the mean over series), in the per-series table and the leaderboard, and the series
where each run beats the best classical model."""

from __future__ import annotations

import math

import pytest

from importance.aggregates.forecasts import (
    beats_classical_table,
    leaderboard_table,
    mase_of,
    per_series_table,
)
from importance.config import DataConfig, RunConfig
from importance.metrics import pooled_mase
from importance.runs.identity import RunInfo


def panel(run_id: str, mae: dict[str, float], mase: dict[str, float | None]) -> RunInfo:
    rows = [{"series": s, "n_test": 4, "test_mae": mae[s], "test_rmse": mae[s],
             "test_smape": 1.0, "test_mase": mase[s]} for s in mae]
    summary = {"strategy": "full", "wall_s": 3.0, "test_rmse": 1.0, "test_smape": 1.0,
               "test_mae": sum(mae.values()) / len(mae), "per_series": rows,
               **pooled_mase(mase)}
    return RunInfo(run_id, summary, RunConfig(data=DataConfig(series=tuple(mae))))


MAE = {"busy": 900.0, "quiet": 2.0, "dead": 0.4}
RUN = panel("a", MAE, {"busy": 1.2, "quiet": 0.6, "dead": None})


class Fitted:
    def __init__(self, label: str, mae: float, mase: float | None = None):
        self.label, self.fit_s, self.predict_s = label, 1.0, 0.5
        self.metrics = {"mae": mae, "rmse": mae, "smape": 1.0,
                        **({} if mase is None else {"mase": mase})}


def test_the_per_series_table_shows_mase_per_series_and_its_mean():
    table = per_series_table([RUN], {"a": "Full"}, "test_mase").set_index("series")
    assert table["Full"]["busy"] == 1.2 and table["Full"]["quiet"] == 0.6
    assert math.isnan(table["Full"]["dead"])  # no MASE: constant before the test period
    assert table["Full"]["all (mean over series)"] == pytest.approx(0.9)
    mae = per_series_table([RUN], {"a": "Full"}).set_index("series")
    assert mae["Full"]["all (pooled)"] == pytest.approx(sum(MAE.values()) / 3)


def test_the_leaderboard_shows_mase_of_the_drawn_series_or_pooled():
    assert mase_of(RUN.summary, "quiet") == 0.6
    assert mase_of(RUN.summary, None) == pytest.approx(0.9)
    assert math.isnan(mase_of(RUN.summary, "dead"))
    drawn = leaderboard_table([RUN], {"a": "Full"}, [Fitted("AutoETS", 2.5, 0.8)], None,
                              "quiet", drawn={"a"}).set_index("model")
    assert drawn.loc["Full", "MASE"] == 0.6 and drawn.loc["AutoETS", "MASE"] == 0.8
    pooled = leaderboard_table([RUN], {"a": "Full"}, [], None).set_index("model")
    assert pooled.loc["Full", "MASE"] == pytest.approx(0.9)
    old = RunInfo("o", {**RUN.summary, "test_mase": None, "per_series": []}, RUN.config)
    assert "MASE" not in leaderboard_table([old], {"o": "Old"}, [Fitted("HW", 3.0)], None)


def test_the_series_where_each_run_beats_the_best_classical_model():
    def fit(busy: float, quiet: float) -> dict:
        per = {"busy": busy, "quiet": quiet, "dead": None}
        return {"test_mae": 1.0, **pooled_mase(per),
                "per_series": [{"series": s, "test_mase": m} for s, m in per.items()]}

    other = panel("b", MAE, {"busy": 0.7, "quiet": 0.7, "dead": None})
    table = beats_classical_table([RUN, other], {"a": "Full", "b": "RS2"},
                                  {"AutoETS": fit(1.0, 0.9), "naive": fit(1.5, 1.4)})
    a, b = table.set_index("model").loc["Full"], table.set_index("model").loc["RS2"]
    assert a["best classical"] == "AutoETS" and a["its MASE"] == pytest.approx(0.95)
    assert (a["series better"], a["series compared"], a["share better %"]) == (1, 2, 50.0)
    assert (b["series better"], b["series compared"]) == (2, 2)
    assert beats_classical_table([RUN], {}, {"HW": {"test_mae": 3.0}}).empty

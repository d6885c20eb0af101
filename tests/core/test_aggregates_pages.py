"""Issue 21, point 5: what the pages used to compute themselves, now library functions of
importance.aggregates: the Importance page's window levels and panels, the Forecasts
leaderboard, the Energy page's target, units and tiles, the Data page's holidays and captions,
and the Train and Overview pages' job lists."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from importance.aggregates.data import (
    autocorrelation_caption,
    holiday_caption,
    holiday_marks,
    last_days,
    span_days,
)
from importance.aggregates.energy import (
    accuracy_target,
    energy_methods,
    runs_energy_unit,
    saving_delta,
    seeds_note,
    wall_help,
)
from importance.aggregates.extremes import extreme_panels, window_levels
from importance.aggregates.forecasts import (
    leaderboard_table,
    other_setup_text,
    ranked,
    same_test_period,
    seed_baseline_ids,
)
from importance.aggregates.importance import no_scores_text, unweighted_text
from importance.aggregates.train import (
    curve_lines,
    earlier_finished,
    job_figures,
    newest_batch,
    other_active,
)
from importance.config import DataConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs.identity import RunInfo
from importance.runs.jobs import Job

HOUR = pd.Timedelta(hours=1)


def _run(run_id: str, strategy: str, seed: int = 0, mae: float = 10.0, *,
         data: DataConfig | None = None, lookback: int = 24, **summary) -> RunInfo:
    cfg = RunConfig(data=data or DataConfig(), window=WindowConfig(lookback=lookback),
                    train=TrainConfig(strategy=strategy, seed=seed))
    return RunInfo(run_id, {"run_id": run_id, "strategy": strategy, "test_mae": mae,
                            "test_rmse": mae * 1.5, "test_smape": 20.0, "wall_s": 30.0,
                            **summary}, cfg)


# --- Importance --------------------------------------------------------------------------------

def test_window_levels_come_from_the_run_else_from_its_one_series_on_its_clock():
    times = pd.date_range("2024-01-01", periods=3, freq="h")
    series = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.date_range("2024-01-01", periods=4,
                                                                  freq="h"))
    stored = np.array([9.0, 9.0, 9.0])
    assert window_levels(stored, series, times, one_series=True, same_clock=True) is stored
    assert window_levels(None, series, times, one_series=True,
                         same_clock=True).tolist() == [1.0, 2.0, 3.0]
    assert window_levels(None, series, times, one_series=False, same_clock=True) is None
    assert window_levels(None, series, times, one_series=True, same_clock=False) is None
    assert window_levels(None, None, times, one_series=True, same_clock=True) is None


def test_extreme_panels_cut_each_window_from_its_own_series_and_title_it():
    index = pd.date_range("2024-01-01", periods=10, freq="h")
    a, b = pd.Series(np.arange(10.0), index=index), pd.Series(np.arange(10.0) + 100, index=index)
    times = index[[5, 6]]
    score = np.array([0.5, 0.25])
    (one,) = extreme_panels([0], times, score, [a], None, [None], lookback=3, horizon=2)
    assert one[0] == "Mon 01 Jan 05:00 · score 0.5"
    assert one[1].tolist() == [2.0, 3.0, 4.0] and one[2].tolist() == [5.0, 6.0]
    panels = extreme_panels([1, 0], times, score, [a, b], np.array([0, 1]), ["A", "B"], 2, 1)
    assert [p[0] for p in panels] == ["B · Mon 01 Jan 06:00 · score 0.25",
                                      "A · Mon 01 Jan 05:00 · score 0.5"]
    assert panels[0][1].tolist() == [104.0, 105.0]  # the second window is series B's


def test_runs_without_scores_and_with_weight_one_are_said():
    assert no_scores_text("Full", np.ones((2, 4), dtype=bool)) == \
        "**Full** trains on every window every epoch: it computes no importance scores."
    half = np.array([[True, False, True, False], [False, True, False, True]])
    assert "trains on 50% of the windows per epoch, chosen without scores" in \
        no_scores_text("RS2", half)
    assert unweighted_text([]) == ""
    assert unweighted_text(["Full"]) == "Full trains every selected window with weight 1."
    assert unweighted_text(["Full", "RS2"]) == \
        "Full, RS2 train every selected window with weight 1."


# --- Forecasts ---------------------------------------------------------------------------------

class Fitted:
    def __init__(self, label: str, mae: float):
        self.label, self.metrics = label, {"mae": mae, "rmse": mae * 2, "smape": 30.0}
        self.fit_s, self.predict_s = 1.0, 0.5


def test_the_leaderboard_ranks_runs_and_classical_models_against_full_and_the_best_classical():
    runs = [_run("f0", "full", 0, 10.0), _run("g0", "gradnorm", 0, 11.0),
            _run("f1", "full", 1, 20.0), _run("g1", "gradnorm", 1, 19.0)]
    names = {r.run_id: r.run_id.upper() for r in runs}
    table = leaderboard_table(runs, names, [Fitted("naive", 25.0), Fitted("HW", 12.5)],
                              baseline=runs[0])
    assert table["model"].tolist() == ["F0", "G0", "HW", "G1", "F1", "naive"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    vs_full = dict(zip(table["model"], table["MAE vs full %"], strict=True))
    assert vs_full["G0"] == pytest.approx(10.0)  # against full data of seed 0
    assert vs_full["G1"] == pytest.approx(-5.0)  # against full data of seed 1
    assert vs_full["HW"] == pytest.approx(100 * (12.5 / 15.0 - 1))  # the mean over seeds
    vs_best = dict(zip(table["model"], table["MAE vs best classical %"], strict=True))
    assert vs_best["F0"] == pytest.approx(-20.0) and vs_best["HW"] == 0.0
    assert table.loc[table["model"] == "HW", "time s"].item() == 1.5


def test_the_leaderboard_without_baseline_or_classical_models_has_no_comparisons():
    runs = [_run("g0", "gradnorm", mae=11.0)]
    table = leaderboard_table(runs, {"g0": "G"}, [], baseline=None)
    assert "MAE vs full %" not in table and "MAE vs best classical %" not in table


def test_the_leaderboard_reads_the_drawn_series_of_runs_on_several():
    parts = [{"series": "a", "test_mae": 1.0, "test_rmse": 2.0, "test_smape": 3.0},
             {"series": "b", "test_mae": 5.0, "test_rmse": 6.0, "test_smape": 7.0}]
    run = _run("p", "full", mae=3.0, per_series=parts)
    assert leaderboard_table([run], {"p": "P"}, [], None, "b", drawn={"p"})["MAE"].item() == 5.0
    assert leaderboard_table([run], {"p": "P"}, [], None, "b")["MAE"].item() == 3.0  # not drawn


def test_ranked_puts_models_without_an_mae_last_unranked():
    table = ranked(pd.DataFrame({"model": ["a", "b", "c"], "MAE": [2.0, np.nan, 1.0]}))
    assert table["model"].tolist() == ["c", "a", "b"]
    assert table["rank"].tolist()[:2] == [1, 2] and table["rank"].isna().tolist()[2]


def test_the_runs_sharing_a_test_period_and_the_warning_for_the_others():
    runs = [_run("a", "full", lookback=48), _run("b", "full"), _run("c", "gradnorm")]
    assert [r.run_id for r in same_test_period(runs)] == ["b", "c"]
    assert other_setup_text(3, 2, "C") == ("1 of the chosen runs use other data or windows than "
                                           "C; the charts show the 2 that share its test "
                                           "period, the table shows all.")
    assert other_setup_text(2, 2, "C") == ""


def test_seed_baseline_ids_pair_each_run_with_full_data_of_its_seed():
    runs = [_run("f0", "full", 0), _run("g0", "gradnorm", 0), _run("g1", "gradnorm", 1),
            _run("f1", "full", 1)]
    assert seed_baseline_ids(runs, runs[0]) == {"f0": "f0", "g0": "f0", "g1": "f1", "f1": "f1"}
    assert seed_baseline_ids(runs, None) == {}


# --- Energy ------------------------------------------------------------------------------------

def test_energy_unit_and_methods_of_the_runs_shown():
    runs = [_run("a", "full", energy_kwh=0.002, energy_method="RAPL"),
            _run("b", "full", energy_kwh=float("nan")), _run("c", "full", energy_kwh=None)]
    assert runs_energy_unit(runs) == (1000.0, "Wh")
    assert runs_energy_unit([_run("d", "full", energy_kwh=3.0)]) == (1.0, "kWh")
    assert energy_methods(runs) == ["RAPL", "not recorded"]


def test_a_saving_reads_as_the_tiles_change():
    assert saving_delta(12.5, False) == "-12.5% vs baseline"
    assert saving_delta(-3.0, False) == "+3.0% vs baseline"
    assert saving_delta(12.5, True) is None and saving_delta(None, False) is None
    assert saving_delta(float("nan"), False) is None
    assert wall_help({"wall_s": 40.0, "scoring_s": 2.0}).endswith(
        "Includes 2 s of scoring (5.0%).")
    assert wall_help({"wall_s": 0.0, "scoring_s": 0.0}).endswith(
        "Includes 0 s of scoring (0.0%).")


def test_the_cost_curves_target_is_the_baselines_best_within_its_tolerance():
    base = _run("f", "full", epochs=[{"val_mae": 4.0}, {"val_mae": 2.0}, {"val_mae": 3.0}])
    best, target = accuracy_target(base)
    assert best == 2.0 and target == pytest.approx(2.0 * (1 + base.config.train.tol))
    assert accuracy_target(_run("g", "full")) == (None, None)


def test_the_seed_pairing_is_said_only_for_several_seeds():
    assert seeds_note([_run("a", "full", 0), _run("b", "gradnorm", 0)]) == ""
    assert "baseline of its own seed" in seeds_note([_run("a", "full", 0), _run("b", "full", 1)])


# --- Data --------------------------------------------------------------------------------------

def test_span_and_last_days():
    index = pd.date_range("2024-01-01", periods=24 * 10, freq="h")
    values = pd.Series(np.arange(len(index), dtype=float), index=index)
    assert span_days(index) == pytest.approx(239 / 24)
    week = last_days(values, 7)
    assert len(week) == 24 * 7 and week.index[-1] == index[-1]


def test_holidays_are_marked_for_a_country_with_a_table_and_said():
    index = pd.date_range("2024-12-20", "2025-01-10", freq="D")
    marked, words = holiday_marks(index, "ITA")
    assert (dt.date(2024, 12, 25), "Christmas Day") in marked and words == \
        "public holidays (Italy)"
    assert holiday_marks(index, "XXX") == ((), "")
    origin = "the embedded data is from Milan"
    assert holiday_caption("", "XXX", HOUR, True, origin) == \
        "No public-holiday table for country 'XXX': no holidays marked."
    assert holiday_caption(words, "ITA", HOUR, True, origin).startswith(
        "Shaded: public holidays (Italy), the embedded data is from Milan; an input feature "
        "of the runs")
    assert holiday_caption(words, "ITA", HOUR, False, origin).endswith(
        "not an input of the runs (switched off on the Train page).")
    assert holiday_caption(words, "ITA", pd.Timedelta(weeks=1), True, origin).endswith(
        "not an input of the runs at weekly steps.")
    # no country named (an upload on wall-clock time): none, why, and where to choose one
    why = "the series has no time zone that names its country; choose one for a holiday feature"
    assert holiday_caption("", "", HOUR, True, why) == (
        f"No public holidays marked or used as input: {why} (Train page, More settings, "
        "Holidays country).")


def test_the_autocorrelation_caption_names_the_season_to_cover():
    assert "up to 288 lags (2 days)" in autocorrelation_caption(288, pd.Timedelta(minutes=10))
    assert "A peak one day back" in autocorrelation_caption(288, pd.Timedelta(minutes=10))
    assert "A peak one week back" in autocorrelation_caption(21, pd.Timedelta(days=1))


# --- Train and Overview ------------------------------------------------------------------------

def _job(batch: str, k: int, strategy: str, status: str, seed: int = 0, history=()) -> Job:
    cfg = RunConfig(train=TrainConfig(strategy=strategy, seed=seed))
    return Job(f"{batch}-{k}", batch, strategy, cfg, status=status, history=list(history),
               started=100.0 if status != "queued" else None,
               finished=112.5 if status not in ("queued", "running") else None)


def test_the_newest_batch_and_the_jobs_around_it():
    jobs = [_job("b2", 2, "rs2", "queued"), _job("b2", 1, "full", "running"),  # newest first
            _job("b1", 2, "rs2", "running"), _job("b1", 1, "full", "done")]
    assert [j.id for j in newest_batch(jobs)] == ["b2-1", "b2-2"]  # launch order
    assert [j.id for j in other_active(jobs)] == ["b1-2"]
    assert [j.id for j in earlier_finished(jobs)] == ["b1-1"]
    assert newest_batch([]) == []


def test_a_jobs_latest_epoch_in_one_line():
    assert job_figures(_job("b1", 1, "full", "done")) == "job time 12.5 s"
    epoch = {"train_loss": 0.12345, "val_mae": 1234.5, "energy_kwh": 0.0005, "wall_s": 1.6}
    done = _job("b1", 1, "full", "done", history=[epoch, {**epoch, "energy_kwh": 0.00002}])
    assert job_figures(done) == ("train loss 0.1235 · validation MAE 1,234.50 · training wall "
                                 "time 3.2 s (job time 12.5 s with start and test) · "
                                 "0.52 Wh (estimated)")
    running = _job("b1", 1, "full", "running", history=[{**epoch, "energy_kwh": None}])
    running.phase = "scoring"
    assert job_figures(running).startswith("scoring windows · train loss 0.1235")
    assert "training wall time 1.6 s so far" in job_figures(running)
    assert job_figures(running).endswith("energy not measured")


def test_the_live_curves_name_the_seed_when_a_batch_has_several():
    one = [_job("b1", 1, "full", "running", history=[{"val_mae": 2.0}, {"val_mae": 1.5}]),
           _job("b1", 2, "rs2", "queued")]
    assert curve_lines(one) == [("Full data (baseline)", "full", (2.0, 1.5))]
    seeds = [_job("b1", 1, "full", "done", 0, [{"val_mae": 2.0}]),
             _job("b1", 2, "full", "running", 1, [{"val_mae": 3.0}])]
    assert [name for name, *_ in curve_lines(seeds)] == ["Full data (baseline) · seed 0",
                                                         "Full data (baseline) · seed 1"]
    assert math.isclose(curve_lines(seeds)[1][2][0], 3.0)

"""The pure functions that shape data for the dashboard: run identity, provenance, run cards,
the launch form and the pages' aggregates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from importance import calendar, timeaxis
from importance.aggregates.data import (
    detected_table,
    downsample,
    gap_runs,
    note_lines,
    series_option,
    stats_table,
)
from importance.aggregates.energy import (
    comparison_display,
    energy_unit,
    epoch_curves,
    phase_split,
    to_target_text,
)
from importance.aggregates.extremes import extreme_windows, window_slice
from importance.aggregates.forecasts import (
    at_step,
    classical_frame,
    of_series,
    on_clock,
    per_series_table,
    run_series,
    series_metrics,
)
from importance.aggregates.importance import (
    correlation_words,
    epochs_by_score,
    has_scores,
    latest_scores,
    score_based_epochs,
    score_histograms,
    selection_by_part,
    selection_calendar,
    selection_to_show,
    spearman,
)
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.data.types import QualityNote
from importance.launch import DEFAULT_SEEDS, LaunchForm
from importance.provenance import clock_label, run_tz
from importance.runcard import job_rows, run_names, runs_table, score_name
from importance.runs.identity import (
    RunInfo,
    latest_batch,
    pick_baseline,
    seed_baselines,
    seed_paired_reach,
    seed_paired_table,
)
from importance.strategies import STRATEGIES


def test_downsample_keeps_extremes_and_bounds_points(series):
    long = pd.concat([series] * 3, ignore_index=True)
    long.iloc[1234] = 1e6
    long.iloc[4000] = -5
    out = downsample(long, max_points=1000)
    assert len(out) <= 1000
    assert out.max() == 1e6 and out.min() == -5
    assert out.index.is_monotonic_increasing
    assert downsample(series, max_points=len(series)) is series


def test_gap_runs_groups_consecutive_filled_steps():
    step = pd.Timedelta(minutes=10)
    t0 = pd.Timestamp("2013-11-01", tz="Europe/Rome")
    filled = pd.DatetimeIndex([t0, t0 + step, t0 + 2 * step, t0 + 10 * step])
    runs = gap_runs(filled, step)
    assert runs["points"].tolist() == [3, 1]
    assert runs["start"].iloc[0] == t0 and runs["end"].iloc[0] == t0 + 2 * step
    assert gap_runs(pd.DatetimeIndex([], tz="UTC"), step).empty


def test_stats_table_formats_explore_summary():
    stats = {"count": 10, "missing": 0, "start": pd.Timestamp("2013-11-01"),
             "end": pd.Timestamp("2013-11-02"), "freq": "10min", "days": 1.0, "mean": 2.0,
             "std": 1.0, "min": 0.0, "median": 2.0, "max": 4.0, "zeros_share": 0.1,
             "peak_to_trough": 3.0, "weekend_to_weekday": 0.9}
    table = stats_table(stats, n_filled=2)
    values = dict(zip(table["statistic"], table["value"], strict=True))
    assert values["points"] == "10" and values["zeros"] == "10.0%"
    assert values["filled gaps"] == "2 points (20.00%)"


def test_stats_table_leaves_out_ratios_the_step_cannot_show():
    stats = {"count": 10, "missing": 0, "start": pd.Timestamp("2013-11-01"),
             "end": pd.Timestamp("2013-11-10"), "freq": "D", "days": 9.0, "mean": 2.0,
             "std": 1.0, "min": 0.0, "median": 2.0, "max": 4.0, "zeros_share": 0.1,
             "peak_to_trough": np.nan, "weekend_to_weekday": 0.9}
    table = stats_table(stats, n_filled=0)
    assert "peak / trough (hourly means)" not in set(table["statistic"])
    assert not table["value"].str.contains("nan").any()


def test_series_option_and_source_tables():
    assert series_option("5060", "Duomo", None) == "5060 (Duomo)"
    assert series_option("BS 12", None, 168) == "BS 12 · 168 rows"
    table = detected_table([("layout", "long format")], pd.Timedelta(hours=1), 167)
    assert table.to_dict("records")[-1] == {"what": "step", "found": "1 h (167 points)"}
    note = QualityNote("negative values", 3, "kept", "line 5: -1")
    assert note_lines([note]) == ["**negative values: 3**, kept (first: line 5: -1)"]


def test_score_histograms_split_kept_and_dropped_with_shared_log_bins():
    rng = np.random.default_rng(0)
    scores = rng.lognormal(0, 1, size=(3, 500)).astype(np.float32)
    scores[0, :10] = np.nan  # never scored
    selected = scores > np.nanmedian(scores)
    h = score_histograms(scores, selected, bins=20)
    assert h.log and h.kept.shape == (3, 20) and h.dropped.shape == (3, 20)
    assert h.kept[1].sum() == selected[1].sum()
    assert h.kept[0].sum() + h.dropped[0].sum() == 490
    assert np.all(np.diff(h.edges) > 0) and len(h.centers) == 20


def test_score_histograms_need_scores():
    assert not has_scores(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="no finite scores"):
        score_histograms(np.full((2, 3), np.nan), np.ones((2, 3), bool))


def test_selection_calendar_and_hours_use_local_time():
    times = pd.date_range("2013-11-04 00:00", periods=48, freq="h", tz="Europe/Rome")
    ns = times.tz_convert("UTC").as_unit("ns").asi8
    selected = np.zeros((2, 48), dtype=bool)
    selected[:, times.hour == 8] = True  # always keep 08:00 local
    selected[0, times.hour == 9] = True  # 09:00 in one of two epochs
    cal = selection_calendar(ns, selected, "Europe/Rome")
    assert list(cal.index) == ["2013-11-04", "2013-11-05"]
    assert cal.loc["2013-11-04", "08:00"] == 1.0 and cal.loc["2013-11-05", "09:00"] == 0.5
    by_hour = selection_by_part(ns, selected, "Europe/Rome", calendar.HOUR)
    assert by_hour[8] == 1.0 and by_hour[9] == 0.5 and by_hour[3] == 0.0
    text = calendar.extremes_text("imp", by_hour, calendar.HOUR)
    assert "imp kept 08:00-09:00 most (100%)" in text


def test_selection_calendar_and_hours_on_a_naive_clock():
    """Naive wall-clock times: no zone, no DST; 02:00 on 25 March exists as in the data."""
    times = pd.date_range("2018-03-25 00:00", periods=24, freq="h")
    ns = timeaxis.to_ns(times)
    selected = np.zeros((1, 24), dtype=bool)
    selected[:, times.hour == 2] = True
    cal = selection_calendar(ns, selected, None)
    assert list(cal.index) == ["2018-03-25"] and cal.loc["2018-03-25", "02:00"] == 1.0
    assert list(cal.columns) == [f"{h:02d}:00" for h in range(24)]
    by_hour = selection_by_part(ns, selected, None, calendar.HOUR)
    assert by_hour[2] == 1.0 and by_hour.drop(2).eq(0.0).all()


def test_time_axis_round_trips_naive_and_aware_times():
    naive = pd.date_range("2018-03-24 22:00", periods=8, freq="h")  # 25 March: DST in Rome
    aware = pd.date_range("2018-03-24 22:00", periods=8, freq="h", tz="Europe/Rome")
    assert timeaxis.tz_name(naive) is None and timeaxis.tz_name(aware) == "Europe/Rome"
    assert timeaxis.to_ns(naive)[0] == pd.Timestamp("2018-03-24 22:00").value  # wall clock
    assert timeaxis.to_ns(aware)[0] == pd.Timestamp("2018-03-24 21:00", tz="UTC").value
    assert timeaxis.to_ns(naive).dtype == np.int64
    assert timeaxis.from_ns(timeaxis.to_ns(naive), None).equals(naive)
    back = timeaxis.from_ns(timeaxis.to_ns(aware), "Europe/Rome")
    assert back.equals(aware) and str(back.tz) == "Europe/Rome"
    assert str(timeaxis.from_ns(timeaxis.to_ns(aware), "UTC").tz) == "UTC"
    assert timeaxis.stored(naive).equals(naive) and timeaxis.stored(naive).tz is None
    assert str(timeaxis.stored(aware).tz) == "UTC"
    utc = pd.Series(timeaxis.stored(aware))  # as read back from a run's predictions
    assert timeaxis.wall_clock(utc, "Europe/Rome").equals(aware.tz_localize(None))
    assert timeaxis.wall_clock(utc, None).equals(aware.tz_convert("UTC").tz_localize(None))
    assert timeaxis.wall_clock(pd.Series(naive), None).equals(naive)


def _clocked(summary: dict) -> RunInfo:
    return RunInfo("r", {"strategy": "full", **summary}, RunConfig())


def test_run_tz_reads_the_summary_and_falls_back_for_old_runs():
    def never() -> str | None:
        raise AssertionError("a run that records its clock needs no loading")

    assert run_tz(_clocked({"series_tz": None}), never) is None
    assert run_tz(_clocked({"series_tz": "Europe/Rome"}), never) == "Europe/Rome"
    # stored before `series_tz`: aware series, times in UTC
    assert run_tz(_clocked({}), lambda: "Europe/Rome") == "Europe/Rome"
    assert run_tz(_clocked({}), lambda: None) == "UTC"
    assert run_tz(_clocked({})) == "UTC"


def test_clock_label_never_says_utc_for_naive_data():
    assert clock_label("Europe/Rome") == "local time, Europe/Rome"
    assert clock_label("UTC") == "time (UTC)"
    assert "UTC" not in clock_label(None) and "no zone" in clock_label(None)
    assert clock_label("Europe/Rome", "Europe/Rome") == "local time, Europe/Rome"
    assert clock_label("Europe/Rome", None) == "each run's own clock"


def test_on_clock_shows_forecasts_on_the_runs_clock():
    local = pd.date_range("2018-10-28 01:00", periods=4, freq="h", tz="Europe/Rome")
    utc = local.tz_convert("UTC")  # summer time ends: 02:00 comes twice
    pred = pd.DataFrame({"origin": utc, "step": 1, "time": utc, "actual": 1.0,
                         "forecast": np.arange(4.0)})
    shown = on_clock(at_step(pred, 1), "Europe/Rome")
    assert [t.hour for t in shown["time"]] == [1, 2, 2, 3]
    assert shown["forecast"].tolist() == [0.0, 1.0, 2.0, 3.0]  # ordered on the stored times
    assert pred["time"].dt.tz is not None  # the cached frame is not modified
    naive = at_step(pred.assign(time=local.tz_localize(None)), 1)
    assert on_clock(naive, None).equals(naive)


def test_latest_scores_and_extremes():
    scores = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, np.nan, np.nan]])
    latest = latest_scores(scores)
    np.testing.assert_array_equal(latest[:3], [2.0, 5.0, 3.0])
    assert np.isnan(latest[3])
    top, bottom = extreme_windows(latest, 1)
    assert top.tolist() == [1] and bottom.tolist() == [0]


def test_window_slice(series):
    t = series.index[200]
    inp, target = window_slice(series, t, 144, 3)
    assert len(inp) == 144 and inp.index[-1] < t and target.index[0] == t and len(target) == 3
    with pytest.raises(KeyError):
        window_slice(series, pd.Timestamp("2000-01-01", tz="Europe/Rome"), 4, 1)


def test_spearman_and_words():
    a = np.arange(10.0)
    assert spearman(a, a**2) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert np.isnan(spearman([1.0, np.nan], [1.0, 2.0]))
    assert correlation_words(0.8) == "strong positive relation"
    assert correlation_words(0.05) == "little or no relation"


def _run(run_id: str, strategy: str, *, epochs: int = 2, params: dict | None = None,
         created: str = "2026-01-01T10:00:00+00:00", energy: float = 1e-3) -> RunInfo:
    cfg = RunConfig(train=TrainConfig(strategy=strategy, epochs=epochs,
                                      strategy_params=params or {}))
    ep = [{"epoch": e, "val_mae": 10.0 - e, "energy_kwh": energy / epochs, "wall_s": 1.0,
           "samples_backprop": 100, "scoring_s": 0.1, "training_s": 0.8, "eval_s": 0.1,
           "scoring_kwh": 0.0, "training_kwh": energy / epochs, "eval_kwh": 0.0}
          for e in range(epochs)]
    summary = {"run_id": run_id, "strategy": strategy, "label": STRATEGIES[strategy].label,
               "created": created, "epochs": ep, "energy_kwh": energy}
    return RunInfo(run_id, summary, cfg)


def test_latest_batch_walks_back_over_one_setup():
    old = [_run("a", "full"), _run("b", "gradnorm")]
    other_setup = [_run("c", "full", epochs=3)]
    batch = [_run("d", "full"), _run("e", "gradnorm", params={"keep_ratio": 0.7}),
             _run("f", "random", params={"keep_ratio": 0.7})]
    assert latest_batch(old + other_setup + batch) == ["d", "e", "f"]
    assert latest_batch(batch + [_run("g", "full")]) == ["e", "f", "g"]
    # another setup ends the batch even when its strategy is new (epochs are not a cost key)
    assert latest_batch([_run("h", "full", epochs=3), _run("i", "gradnorm")]) == ["i"]
    assert latest_batch([]) == []
    # a sweep's runs after a comparison: the comparison is still the latest one
    swept = [_run("s1", "full", epochs=3), _run("s2", "gradnorm", epochs=3)]
    for r in swept:
        r.summary["sweep_id"] = "sweep-1"
    assert latest_batch(batch + swept) == ["d", "e", "f"]
    assert latest_batch(swept) == []


def test_run_names_are_unique():
    runs = [_run("a", "gradnorm", params={"keep_ratio": 0.5}),
            _run("b", "gradnorm", params={"keep_ratio": 0.8}),
            _run("c", "full", created="2026-01-01T10:00:00+00:00"),
            _run("d", "full", created="2026-01-01T11:00:00+00:00")]
    names = run_names(runs)
    assert len(set(names.values())) == 4
    assert names["a"].endswith("keep ratio 0.5") and names["d"].endswith("11:00:00")
    assert pick_baseline(runs).run_id == "d"


def test_launch_form_defaults_are_the_library_defaults():
    form = LaunchForm.defaults()
    assert form.epochs == TrainConfig().epochs and form.lookback == WindowConfig().lookback
    assert form.model == ModelConfig().kind and form.keep_ratio == 0.7
    assert form.scoring == "last_layer"
    assert form.strategies == ("full", "gradnorm", "rs2")
    assert LaunchForm.defaults({"epochs": 1, "strategies": ["full"]}).epochs == 1
    with pytest.raises(ValueError, match="unknown form fields"):
        LaunchForm.defaults({"epoch": 1})


def test_launch_form_configs_one_per_strategy_and_seed():
    form = LaunchForm.defaults({"epochs": 2, "stride": 4, "country": " fra ",
                                      "lr_schedule": "constant"})
    data = DataConfig(series="5060", column="internet")
    assert [(c.train.strategy, c.train.seed) for c in form.configs(data)] == [
        (s, seed) for seed in DEFAULT_SEEDS for s in ("full", "gradnorm", "rs2")]
    cfgs = LaunchForm.defaults({"epochs": 2, "stride": 4, "grid_country": " fra ",
                                "grid_source": "set by the sidebar", "lr_schedule": "constant",
                                "seeds": [0]}).configs(data)
    assert [c.train.strategy for c in cfgs] == ["full", "gradnorm", "rs2"]
    assert cfgs[0].train.strategy_params == {}
    assert cfgs[1].train.strategy_params == {"keep_ratio": 0.7, "scoring": "last_layer"}
    assert cfgs[2].train.strategy_params == {"keep_ratio": 0.7}
    assert all(c.data == data and c.window.stride == 4 and c.train.country == "FRA"
               and c.train.grid_source == "set by the sidebar"
               and c.train.lr_schedule == "constant" for c in cfgs)
    with pytest.raises(ValueError, match="choose strategies"):
        LaunchForm.defaults({"strategies": ["nope"]}).configs(data)
    with pytest.raises(ValueError, match="alpha-3"):
        LaunchForm.defaults({"country": "Italy"}).configs(data)
    with pytest.raises(ValueError, match="grid country.*alpha-3"):
        LaunchForm.defaults({"grid_country": "Italy"}).configs(data)


def test_launch_form_holidays_follow_the_country_or_are_off():
    data = DataConfig()
    assert LaunchForm.defaults().holidays is True
    assert {c.window.holidays for c in LaunchForm.defaults().configs(data)} == {"ITA"}
    fra = LaunchForm.defaults({"country": "fra"}).configs(data)
    assert {c.window.holidays for c in fra} == {"FRA"}
    assert {c.train.country for c in fra} == {LaunchForm.defaults().grid_country}  # the grid's
    off = LaunchForm.defaults({"country": "FRA", "holidays": False}).configs(data)
    assert {c.window.holidays for c in off} == {None}
    none = LaunchForm.defaults({"country": ""}).configs(data)  # no country named: none
    assert {c.window.holidays for c in none} == {None}


class _Job:
    id, strategy, status, epoch, epochs = "b1-1-full", "full", "running", 1, 2
    history = [{"train_loss": 0.5, "val_mae": 9.0, "energy_kwh": 2e-4, "wall_s": 2.5}]
    training_s = 2.5
    elapsed, energy_kwh, run_id, error, estimate_s = 3.21, 2e-4, None, "", 4.04
    config = RunConfig(train=TrainConfig(strategy="full", seed=1))


def test_job_rows():
    row = job_rows([_Job()]).iloc[0]
    assert row["job"].startswith("Full data") and ", seed 1" in row["job"]
    assert row["epoch"] == "1/2" and row["progress"] == 0.5
    assert row["energy Wh"] == pytest.approx(0.2) and row["job time s"] == 3.2
    assert row["training wall s"] == 2.5  # what the result pages show, beside the job time
    assert row["estimated s"] == 4.0  # the launch's estimate beside the time taken


def test_epoch_curves_phase_split_and_units():
    runs = [_run("a", "full"), _run("b", "gradnorm")]
    names = run_names(runs)
    curves = epoch_curves(runs, names)
    assert curves.groupby("run_id")["epoch"].max().tolist() == [2, 2]
    assert curves["cum_energy_kwh"].iloc[1] == pytest.approx(1e-3)
    split = phase_split(runs, names)
    assert set(split["phase"]) == {"scoring", "training", "eval"}
    assert split["seconds"].sum() == pytest.approx(4.0)
    assert energy_unit(0.5) == (1000.0, "Wh") and energy_unit(2.0) == (1.0, "kWh")


def test_target_sentences_state_facts_and_the_target_in_original_units():
    rows = [{"run_id": "a", "backprop_saved_pct": 0.0, "wall_saved_pct": 0.0,
             "energy_saved_pct": 0.0, "mae_change_pct": 0.0, "energy_to_target_kwh": 1e-3,
             "time_to_target_s": 10.0},
            {"run_id": "b", "backprop_saved_pct": 30.0, "wall_saved_pct": -5.0,
             "energy_saved_pct": 12.0, "mae_change_pct": 1.5, "energy_to_target_kwh": None,
             "time_to_target_s": None}]
    names = {"a": "Full", "b": "Grad"}
    text = to_target_text(rows, names, "a", 1000.0, "Wh", 0.02, 43.7312)
    assert text.startswith("Target: the baseline's best validation MAE, within 2% (a validation "
                           "MAE at most 43.73, in the data's original units).")
    assert "Full reached it after 1 Wh and 10 s" in text and "Grad did not reach it" in text
    assert "original units" not in to_target_text(rows, names, "a", 1000.0, "Wh", 0.02)


def test_forecast_frames():
    origin = pd.date_range("2013-12-20", periods=3, freq="10min", tz="UTC")
    template = pd.DataFrame({"origin": np.repeat(origin, 2), "step": [1, 2] * 3,
                             "time": origin.repeat(2), "actual": np.arange(6.0),
                             "forecast": np.zeros(6)})
    frame = classical_frame(template, np.arange(6.0).reshape(3, 2))
    assert frame["forecast"].tolist() == list(np.arange(6.0))
    assert len(at_step(frame, 2)) == 3
    with pytest.raises(ValueError, match="shape"):
        classical_frame(template, np.zeros((2, 2)))


def test_runs_table_newest_first():
    table = runs_table([_run("a", "full"), _run("b", "gradnorm",
                                                       params={"keep_ratio": 0.7})])
    assert table["run id"].tolist() == ["b", "a"] and table["params"][0] == "keep_ratio=0.7"


def test_comparison_display_names_units_and_savings():
    from importance.compare import compare_table

    runs = [_run("a", "full", energy=2e-3), _run("b", "gradnorm", energy=1e-3)]
    summaries = []
    for r in runs:
        summaries.append(r.summary | {"test_mae": 10.0, "test_rmse": 12.0, "test_smape": 5.0,
                                      "samples_backprop": 100, "samples_forward": 100,
                                      "wall_s": 2.0, "scoring_s": 0.0, "emissions_kg": 1e-4,
                                      "energy_method": "estimated"})
    table = compare_table(summaries)
    shown = comparison_display(table, run_names(runs), 1000.0, "Wh")
    assert shown["run"].tolist() == [r.label for r in runs]
    assert shown["energy Wh"].tolist() == [2.0, 1.0]
    assert shown["energy saved %"].tolist() == [0.0, 50.0]
    assert shown["gCO2e"].iloc[0] == 0.1 and "Wh to target" in shown


def test_score_name():
    assert score_name(_run("a", "gradnorm", params={"scoring": "exact"})) == \
        "gradient norm (exact)"
    assert score_name(_run("b", "full")) == "score"


def _panel_run(run_id: str, series: tuple[str, ...] | str, maes: dict[str, float],
               pooled: float) -> RunInfo:
    summary = {"strategy": "full", "test_mae": pooled, "test_rmse": 2 * pooled,
               "test_smape": 10.0}
    if isinstance(series, tuple):
        summary["per_series"] = [{"series": s, "n_test": 5, "test_mae": m,
                                  "test_rmse": 2 * m, "test_smape": 1.0}
                                 for s, m in maes.items()]
    return RunInfo(run_id, summary, RunConfig(data=DataConfig(series=series)))


def test_runs_on_several_series_give_each_series_metrics_and_a_pooled_row():
    a = _panel_run("a", ("12", "7"), {"12": 3.0, "7": 5.0}, 4.2)
    b = _panel_run("b", ("12", "7"), {"12": 2.0, "7": 6.0}, 4.1)
    single = _panel_run("c", "12", {}, 9.0)
    assert run_series(a) == ("12", "7") and run_series(single) == ()
    assert series_metrics(a.summary, "7") == {"test_mae": 5.0, "test_rmse": 10.0,
                                                    "test_smape": 1.0}
    assert series_metrics(a.summary, None)["test_mae"] == 4.2
    assert series_metrics(single.summary, "12")["test_mae"] == 9.0
    table = per_series_table([a, single, b], {"a": "Full", "b": "Full · 2", "c": "x"})
    assert list(table.columns) == ["series", "Full", "Full · 2"]
    assert table["series"].tolist() == ["12", "7", "all (pooled)"]
    assert table["Full"].tolist() == [3.0, 5.0, 4.2]
    assert per_series_table([single], {}).empty
    pred = pd.DataFrame({"series": ["12", "7", "12"], "forecast": [1.0, 2.0, 3.0]})
    assert of_series(pred, "12")["forecast"].tolist() == [1.0, 3.0]
    assert of_series(pred.drop(columns="series"), None).equals(pred.drop(columns="series"))


def test_the_launch_form_trains_one_model_on_its_series():
    form = LaunchForm.defaults({"series": ["4259", "5060"]})
    data = DataConfig(series="5060", column="internet")
    (cfg, *_) = form.configs(data)
    assert cfg.data == DataConfig(series=("4259", "5060"), column="internet")
    one = LaunchForm.defaults({"series": ["4259"]})
    assert one.data_config(data) == DataConfig(series="4259", column="internet")
    assert LaunchForm.defaults().data_config(data) == data


def test_score_based_epochs_are_the_declared_ones_else_inferred():
    scores = np.array([[np.nan, np.nan], [1.0, 2.0], [1.0, 3.0]])  # a warm-up saw scores
    selected = np.array([[True, False], [False, True], [True, False]])
    declared = {"epochs": [{"selected_by_score": v} for v in (False, False, True)]}
    by_score = epochs_by_score(declared)
    assert by_score.tolist() == [False, False, True]
    assert score_histograms(scores, selected, by_score=by_score).scored.tolist() == [
        False, False, True]
    assert selection_to_show(scores, selected, by_score).tolist() == [[True, False]]
    old = {"epochs": [{"val_mae": 1.0}] * 3}  # stored before the flag: inferred as before
    assert epochs_by_score(old) is None
    assert score_based_epochs(scores).tolist() == [False, True, True]


def test_savings_in_the_tables_pair_each_run_with_the_baseline_of_its_own_seed():
    from importance.config import RunConfig, TrainConfig

    def run(strategy: str, seed: int, wall: float) -> RunInfo:
        params = {} if strategy == "full" else {"keep_ratio": 0.5}
        cfg = RunConfig(train=TrainConfig(strategy=strategy, strategy_params=params, seed=seed))
        s = {"run_id": f"{strategy}-{seed}", "strategy": strategy, "test_mae": 10.0 + seed,
             "wall_s": wall, "energy_kwh": wall / 1e4, "samples_backprop": 1000 if
             strategy == "full" else 500, "samples_scoring_backprop": 0, "epochs": []}
        return RunInfo(s["run_id"], s, cfg)

    runs = [run("full", 0, 10.0), run("gradnorm", 0, 5.0), run("full", 1, 20.0),
            run("gradnorm", 1, 10.0)]
    base = pick_baseline(runs)
    assert base.run_id == "full-1"
    assert {k: r.run_id for k, r in seed_baselines(runs, base).items()} == {
        "full-0": "full-0", "gradnorm-0": "full-0", "full-1": "full-1", "gradnorm-1": "full-1"}
    table = seed_paired_table(runs, base)
    assert list(table["run_id"]) == [r.run_id for r in runs]
    assert list(table["wall_saved_pct"]) == [0.0, 50.0, 0.0, 50.0]  # never seed 0 vs seed 1
    assert list(table["mae_change_pct"]) == [0.0, 0.0, 0.0, 0.0]


def test_energy_to_accuracy_pairs_each_run_with_the_baseline_of_its_seed():
    from importance.config import RunConfig, TrainConfig

    def run(strategy: str, seed: int, vals: list[float]) -> RunInfo:
        cfg = RunConfig(train=TrainConfig(strategy=strategy, seed=seed))
        epochs = [{"epoch": k, "val_mae": v, "energy_kwh": 1e-4, "wall_s": 1.0,
                   "samples_backprop": 100, "samples_scoring_backprop": 0}
                  for k, v in enumerate(vals)]
        s = {"run_id": f"{strategy}-{seed}", "strategy": strategy, "test_mae": vals[-1],
             "wall_s": float(len(vals)), "energy_kwh": 1e-4 * len(vals), "epochs": epochs,
             "samples_backprop": 100 * len(vals), "samples_scoring_backprop": 0}
        return RunInfo(s["run_id"], s, cfg)

    runs = [run("full", 0, [20.0, 10.0]), run("rs2", 0, [20.0, 10.0]),
            run("full", 1, [40.0, 30.0]), run("rs2", 1, [40.0, 30.0])]
    table = seed_paired_reach(runs, pick_baseline(runs))
    assert list(table["run_id"]) == [r.run_id for r in runs]
    assert list(table["baseline"]) == [True, False, True, False]  # one baseline per seed
    assert list(table["mae_change_pct"]) == [0.0, 0.0, 0.0, 0.0]  # never seed 0 vs seed 1

"""The calendar groupings of a step (importance.calendar) and the Importance page's sentences
built on the run's own numbers (issue 24, points 1 and 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from importance import calendar, timeaxis
from importance.aggregates.extremes import extreme_windows, group_ratios
from importance.aggregates.importance import (
    score_error_text,
    scores_unused_text,
    selection_by_part,
    spearman,
)


@pytest.mark.parametrize(("step", "names", "grid"), [
    (pd.Timedelta(minutes=2), ["hour of day", "day of week"], ("day of week", "hour of day")),
    (pd.Timedelta(minutes=10), ["hour of day", "day of week"], ("day of week", "hour of day")),
    (pd.Timedelta(hours=1), ["hour of day", "day of week"], ("day of week", "hour of day")),
    (pd.Timedelta(days=1), ["day of week", "day of month"], ("day of week", "week of year")),
    (pd.Timedelta(days=7), ["week of year"], None),
])
def test_each_step_gets_its_own_groupings(step, names, grid):
    assert [p.name for p in calendar.parts(step)] == names
    assert calendar.profile(step).name == names[0]
    axes = calendar.grid(step)
    assert (None if axes is None else tuple(p.name for p in axes)) == grid
    has_hours = any(p is calendar.HOUR for p in calendar.parts(step))
    assert has_hours == (step < pd.Timedelta(days=1))
    assert any(s.part is calendar.HOUR for s in calendar.spans(step)) == has_hours


def test_the_step_of_strided_windows_and_of_a_panel():
    hourly = pd.date_range("2024-01-01", periods=200, freq="h")
    windows = timeaxis.to_ns(hourly[::32])  # stride 32: 32 h apart, still hourly data
    assert calendar.step_of(windows, 32) == pd.Timedelta(hours=1)
    daily = pd.date_range("2024-01-01", periods=90, freq="D")
    panel = np.r_[timeaxis.to_ns(daily), timeaxis.to_ns(daily)]  # two series, same dates
    assert calendar.step_of(panel) == pd.Timedelta(days=1)
    assert calendar.step_of(daily.tz_localize("Europe/Madrid")) == pd.Timedelta(days=1)
    assert calendar.step_of(np.array([5, 5])) is None


def test_groupings_read_the_local_clock_and_say_their_values_in_words():
    times = pd.date_range("2024-03-04", periods=14, freq="D", tz="Europe/Madrid")
    values = np.where(times.day_of_week >= 5, 1.0, 0.0)  # only weekends
    by_day = calendar.WEEKDAY.means(values, times)
    assert list(by_day.index) == list(calendar.WEEKDAYS)
    assert by_day["Sat"] == 1.0 and by_day["Mon"] == 0.0
    assert calendar.extremes_text("rs2", by_day, calendar.WEEKDAY) == (
        "rs2 kept Saturdays most (100%) and Mondays least (0%).")
    assert calendar.MONTHDAY.words(3) == "the 3rd of the month"
    assert [p.cycle for p in (calendar.HOUR, calendar.WEEKDAY, calendar.WEEK)] == [
        "day", "week", "year"]
    assert calendar.HOUR.words(8) == "08:00-09:00" and calendar.HOUR.tick(8) == "08"
    assert calendar.extremes_text("flat", pd.Series(0.5, index=range(24)), calendar.HOUR) == ""


def test_a_daily_calendar_leaves_out_weeks_without_data_but_keeps_every_hour():
    days = pd.date_range("2023-11-06", periods=8 * 7, freq="D")  # Nov to Dec: 8 weeks
    weeks = calendar.table(np.ones(len(days)), days, *calendar.grid(pd.Timedelta("1D")))
    assert weeks.shape == (7, 8) and list(weeks.columns) == list(range(45, 53))
    hours = pd.date_range("2023-11-06 08:00", periods=5, freq="h")
    by_hour = calendar.table(np.ones(5), hours, calendar.WEEKDAY, calendar.HOUR)
    assert by_hour.shape == (7, 24) and by_hour[3].isna().all()  # blank: no window at 03:00


def test_daily_selection_is_by_weekday_not_by_hour():
    times = pd.date_range("2024-01-01", periods=70, freq="D")
    selected = np.tile(times.day_of_week == 2, (3, 1))  # Wednesdays only
    part = calendar.profile(calendar.step_of(times))
    share = selection_by_part(timeaxis.to_ns(times), selected, None, part)
    assert part is calendar.WEEKDAY and share["Wed"] == 1.0 and share.drop("Wed").eq(0).all()


def _windows(relation: float, n: int = 2000, seed: int = 0):
    """Scores whose rank relation to the error is about `relation`, and the windows' levels:
    quiet windows (low level) score high, as on the log scale."""
    rng = np.random.default_rng(seed)
    error = rng.lognormal(0, 1, n)
    noise = rng.lognormal(0, 1, n)
    score = np.exp(relation * np.log(error) + np.sqrt(1 - relation ** 2) * np.log(noise))
    level = 1 / (1 + score)  # the highest scores on the quietest windows
    return score, error, level


def test_the_score_sentence_follows_the_sign_and_strength_of_the_correlation():
    strong = _windows(0.95)
    rho = spearman(strong[0], strong[1])
    top = group_ratios(extreme_windows(strong[0], 100)[0], strong[2], strong[1])
    said = score_error_text(rho, top, 100, log1p=True)
    assert rho > 0.9 and f"Spearman rank correlation {rho:.2f}, a strong positive" in said
    assert "singles out the windows the model still gets wrong" in said

    weak = _windows(0.1)
    rho = spearman(weak[0], weak[1])
    top = group_ratios(extreme_windows(weak[0], 100)[0], weak[2], weak[1])
    said = score_error_text(rho, top, 100, log1p=True)
    assert abs(rho) < 0.2 and "little or no relation" in said
    assert "singles out the windows the model still gets wrong" not in said
    assert "does not single out the windows the model gets wrong" in said
    # what the score measures, and what this run's top windows are, in its own numbers
    assert "model's own units (the series log1p-transformed, then standardised" in said
    assert "night and low-traffic windows can score high" in said
    assert f"have {top['error']:.2g}" in said and "x the median window's error" in said
    assert top["level"] < 0.8 and "quiet windows" in said

    busy = score_error_text(0.46, {"error": 5.7, "level": 1.8}, 10, log1p=True)
    assert "moderate positive" in busy and "without singling them out" in busy
    assert busy.endswith("Here the 10 highest-scored windows have 5.7x the median window's "
                         "error and 1.8x their series' median level.")
    assert "quiet" not in busy  # the run's numbers do not show quiet windows scoring high
    daily = score_error_text(0.1, {"error": 0.45, "level": 0.6}, 10, True, pd.Timedelta("1D"))
    assert "low-traffic days (weekends, holidays) can score high, and they do here" in daily
    assert "night" not in daily and "forecasts closely in original units" in daily
    loud = score_error_text(0.97, {"error": 2.5, "level": 0.78}, 7, True, pd.Timedelta("1D"))
    assert loud.endswith("median level: quieter windows that the model gets wrong.")
    assert "can score high" not in loud  # not what these numbers show

    negative = score_error_text(-0.5, {}, 100, log1p=False)
    assert "moderate negative relation" in negative and "*more* right" in negative
    assert "log scale" not in negative and "(the series standardised" in negative


def test_no_finding_for_runs_whose_scores_chose_nothing():
    scores = np.full((2, 5), np.nan)
    scores[1] = 1.0
    assert "without importance scores" in scores_unused_text("rand", "random", None, scores)
    warm_only = scores_unused_text("gn", "gradnorm", np.array([False, False]), scores)
    assert "never selected by score" in warm_only
    assert scores_unused_text("gn", "gradnorm", np.array([False, True]), scores) == ""

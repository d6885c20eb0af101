"""The Importance page's teaching helpers (importance.aggregates.importance and .extremes):
where the keep ratio cut, what the epochs without a selection by score did, the compact
calendar, and what the extreme windows have in common."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from importance import calendar, timeaxis
from importance.aggregates.extremes import extreme_group_size, extremes_text
from importance.aggregates.importance import (
    epoch_list,
    keep_cut,
    score_histograms,
    selection_days,
    selection_grid,
    unscored_epochs_text,
)


def _gradnorm_like(n: int = 200, epochs: int = 5, keep: float = 0.7, warmup: int = 2):
    """Scores and selections shaped like a gradient-norm run: `warmup` random epochs (the
    first sees no score, later ones the norms read off the previous epochs' training), then
    hard top-k by score."""
    rng = np.random.default_rng(0)
    k = int(keep * n)
    scores = np.full((epochs, n), np.nan)
    selected = np.zeros((epochs, n), dtype=bool)
    for e in range(epochs):
        if e > 0:  # the windows trained so far carry a score
            seen = selected[:e].any(axis=0)
            scores[e, seen] = rng.lognormal(0, 1, seen.sum())
        if e >= warmup:
            scores[e] = rng.lognormal(0, 1, n)
            selected[e, np.argsort(-scores[e])[:k]] = True
        else:
            selected[e, rng.choice(n, k, replace=False)] = True
    by_score = np.arange(epochs) >= warmup
    return scores, selected, by_score


def test_the_cut_is_the_lowest_kept_score_of_each_epoch_that_selected_by_score():
    scores, selected, by_score = _gradnorm_like()
    h = score_histograms(scores, selected, by_score=by_score)
    for e in (2, 3, 4):
        kept = scores[e][selected[e]]
        assert h.cut[e] == pytest.approx(kept.min())
        assert (scores[e][~selected[e]] <= h.cut[e]).all()  # a clean cut: the rest are below
    assert np.isnan(h.cut[:2]).all()  # warm-up: random, no cut
    assert h.share == pytest.approx([0.7] * 5)


def test_no_cut_when_the_policy_keeps_high_and_low_scores():
    scores = np.array([[1.0, 2.0, 3.0, 4.0]])
    coin_flips = np.array([[True, False, True, False]])  # a low score kept, a high one dropped
    h = score_histograms(scores, coin_flips, by_score=np.array([True]))
    assert np.isnan(h.cut).all()
    assert keep_cut(scores[0], np.array([False, False, True, True])) == 3.0
    assert np.isnan(keep_cut(scores[0], np.ones(4, bool)))  # nothing dropped: no cut


def test_warm_up_epochs_are_said_in_words():
    scores, selected, by_score = _gradnorm_like(epochs=6)
    h = score_histograms(scores, selected, by_score=by_score)
    assert h.shown.tolist() == [2, 3, 4, 5]  # epoch 2 saw scores, yet picked at random
    text = unscored_epochs_text(h)
    assert text.startswith("Epochs 1-2: warm-up on a random subset (70% of the windows each "
                           "epoch), no scores used yet.")
    assert text.endswith("The histogram draws these epochs hatched; epochs 3-6 selected by "
                         "score.")
    all_shown = score_histograms(scores[2:], selected[2:], by_score=by_score[2:])
    assert unscored_epochs_text(all_shown) == ""


def test_epochs_on_every_window_and_random_epochs_later_in_the_run():
    """InfoBatch-like: epoch 1 trains every window with no loss yet; an importance-sampling-like
    run turns uniform in the middle."""
    scores = np.array([[np.nan] * 4, [1.0, 2, 3, 4], [1.0, 2, 3, 4], [1.0, 2, 3, 4]])
    selected = np.array([[True] * 4, [False, False, True, True], [True, False, True, False],
                         [False, False, True, True]])
    h = score_histograms(scores, selected, by_score=np.array([False, True, False, True]))
    assert h.shown.tolist() == [1, 3]
    assert unscored_epochs_text(h) == (
        "Epoch 1: every window, no scores yet. Epoch 3: a random subset (50% of the windows "
        "each epoch), not chosen by score. The histogram draws these epochs hatched; epochs 2 "
        "and 4 selected by score.")
    assert epoch_list(np.array([0, 1, 2, 5])) == "epochs 1-3 and 6"
    assert epoch_list(np.array([4])) == "epoch 5"


def test_compact_calendar_is_weekday_by_hour_plus_a_day_strip():
    times = pd.date_range("2013-11-04 00:00", periods=24 * 14, freq="h", tz="Europe/Rome")
    ns = timeaxis.to_ns(times)
    selected = np.zeros((2, len(times)), dtype=bool)
    selected[:, times.hour == 8] = True  # always 08:00 local
    selected[0, times.day_of_week == 6] = True  # Sundays in one epoch of two
    week = selection_grid(ns, selected, "Europe/Rome", (calendar.WEEKDAY, calendar.HOUR))
    assert week.shape == (7, 24) and list(week.index) == list(calendar.WEEKDAYS)
    assert week.loc["Mon", 8] == 1.0 and week.loc["Mon", 9] == 0.0
    assert week.loc["Sun", 9] == 0.5 and week.loc["Sun", 8] == 1.0
    days = selection_days(ns, selected, "Europe/Rome")
    assert len(days) == 14 and days.index[0] == pd.Timestamp("2013-11-04")
    assert days.iloc[0] == pytest.approx(1 / 24)
    assert days[pd.Timestamp("2013-11-10")] == pytest.approx((23 * 0.5 + 1) / 24)  # a Sunday


def _hand_made():
    """100 hourly windows: 0-3 at 02:00-05:00 with triple level and five times the error;
    50-53 in the afternoon at half the level and a fifth of the error."""
    times = pd.date_range("2024-01-01 00:00", periods=100, freq="h")
    level, error = np.ones(100), np.ones(100)
    top = np.array([2, 3, 4, 5])  # 02:00-05:00
    bottom = np.array([62, 63, 64, 65])  # 14:00-17:00 on day 2
    level[top], error[top] = 3.0, 5.0
    level[bottom], error[bottom] = 0.5, 0.2
    return times, top, bottom, level, error


def test_extreme_windows_sentence_names_time_of_day_level_and_error():
    times, top, bottom, level, error = _hand_made()
    text = extremes_text(times, top, bottom, level, error)
    assert text.startswith("The 4 highest-scored windows: 4 of 4 at night (00:00-06:00; 28% of "
                           "all windows); level 3x the series median; the final model's error "
                           "5x the median window's.")
    assert ("The 4 lowest-scored windows: 4 of 4 in the afternoon (12:00-18:00; 24% of all "
            "windows); level 0.5x the series median; the final model's error 0.2x the median "
            "window's.") in text
    assert text.endswith("Lesson: in this run the highest scores single out the windows the "
                         "model still gets wrong, high-traffic windows and night windows.")


def test_extreme_windows_sentence_when_nothing_sets_them_apart():
    times, top, bottom, _, _ = _hand_made()
    flat = np.ones(100)
    text = extremes_text(times, np.array([1, 9, 14, 20]), np.array([3, 10, 15, 22]),
                               flat, flat)
    assert "spread over the day" in text and "level near the series median (1.0x)" in text
    assert text.endswith("do not differ clearly in time of day, level or error here.")
    daily = pd.date_range("2024-01-01", periods=100, freq="D")  # every window at 00:00
    on_days = extremes_text(daily, top, bottom, flat, flat)  # weekdays and weekend, no hours
    assert "night" not in on_days and "00:00" not in on_days and "time of day" not in on_days
    assert "3 of 4 on weekdays (Mon-Fri; 72% of all windows)" in on_days
    assert on_days.endswith("do not differ clearly in day of week, level or error here.")
    only_times = extremes_text(times, top, bottom)  # no level or error stored
    assert "at night" in only_times and "level" not in only_times and "error" not in only_times
    weekly = pd.date_range("2024-01-01", periods=100, freq="7D")
    assert extremes_text(weekly, top, bottom) == ""  # nothing to say at all


def test_extreme_windows_levels_are_relative_to_their_own_series():
    times, top, bottom, level, error = _hand_made()
    owner = np.zeros(100, dtype=np.int64)
    owner[50:] = 1
    level[50:] *= 1000  # a much bigger second series: the bottom group is still below its own
    text = extremes_text(times, top, bottom, level, error, owner)
    assert "level 0.5x the series median" in text and "level 3x the series median" in text


def test_extreme_group_size():
    assert extreme_group_size(2000, 4) == 100  # the top 5%
    assert extreme_group_size(40, 4) == 4  # never fewer than the panels shown
    assert extreme_group_size(6, 4) == 3  # never more than half


def test_a_trait_counts_only_when_the_top_group_has_it():
    """Top windows near the median level, bottom ones at twice it: not "low-traffic"."""
    times, top, bottom, level, error = _hand_made()
    level[top], level[bottom] = 1.1, 2.0
    text = extremes_text(times, top, bottom, level, error)
    assert "level near the series median (1.1x)" in text and "level 2x the series median" in text
    assert "traffic" not in text
    assert "single out the windows the model still gets wrong and night windows." in text


def test_the_lesson_says_the_scores_find_the_errors_only_when_the_correlation_does():
    """A top group with five times the median error, but a weak rank correlation over all
    windows: no "the windows the model still gets wrong" (issue 24, point 3)."""
    times, top, bottom, level, error = _hand_made()
    strong = extremes_text(times, top, bottom, level, error, rho=0.75)
    assert "single out the windows the model still gets wrong" in strong
    weak = extremes_text(times, top, bottom, level, error, rho=0.14)
    assert "still gets wrong" not in weak and "the final model's error 5x" in weak
    assert weak.endswith("single out high-traffic windows and night windows.")

"""The Importance page teaches: the method in steps with its formulas and sources, the keep
ratio's cut on the histogram, warm-up epochs in words, a compact calendar, and what the extreme
windows have in common."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pagetools import new_app, page, tiny_runs

from importance import calendar, timeaxis
from importance.aggregates.importance import score_histograms, selection_days, selection_grid
from ui import figures, teaching


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _title(spec: dict) -> str:
    title = spec.get("layout", {}).get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


# --- figures ----------------------------------------------------------------------------------

def test_the_calendar_stays_compact_over_a_long_training_period():
    times = pd.date_range("2013-11-01", periods=24 * 6 * 300, freq="10min")  # 300 days
    ns = timeaxis.to_ns(times)
    selected = np.random.default_rng(0).random((4, len(times))) < 0.7
    week = selection_grid(ns, selected, None, calendar.grid(calendar.step_of(times)))
    days = selection_days(ns, selected, None)
    fig = figures.calendar(week, days, "How often", "local time")
    assert fig.layout.height <= 420  # the day-per-row map was ~3,500 px tall here
    assert len(fig.data) == 2 and fig.data[0].z.shape == (7, 24) and len(fig.data[1].x) == 300


def test_the_histogram_draws_warm_up_epochs_as_such_and_the_cut():
    rng = np.random.default_rng(1)
    scores = np.full((4, 300), np.nan)
    selected = np.zeros((4, 300), dtype=bool)
    selected[:2, :210] = True  # warm-up: no scores, then partial ones
    scores[1, :210] = rng.lognormal(0, 1, 210)
    for e in (2, 3):
        scores[e] = rng.lognormal(0, 1, 300)
        selected[e, np.argsort(-scores[e])[:210]] = True
    h = score_histograms(scores, selected, by_score=np.array([False, False, True, True]))
    fig = figures.score_animation(h, "#ea580c", "gradnorm", "score")
    # every epoch drawn, the warm-up ones named, hatched, and said to have no scores yet
    assert [f.name for f in fig.frames] == ["1 warm-up", "2 warm-up", "3", "4"]
    first, second = fig.frames[0], fig.frames[1]
    assert "warm-up: a random 70% of the windows, not by score" in first.layout.title.text
    assert "No scores yet in epoch 1" in first.layout.annotations[0].text
    assert second.data[0].marker.pattern.shape == "/"  # hatched: not chosen by score
    assert fig.frames[2].data[0].marker.pattern.shape == ""
    assert [s.label for s in fig.layout.sliders[0].steps] == [f.name for f in fig.frames]
    assert fig.layout.sliders[0].active == 3  # opens on the last epoch chosen by score
    for frame, e in zip(fig.frames[2:], (2, 3), strict=True):
        cut = frame.data[2]
        assert cut.name == "keep-ratio cut"
        lowest_kept = scores[e][selected[e]].min()
        assert cut.x[0] == pytest.approx(np.log10(lowest_kept))
        assert "top 70% kept" in cut.text[1]
    assert fig.frames[0].data[2].x[0] is None  # no cut in a warm-up epoch
    assert fig.data[2].x[0] == pytest.approx(np.log10(scores[3][selected[3]].min()))


# --- the page ---------------------------------------------------------------------------------

@pytest.fixture
def full_and_gradnorm(runs_dir):
    """A full and a gradient-norm run of 3 epochs: two random warm-up epochs, then top-k."""
    return tiny_runs(runs_dir, ("full", "gradnorm"))


def test_the_importance_page_teaches_the_method(full_and_gradnorm):
    _, grad = full_and_gradnorm
    at = page(new_app().run(), "pages/importance.py")

    # the method in steps, with its formulas and its sources
    (guide,) = [e for e in at.expander if e.label.startswith("How it works")]
    assert [x.value.strip("$\n") for x in guide.latex] == [teaching.GRAD_NORM,
                                                            teaching.LAST_LAYER]
    said = _texts(guide.markdown)
    for _, _, _, arxiv, _ in teaching.SOURCES:
        assert f"arXiv:{arxiv}" in said
    assert "65-90%" in said and "the paper's claim" in said
    assert "keep ratio 70%, 2 warm-up epoch(s), rescore every 2 epoch(s)" in said

    # warm-up in words, and the cut where the keep ratio cut epoch 3
    assert "Epochs 1-2: warm-up on a random subset (70% of the windows each epoch), no scores " \
           "used yet." in _texts(at.markdown)
    specs = _specs(at)
    (hist,) = [s for s in specs if any(t.get("name") == "keep-ratio cut" for t in s["data"])]
    assert _title(hist).endswith(": epoch 3")
    assert [f["name"] for f in hist["frames"]] == ["1 warm-up", "2 warm-up", "3"]
    arrays = grad.arrays
    lowest_kept = arrays["scores"][2][arrays["selected"][2]].min()
    (cut,) = [t for t in hist["data"] if t.get("name") == "keep-ratio cut"]
    assert cut["x"][0] == pytest.approx(np.log10(lowest_kept), rel=1e-6)

    # the compact calendar
    (cal,) = [s for s in specs if _title(s).startswith("How often the windows were trained")]
    assert cal["layout"]["height"] <= 420

    # what the extreme windows have in common
    lesson = next(m.value for m in at.markdown if m.value.startswith("**What they have in"))
    assert "highest-scored windows" in lesson and "lowest-scored windows" in lesson
    assert "the final model's error" in lesson and "Lesson:" in lesson

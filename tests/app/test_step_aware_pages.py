"""Pages that follow the series' step and a lesson that agrees with its numbers (issue 24,
points 1 and 3): daily data gets day-of-week charts and no hour of day on the Data,
Importance and Forecasts pages, sub-daily data keeps its hours; the Importance page's sentences
come from the run's own measurements, show no finding for runs whose scores chose nothing, and
name no source file."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from pagetools import new_app, page, tiny_runs

from importance.aggregates.importance import (
    SINGLES_OUT,
    correlation_words,
    latest_scores,
    spearman,
)
from importance.config import DataConfig
from tests.fixtures.series import hourly_cell, write_csv
from ui import state
from ui.figures import READABLE


def _specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _title(spec: dict) -> str:
    title = spec.get("layout", {}).get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


def _chart_words(at) -> str:
    """Every chart's title, axis titles, subplot titles and trace names."""
    out = []
    for spec in _specs(at):
        layout = spec.get("layout", {})
        out.append(_title(spec))
        out += [str(axis.get("title", {}).get("text", "")) for key, axis in layout.items()
                if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict)]
        out += [str(a.get("text", "")) for a in layout.get("annotations", [])]
    return " | ".join(out)


def _texts(at) -> str:
    """Every text the page writes: titles, headers, markdown, captions and alerts."""
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "warning",
             "success", "error", "latex")
    return " ".join(str(e.value) for kind in kinds for e in at.get(kind))


def _daily_csv(folder) -> str:
    """Two years of daily cell traffic (MB) from the hourly fixture's rhythm: weekends lower."""
    days = pd.date_range("2022-01-03", periods=730, freq="D", name="time")
    weekday = np.where(days.day_of_week >= 5, 0.75, 1.0)
    noise = np.random.default_rng(0).lognormal(0, 0.05, len(days))
    values = pd.Series(np.round(20_000 * weekday * noise, 1), index=days, name="traffic_mb")
    return str(write_csv(values, folder, "daily_cell"))


def _upload(at, path: str) -> None:
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    with open(path, "rb") as f:
        at.sidebar.file_uploader(key=state.UPLOAD).set_value(
            [(path.rsplit("/", 1)[-1], f.read(), "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]


HOURS = re.compile(r"hour of day|time of day|\d\d:00-\d\d:00")


@pytest.fixture
def daily_runs(runs_dir, tmp_path):
    """A full and a gradient-norm run on a daily series (stride 32 days, as `tiny_runs`)."""
    path = _daily_csv(tmp_path)
    return path, tiny_runs(runs_dir, ("full", "gradnorm"), data=DataConfig(path=path),
                           params={"gradnorm": {"warmup_epochs": 1}})


def test_daily_data_gets_days_not_hours_on_every_page(daily_runs):
    path, (_, grad) = daily_runs
    at = new_app().run()
    _upload(at, path)
    # Data: weekday x week of year, means by weekday and by day of month; no hour of day
    words = _chart_words(at)
    assert "by day of week and week of year" in words
    assert "Mean by day of week" in words and "Mean by day of month" in words
    assert not HOURS.search(words), words
    assert "Average daily profile" not in words

    page(at, "pages/importance.py")
    words, said = _chart_words(at), _texts(at)
    assert "Share of windows trained, by day of week" in words
    assert "by day of week and week of year" in words  # the selection calendar
    assert not HOURS.search(words), words
    assert not re.search(r"kept \d\d:00", said) and "6-hour" not in said
    assert "keeps every weekday about equally often" in said

    page(at, "pages/forecasts.py")
    specs = _specs(at)
    (errors,) = [s for s in specs if _title(s).startswith("Mean absolute error by")]
    assert _title(errors) == "Mean absolute error by day of week"
    assert errors["data"][0]["x"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert errors["layout"]["yaxis"]["tickformat"] == READABLE  # no "70.12987012987011326"
    assert not HOURS.search(_chart_words(at)), _chart_words(at)
    assert grad.config.data.path == path


def test_sub_daily_data_keeps_its_hours(runs_dir, tmp_path):
    tiny_runs(runs_dir, ("full", "gradnorm"))  # the embedded 10-minute series
    at = new_app().run()
    words = _chart_words(at)  # the Data page of the embedded series
    assert "by day of week and hour of day" in words and "Average daily profile" in words
    _upload(at, str(write_csv(hourly_cell(), tmp_path, "hourly_cell")))
    assert "by day of week and hour of day" in _chart_words(at)

    page(at, "pages/importance.py")
    words, said = _chart_words(at), _texts(at)
    assert "Share of windows trained, by hour of day" in words
    assert "by day of week and hour of day" in words
    assert "keeps every hour about equally often" in said
    page(at, "pages/forecasts.py")
    assert "Mean absolute error by hour of day" in _chart_words(at)


def test_the_lesson_agrees_with_the_runs_numbers_and_names_no_file(runs_dir):
    _, grad = tiny_runs(runs_dir, ("full", "gradnorm"))
    at = page(new_app().run(), "pages/importance.py")
    said = _texts(at)
    rho = spearman(latest_scores(grad.arrays["scores"]), grad.arrays["train_abs_error"])
    assert f"Spearman rank correlation {rho:.2f}, a {correlation_words(rho)}" in said
    if rho < SINGLES_OUT:  # the sentences must not claim what the correlation denies
        assert "windows the model still gets wrong" not in said.replace(
            "does not single out the windows the model gets wrong", "")
    assert "model's own units" in said and "original units" in said
    # for students: no source file paths anywhere on the page, the "How it works" and the run
    # card's provenance note included
    assert not re.search(r"\w+\.py\b|importance/\w+", said), re.findall(
        r"\S*\.py\b|importance/\S+", said)


def test_runs_whose_scores_chose_nothing_show_no_findings(runs_dir):
    """A random run (no scores) and a gradient-norm run stopped inside its warm-up (scores
    read, none used): their kept hours and extreme windows are no findings, and the page
    says why."""
    rand, warm = tiny_runs(runs_dir, ("random", "gradnorm"), epochs=2)
    assert not any(e["selected_by_score"] for e in warm.summary["epochs"])
    at = page(new_app().run(), "pages/importance.py")
    said = _texts(at)
    assert " most (" not in said  # no "kept 08:00-09:00 most (..%)" for either
    assert "picks its windows without importance scores" in said
    assert "never selected by score" in said
    assert "What they have in common" not in said and "Lesson:" not in said



def test_daily_data_preselects_only_the_classical_models_that_forecast_it(daily_runs):
    """A daily series has no daily season: seasonal naive (daily) is not drawn by default
    (no warning box), seasonal naive (weekly) and Holt-Winters are."""
    at = page(new_app().run(), "pages/forecasts.py")
    drawn = at.multiselect(key=state.FC_CLASSICAL).value
    assert "seasonal_naive_daily" not in drawn and "seasonal_naive_weekly" in drawn
    assert not [w.value for w in at.warning if "cannot forecast" in w.value]

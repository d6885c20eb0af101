"""Every realistic operator export, as a user brings it: upload in the sidebar -> Data page ->
Launch on the Train page -> the runs on the Importance, Forecasts and Energy pages."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.app.html_tables import html_tables
from tests.app.pagetools import launch, new_app, page, poll_until_idle, set_quick_form
from tests.fixtures.exports import EXPORTS, write_too_short
from ui import state
from ui.state import F_SEEDS


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _charts(at) -> int:
    return len(at.get("plotly_chart"))


def _axis_titles(at) -> str:
    return " ".join(str(axis.get("title", {}).get("text", ""))
                    for chart in at.get("plotly_chart")
                    for key, axis in json.loads(chart.proto.spec)["layout"].items()
                    if key.startswith("xaxis"))


def _upload(at, paths) -> None:
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(
        [(p.name, p.read_bytes(), "text/csv") for p in paths]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPORTS))
def test_an_export_goes_from_upload_to_every_result_page(name, manager, tmp_path):
    export = EXPORTS[name]
    at = new_app().run()
    _upload(at, export.paths(tmp_path))
    if export.series:
        at.sidebar.selectbox(key=state.SERIES).set_value(export.series).run()
    if export.column:
        at.sidebar.selectbox(key=state.COLUMN).set_value(export.column).run()
    assert not at.exception, [e.value for e in at.exception]

    # The Data page says how the file was read and what was repaired.
    read = at.dataframe[0].value
    found = dict(zip(read["what"], read["found"], strict=True))
    assert found["time zone"] == "wall-clock time as written in the data (no zone)"
    assert export.truth["encoding"] in found["format"]
    points = next(m for m in at.metric if m.label == "Points").value
    assert points == f"{export.truth['points']:,}"
    if export.truth.get("missing_values"):
        assert "missing values" in _texts(at.markdown)
    assert _charts(at) >= 3

    page(at, "pages/train.py")
    daily = export.step >= pd.Timedelta(days=1)
    set_quick_form(at, **{state.F_LOOKBACK: 7 if daily else 24})
    at.text_input(key=F_SEEDS).set_value("1")  # one seed: this tests reading, not seeds
    launch(at)
    poll_until_idle(at)
    assert not at.error, [e.value for e in at.error]
    assert "Finished" in _texts(at.success)

    wall_clock = "wall-clock time (no zone in the data)"
    page(at, "pages/importance.py")
    assert len(at.sidebar.multiselect(key=state.RUNS).value) in (3, 4)  # rs2 control added?
    assert _charts(at) >= 4
    assert wall_clock in _axis_titles(at) and "UTC" not in _axis_titles(at)
    page(at, "pages/forecasts.py")
    assert _charts(at) >= 3
    assert wall_clock in _axis_titles(at) and "UTC" not in _axis_titles(at)
    assert {"neural", "classical"} <= set(html_tables(at)[0]["kind"])  # the leaderboard
    page(at, "pages/energy.py")
    assert _charts(at) >= 3
    # one seed: the verdict is indicative and names no winner, whatever the data
    assert _texts(at.info).startswith("One seed: indicative, names no winner.")
    assert "Best trade-off" not in _texts([*at.info, *at.success, *at.markdown])

    from ui import runs

    stored = runs.all_runs()
    # the comparison's three runs, and the rs2 control at the budget gradnorm spent when it
    # spent more than rs2 (importance.controls)
    assert len(stored) in (3, 4)
    assert sum(r.config.train.strategy == "rs2" for r in stored) == len(stored) - 2
    for run in stored:
        assert run.summary["series_tz"] is None
        assert run.config.data.series == export.series


def test_a_series_too_short_for_the_window_is_refused_before_anything_is_queued(manager,
                                                                                  tmp_path):
    at = new_app().run()
    _upload(at, [write_too_short(tmp_path)])
    page(at, "pages/train.py")
    assert at.number_input(key=state.F_LOOKBACK).value == 5  # the largest that fits 40 points
    set_quick_form(at, **{state.F_LOOKBACK: 24})
    launch(at)
    message = _texts(at.error)
    assert "has 40 points (40 h at a 1 h step)" in message
    assert "the largest lookback that fits is 5 steps = 5 h" in message
    assert not manager.jobs()


def _found(at) -> dict[str, str]:
    read = at.dataframe[0].value
    return dict(zip(read["what"], read["found"], strict=True))


def test_the_sidebar_zone_places_wall_clock_times_on_the_zones_time_line(tmp_path):
    export = EXPORTS["cells_wide_eu"]
    at = new_app().run()
    _upload(at, export.paths(tmp_path))
    assert "timestamps given more than once" in _texts(at.markdown)  # the repeated 02:00
    at.sidebar.selectbox(key=state.TZ).set_value("Europe/Berlin").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _found(at)["time zone"] == "Europe/Berlin (chosen)"
    points = next(m for m in at.metric if m.label == "Points").value
    assert points == f"{export.truth['points_in_zone']:,}"  # both 02:00 hours kept
    assert "timestamps given more than once" not in _texts(at.markdown)
    assert at.session_state[state.DATA].config.tz == "Europe/Berlin"


def test_the_sidebar_year_dates_a_transposed_export(tmp_path):
    export = EXPORTS["enodeb_daily_transposed"]
    at = new_app().run()
    _upload(at, export.paths(tmp_path))
    assumed = at.sidebar.number_input(key=state.YEAR).value
    assert f"read as {assumed}" in _texts(at.markdown)
    at.sidebar.number_input(key=state.YEAR).set_value(2019).run()
    assert not at.exception, [e.value for e in at.exception]
    stats = dict(zip(at.dataframe[1].value["statistic"], at.dataframe[1].value["value"],
                     strict=True))
    assert stats["from"] == "2019-06-01 00:00" and "read as 2019" in _texts(at.markdown)

"""Holidays come from the data, the grid from the machine (issue 24, point 2): a Madrid series
is shaded with Spain's holidays (Good Friday included), a file on wall-clock time or with only
UTC offsets gets none (said), and the runs' emissions use the sidebar's grid, stated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from importance.grid import GRID_ENV
from importance.runs.store import RunStore
from tests.app.pagetools import launch, new_app, page, poll_until_idle, set_quick_form
from ui import state

# Three weeks of hourly load around Easter 2024 (Good Friday 29 March, Spain's, not Italy's)
TIMES = pd.date_range("2024-03-18", periods=24 * 21, freq="h", tz="Europe/Madrid")


def _load() -> np.ndarray:
    rng = np.random.default_rng(5)
    hours = TIMES.hour.to_numpy()
    return (50 + 20 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 2, len(TIMES))).round(2)


def _naive_export(folder: Path) -> Path:
    path = folder / "barcelona_cell.csv"
    pd.DataFrame({"time": TIMES.tz_localize(None).strftime("%Y-%m-%d %H:%M"),
                  "prb_util": _load()}).to_csv(path, index=False)
    return path


def _offset_export(folder: Path) -> Path:
    path = folder / "barcelona_iso.csv"
    pd.DataFrame({"time": [t.isoformat() for t in TIMES], "prb_util": _load()}).to_csv(
        path, index=False)
    return path


def _upload(at, path: Path) -> None:
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(
        [(path.name, path.read_bytes(), "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _holiday_bars(at) -> list[dict]:
    return [t for chart in at.get("plotly_chart")
            for t in json.loads(chart.proto.spec)["data"]
            if str(t.get("name", "")).startswith("public holidays")]


def test_a_madrid_series_gets_spanish_holidays_and_a_zoneless_one_none(tmp_path):
    at = new_app().run()
    _upload(at, _naive_export(tmp_path))
    # wall-clock time names no country: no holidays marked, said, and the form has none
    assert _holiday_bars(at) == []
    assert ("No public holidays marked or used as input: the series has no time zone that "
            "names its country") in _texts(at.caption)
    assert at.session_state[state.F_COUNTRY] == ""

    at.sidebar.selectbox(key=state.TZ).set_value("Europe/Madrid").run()
    assert not at.exception, [e.value for e in at.exception]
    (bars,) = _holiday_bars(at)
    assert bars["name"] == "public holidays (Spain)"
    assert "Good Friday" in {name for _, name in bars["customdata"]}
    assert ("public holidays (Spain), the country of the series' time zone Europe/Madrid"
            in _texts(at.caption))
    assert at.session_state[state.F_COUNTRY] == "ESP"
    assert "Holidays country set to ESP" in _texts(at.info) + _texts(at.caption) + \
        " ".join(at.session_state[state.F_FOLLOWED][1])


def test_offsets_fitted_to_a_zone_name_no_country(tmp_path):
    """+01:00/+02:00 offsets fit many zones (read in Europe/Amsterdam's rules): the Dutch
    holidays would be a guess, so none until the user names the zone or a country."""
    at = new_app().run()
    _upload(at, _offset_export(tmp_path))
    assert _holiday_bars(at) == []
    assert at.session_state[state.F_COUNTRY] == ""
    assert "no time zone that names its country" in _texts(at.caption)


def test_the_runs_use_the_machines_grid_and_say_where_it_came_from(tmp_path, manager,
                                                                     monkeypatch, runs_dir):
    monkeypatch.setenv(GRID_ENV, "DEU")
    at = new_app().run()
    assert at.sidebar.selectbox(key=state.GRID).value == "DEU"
    assert f"Emissions use Germany's grid (DEU; set by {GRID_ENV})." in _texts(at.sidebar.caption)
    _upload(at, _naive_export(tmp_path))
    at.sidebar.selectbox(key=state.TZ).set_value("Europe/Madrid").run()
    at.sidebar.selectbox(key=state.GRID).set_value("FRA").run()
    assert "Emissions use France's grid (FRA; set by the sidebar)." in _texts(at.sidebar.caption)

    page(at, "pages/train.py")
    set_quick_form(at)
    at.multiselect(key=state.F_STRATEGIES).set_value(["full"])
    at.text_input(key=state.F_SEEDS).set_value("1")
    launch(at)
    poll_until_idle(at)
    (run,) = [RunStore(runs_dir).load(i) for i in RunStore(runs_dir).ids()]
    assert run.config.window.holidays == "ESP"  # the data's country
    assert run.config.train.country == "FRA"  # the machine's grid, as the sidebar set it
    assert run.config.train.grid_source == "set by the sidebar"
    assert "France grid average; set by the sidebar" in run.summary["energy_method"]

"""`importance compare` on every realistic export (tests/fixtures/exports.py): naive 2-minute,
hourly and daily series train to stored runs on their own wall-clock time; `importance data`
lists what a file holds; bad files are refused before anything is stored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from importance.cli import main
from importance.runs.store import RunStore
from tests.fixtures.exports import (
    EU_ZONE,
    EXPORTS,
    Export,
    assumed_year,
    write_too_short,
    write_xlsx,
)

FAST = ["--epochs", "2", "--hidden", "4", "--stride", "8", "--no-progress", "--seed", "0"]
CASES = {  # export -> lookback: a day below daily steps, two weeks for daily data
    "lte_2min": 24, "bs_energy_hourly_long": 24, "cells_wide_eu": 24,
    "enodeb_daily_transposed": 14, "kpi_utf16_hourly": 24, "cell_daily_latin1": 14,
    "lte_2min_parts": 24,
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    for name in CASES:
        EXPORTS[name].paths(folder)
    return folder


def _paths(export: Export, folder: Path) -> list[str]:
    return [str(folder / name) for name in export.filenames]


def _pick(export: Export) -> list[str]:
    return [*(["--series", export.series] if export.series else []),
            *(["--column", export.column] if export.column else [])]


def _span(export: Export, year: int | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The file's first and last time (month-day plus the pinned year when it has none)."""
    first, last = export.truth["first"], export.truth["last"]
    if export.layout == "transposed":
        first, last = f"{year}-{first}", f"{year}-{last}"
    return pd.Timestamp(first), pd.Timestamp(last)


def _compare(folder: Path, tmp_path: Path, export: Export, *options: str) -> list[dict]:
    out = tmp_path / "out.json"
    code = main(["compare", "--data", *_paths(export, folder), *_pick(export), *FAST,
                 "--runs-dir", str(tmp_path / "runs"), "--json", str(out), *options])
    assert code == 0
    return json.loads(out.read_text())["runs"]


@pytest.mark.parametrize("name", list(CASES))
def test_compare_trains_every_export_to_stored_runs(folder: Path, tmp_path: Path,
                                                    name: str) -> None:
    export = EXPORTS[name]
    rows = _compare(folder, tmp_path, export, "--lookback", str(CASES[name]),
                    "--strategies", "full,gradnorm", "--classical")
    neural = [r for r in rows if r["seed"] is not None]
    # no control asked: rs2 added at the budget gradnorm spent
    assert [r["strategy"] for r in neural] == ["full", "gradnorm", "rs2"]
    classical = rows[len(neural):]
    assert classical and all(r["run_id"] is None and r["samples_backprop"] == 0
                             for r in classical)
    assert all(r["test_mae"] >= 0 for r in rows)

    store = RunStore(tmp_path / "runs")
    assert sorted(store.ids()) == sorted(r["run_id"] for r in neural)
    paths = _paths(export, folder)
    for run_id in store.ids():
        run = store.load(run_id)
        data = run.config.data
        assert run.summary["series_tz"] is None
        assert data.path == (paths[0] if len(paths) == 1 else tuple(paths))
        assert (data.series, data.column, data.tz) == (export.series, export.column, None)
        assert run.config.window.lookback == CASES[name]
        assert data.year == assumed_year(export)  # pinned: the run reloads the same dates
        first, last = _span(export, data.year)
        times = run.predictions()["time"]
        assert times.dt.tz is None and len(times) == run.summary["n_test"]
        assert first <= times.min() and times.max() <= last
        assert (times.diff().dropna() == export.step).all()


def test_default_window_follows_the_step_and_says_why(folder: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    export = EXPORTS["bs_energy_hourly_long"]
    rows = _compare(folder, tmp_path, export, "--strategies", "full")
    out = capsys.readouterr().out
    assert ("window: lookback 168 steps = 1 week: the default for a 1 h step covers 1 week; "
            "shortened to 24 steps = 1 day, the largest that fits 168 points in three splits; "
            "log1p scaling off: the series has negative values") in out
    assert "data: BS B_2 · Energy  (bs_energy_hourly.csv)" in out
    assert "note: negative values: 1, kept; log1p scaling is off" in out
    run = RunStore(tmp_path / "runs").load(rows[0]["run_id"])
    assert run.config.window.lookback == 24 and run.config.window.log1p is False


def test_a_zone_is_stored_with_the_run(folder: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture) -> None:
    export = EXPORTS["cells_wide_eu"]
    rows = _compare(folder, tmp_path, export, "--tz", EU_ZONE, "--lookback", "24",
                    "--strategies", "full")
    assert f"time zone: {EU_ZONE} (chosen)" in capsys.readouterr().out
    run = RunStore(tmp_path / "runs").load(rows[0]["run_id"])
    assert run.summary["series_tz"] == EU_ZONE and run.config.data.tz == EU_ZONE
    times = run.predictions()["time"]  # stored in UTC
    assert str(times.dt.tz) == "UTC"
    first, last = _span(export, None)
    assert first.tz_localize(EU_ZONE) <= times.min() and times.max() <= last.tz_localize(EU_ZONE)


def test_data_lists_the_stations_with_their_lengths(folder: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    export = EXPORTS["bs_energy_hourly_long"]
    assert main(["data", "--data", *_paths(export, folder)]) == 0
    out = capsys.readouterr().out
    lengths = ", ".join(f"{s} ({n} rows)" for s, n in export.truth["lengths"].items())
    assert f"series: {lengths}\n" in out
    assert "value columns: Energy\n" in out
    assert "data: BS B_0 · Energy" in out  # the first station by default
    assert "default window: lookback 168 steps = 1 week" in out


def test_data_states_the_assumed_year_of_a_transposed_export(folder: Path,
                                                             capsys: pytest.CaptureFixture
                                                             ) -> None:
    export = EXPORTS["enodeb_daily_transposed"]
    assert main(["data", "--data", *_paths(export, folder), "--year", "2019"]) == 0
    out = capsys.readouterr().out
    assert "series: eNB_31001 (150 rows)" in out and "Grand Total" not in out.split("\n")[0]
    assert "dates without a year in the column headers: 150, read as 2019; first: '1-Jun' = " \
           "2019-06-01" in out
    assert "150 points at a 1 day step" in out


@pytest.mark.parametrize(("write", "message"), [
    (write_too_short, r"traffic \(short_hourly\.csv\) has 40 points \(40 h at a 1 h step\): "
                      r"too short for lookback 24 steps = 1 day .* the largest lookback that "
                      r"fits is 5 steps = 5 h"),
    (write_xlsx, r"cells\.xlsx: an Excel workbook \(\.xlsx\) .* save the sheet as CSV"),
])
def test_refused_before_training_and_nothing_stored(tmp_path: Path, capsys, write,
                                                    message: str) -> None:
    path = write(tmp_path)
    runs = tmp_path / "runs"
    code = main(["compare", "--data", str(path), *FAST, "--lookback", "24",
                 "--runs-dir", str(runs)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("importance: error: ")
    assert re.search(message, err)
    assert RunStore(runs).ids() == []

"""Realistic operator exports (tests/fixtures/exports.py) through the loader: layout, dialect
and encoding as detected, the series they offer, and every injected dirty value counted exactly
as `truth` says; bad inputs refused with the file and the problem named."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.config import DataConfig, RunConfig, WindowConfig
from importance.data import DataError, describe_source, load_series
from importance.data.timestamps import WALL_CLOCK
from importance.data.windows import make_windows
from importance.experiment import preflight
from tests.fixtures.exports import (
    BAD_INPUTS,
    EU_ZONE,
    EXPORTS,
    JUNK_LINE,
    SHORT_POINTS,
    Export,
    assumed_year,
    write_constant,
    write_too_short,
)

LAYOUT_WORDS = {"single": "one series", "long": "long format: one row per time and ",
                "wide": "wide format: one column per cell", "transposed": "transposed: one row "}
# QualityNote.issue (its start) -> the truth key counting it
NOTE_KEYS = {"missing values": "missing_values", "missing timestamps": "missing_times",
             "rows repeating an earlier row": "repeated_rows",
             "timestamps given more than once": "duplicate_times",
             "negative values": "negative_values", "summary rows": "summary_rows",
             "total rows": "total_rows", "total columns": "total_columns",
             "dates without a year": "dates_without_year", "constant series": "constant"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    for export in EXPORTS.values():
        export.paths(folder)
    return folder


def _source(export: Export, folder: Path) -> Path | list[Path]:
    paths = [folder / name for name in export.filenames]
    return paths if len(paths) > 1 else paths[0]


def _load(export: Export, folder: Path, **options) -> object:
    return load_series(_source(export, folder), series=export.series, column=export.column,
                       **options)


def _counts(notes) -> dict[str, int]:
    """{truth key: count} of the notes; every note must be a known kind."""
    out = {}
    for note in notes:
        key = next(k for issue, k in NOTE_KEYS.items() if note.issue.startswith(issue))
        out[key] = note.count
    return out


def _expected(truth: dict) -> dict[str, int]:
    return {k: truth[k] for k in NOTE_KEYS.values() if truth.get(k)}


def _gaps(notes) -> int:
    found = [re.search(r"in ([\d,]+) gaps?", n.issue) for n in notes]
    return next((int(m.group(1)) for m in found if m), 0)


def _file_text(export: Export, folder: Path, encoding: str) -> list[str]:
    return (folder / export.filename).read_bytes().decode(encoding).lstrip("\ufeff").splitlines()


def _eu_number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(".", "").replace(",", "."))


# --- every export --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(EXPORTS))
def test_describe_says_what_the_file_holds(folder: Path, name: str) -> None:
    export = EXPORTS[name]
    truth = export.truth
    info = describe_source(_source(export, folder))
    assert info.kind == "generic" and info.naive
    assert info.layout.startswith(LAYOUT_WORDS[export.layout])
    assert info.columns == truth["columns"]
    assert info.series == list(truth.get("lengths", {}))
    assert info.lengths == truth.get("lengths", {})
    found = dict(info.detected)
    assert found["format"].startswith(f"{truth['encoding']}, {truth['delimiter']}-separated, "
                                      f"{truth['decimal']}")
    assert found["time zone"] == WALL_CLOCK
    assert found["layout"] == info.layout
    if len(export.filenames) > 1:
        assert found["files"] == f"2 combined: {', '.join(export.filenames)}"
    if "series_column" in truth:
        assert found["series column"] == truth["series_column"]


@pytest.mark.parametrize("name", list(EXPORTS))
def test_load_counts_every_injected_value(folder: Path, name: str) -> None:
    export = EXPORTS[name]
    truth = export.truth
    loaded = _load(export, folder)
    values = loaded.values
    assert loaded.freq == export.step
    assert len(values) == truth["points"] and loaded.tz is None
    assert values.index.is_monotonic_increasing and values.index.is_unique
    assert not values.isna().any() and values.dtype == "float64"
    assert len(loaded.filled) == truth["missing_times"] + truth["missing_values"]
    assert _counts(loaded.notes) == _expected(truth)
    assert _gaps(loaded.notes) == truth.get("gaps", 0)
    assert loaded.column == (export.column or truth["columns"][0])
    assert loaded.series == export.series
    if export.layout != "transposed":
        assert values.index[0] == pd.Timestamp(truth["first"])
        assert values.index[-1] == pd.Timestamp(truth["last"])
    assert (values < 0).sum() == truth.get("negative_values", 0)
    assert dict(loaded.detected)["time zone"] == WALL_CLOCK


@pytest.mark.parametrize("name", list(EXPORTS))
def test_fixtures_are_deterministic(tmp_path: Path, folder: Path, name: str) -> None:
    for path in EXPORTS[name].paths(tmp_path):
        assert path.read_bytes() == (folder / path.name).read_bytes()


def test_bytes_are_those_of_the_tools_that_write_them(folder: Path) -> None:
    head = {name: (folder / e.filename).read_bytes()[:4] for name, e in EXPORTS.items()}
    assert head["kpi_utf16_hourly"][:2] == b"\xff\xfe"  # UTF-16 little-endian, BOM
    assert head["cells_wide_eu"][:3] == b"\xef\xbb\xbf"  # UTF-8 BOM
    latin1 = (folder / EXPORTS["cell_daily_latin1"].filename).read_bytes()
    assert b"\xe9" in latin1 and b"\xb5" in latin1 and b"\xa0" in latin1  # é, µ, NBSP
    assert latin1.endswith(b"\r\n") and b"\r\nTotal;" in latin1


# --- layouts and their choices ---------------------------------------------------------------

def test_several_kpi_columns_each_load_with_their_own_missing_values(folder: Path) -> None:
    export = EXPORTS["lte_2min"]
    for column, missing in export.truth["missing_values_by_column"].items():
        loaded = load_series(folder / export.filename, column=column)
        assert loaded.column == column and loaded.label == column
        assert len(loaded.filled) == export.truth["missing_times"] + missing
        assert _counts(loaded.notes).get("repeated_rows") == export.truth["repeated_rows"]


def test_long_format_every_station_loads_to_its_length(folder: Path) -> None:
    export = EXPORTS["bs_energy_hourly_long"]
    path = folder / export.filename
    assert load_series(path).series == "B_0"  # the first, by default
    for station, points in export.truth["points_by_series"].items():
        loaded = load_series(path, series=station)
        assert len(loaded.values) == points
        assert loaded.label == f"BS {station} · Energy"
    with pytest.raises(DataError, match=r"bs_energy_hourly\.csv: unknown series 'B_9' in column "
                                        r"'BS'; it has 6: B_0, B_1, B_2, B_3, B_4, B_5"):
        load_series(path, series="B_9")


def test_two_files_combined_equal_the_single_file(folder: Path) -> None:
    single = _load(EXPORTS["lte_2min"], folder)
    parts = [folder / name for name in EXPORTS["lte_2min_parts"].filenames]
    for paths in (parts, parts[::-1]):
        combined = load_series(paths)
        pd.testing.assert_series_equal(combined.values, single.values)
        assert combined.filled.equals(single.filled)
        assert _counts(combined.notes) == _counts(single.notes)
        assert combined.source == ", ".join(p.name for p in paths)


def test_transposed_year_is_assumed_and_stated_or_given(folder: Path) -> None:
    export = EXPORTS["enodeb_daily_transposed"]
    path = folder / export.filename
    year = assumed_year(export)
    assert describe_source(path).year == year
    loaded = load_series(path, series=export.series)
    assert loaded.values.index[0] == pd.Timestamp(f"{year}-{export.truth['first']}")
    given = load_series(path, series=export.series, year=2019)
    assert given.values.index[[0, -1]].tolist() == [pd.Timestamp("2019-06-01"),
                                                    pd.Timestamp("2019-10-28")]
    note = next(n for n in given.notes if n.issue.startswith("dates without a year"))
    assert note.rule == "read as 2019" and note.example == "'1-Jun' = 2019-06-01"
    assert describe_source(path, year=2019).year == 2019


def test_transposed_values_are_the_cells_of_the_row(folder: Path) -> None:
    export = EXPORTS["enodeb_daily_transposed"]
    lines = _file_text(export, folder, "utf-8")
    header = lines[1].split(",")
    row = next(line.split(",") for line in lines if line.startswith(export.series + ","))
    loaded = load_series(folder / export.filename, series=export.series, year=2019)
    first = header.index("1-Jun")
    assert loaded.values.iloc[0] == float(row[first])
    assert loaded.values.iloc[-1] == float(row[header.index("28-Oct")])
    assert "Grand Total" not in describe_source(folder / export.filename).series


def test_utf16_columns_keep_their_accents(folder: Path) -> None:
    export = EXPORTS["kpi_utf16_hourly"]
    path = folder / export.filename
    users = load_series(path, column="Utilisateurs")
    assert users.label == "Utilisateurs" and (users.values % 1 == 0).all()
    lines = _file_text(export, folder, "utf-16")
    first = lines[1].split("\t")
    assert users.values.iloc[0] == float(first[3])
    assert load_series(path, column="Débit UL (Mo)").values.iloc[0] == _eu_number(first[2])


def test_latin1_total_row_is_dropped_and_numbers_keep_their_decimals(folder: Path) -> None:
    export = EXPORTS["cell_daily_latin1"]
    path = folder / export.filename
    lines = _file_text(export, folder, "cp1252")
    assert lines[-1].startswith("Total;")
    last = next(line for line in lines if line.startswith("31/12/2019;")).split(";")
    volume = load_series(path)
    assert volume.values[pd.Timestamp("2019-12-31")] == _eu_number(last[1])
    latency = load_series(path, column="Latence moyenne (µs)")
    assert latency.values[pd.Timestamp("2019-12-31")] == _eu_number(last[2])
    assert latency.values.max() > 1000  # "1 234,5" with a non-breaking space


@pytest.mark.parametrize("group", ["\u00a0", " ", "\u202f"])
def test_decimal_comma_is_found_when_every_number_groups_thousands(tmp_path: Path,
                                                                    group: str) -> None:
    days = pd.date_range("2019-01-01", periods=30, freq="D")
    lines = ["Date;Volume (Go)", *(f"{d:%d/%m/%Y};1{group}{234 + i},5" for i, d in
                                   enumerate(days))]
    path = tmp_path / "grouped.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    loaded = load_series(path)
    assert loaded.values.iloc[[0, -1]].tolist() == [1234.5, 1263.5]
    assert dict(loaded.detected)["format"].endswith("decimal comma")


def test_a_few_repeated_rows_do_not_make_an_integer_kpi_a_series_id(tmp_path: Path) -> None:
    times = pd.date_range("2018-03-28", periods=100, freq="2min").strftime("%Y-%m-%d %H:%M:%S")
    rows = [f"{t},{10 + i % 7}.5,{20 + i % 9}" for i, t in enumerate(times)]
    path = tmp_path / "kpis.csv"
    path.write_text("\n".join(["time,volume,users", *rows, rows[50]]))
    info = describe_source(path)
    assert (info.layout, info.series, info.columns) == ("one series with 2 value columns", [],
                                                        ["volume", "users"])
    assert _counts(load_series(path).notes) == {"repeated_rows": 1}


# --- time zones: the repeated autumn hour -----------------------------------------------------

def _written_repeated_hour(folder: Path) -> list[float]:
    export = EXPORTS["cells_wide_eu"]
    hour = pd.Timestamp(export.truth["repeated_hour"])
    lines = [line.split(";") for line in _file_text(export, folder, "utf-8")]
    return [_eu_number(cells[1]) for cells in lines if cells[0] == f"{hour:%d.%m.%Y %H:%M}"]


def test_wall_clock_by_default_averages_the_repeated_hour(folder: Path) -> None:
    export = EXPORTS["cells_wide_eu"]
    loaded = _load(export, folder)
    first, second = _written_repeated_hour(folder)
    assert first != second
    hour = pd.Timestamp(export.truth["repeated_hour"])
    assert loaded.values[hour] == pytest.approx((first + second) / 2)
    note = next(n for n in loaded.notes if n.issue.startswith("timestamps given more than once"))
    assert note.rule == "averaged (2 rows)" and note.example == "cells_hourly_eu.csv, line 652"


def test_a_zone_keeps_both_repeated_hours(folder: Path) -> None:
    export = EXPORTS["cells_wide_eu"]
    loaded = _load(export, folder, tz=EU_ZONE)
    values = loaded.values
    assert loaded.tz == EU_ZONE and str(values.index.tz) == EU_ZONE
    assert len(values) == export.truth["points_in_zone"] and values.index.is_unique
    summer = pd.Timestamp("2018-10-28 02:00+02:00")
    winter = pd.Timestamp("2018-10-28 02:00+01:00")
    assert values[summer] == _written_repeated_hour(folder)[0]
    assert values[winter] == _written_repeated_hour(folder)[1]
    assert (np.diff(values.index) == pd.Timedelta("1h")).all()  # absolute time, no repeat
    counts = _counts(loaded.notes)
    assert "duplicate_times" not in counts
    assert counts == {k: v for k, v in _expected(export.truth).items() if k != "duplicate_times"}
    assert dict(loaded.detected)["time zone"] == f"{EU_ZONE} (chosen)"


def test_an_unknown_zone_is_refused(folder: Path) -> None:
    with pytest.raises(DataError, match=r"unknown time zone 'Europe/Berln'; use an IANA name"):
        _load(EXPORTS["cells_wide_eu"], folder, tz="Europe/Berln")


# --- refused ---------------------------------------------------------------------------------

BAD_MESSAGES = {
    "junk_cell": rf"kpi_junk\.csv, line {JUNK_LINE}: 'error' in column 'traffic' is not a "
                 r"number \(1 such cells",
    "transposed_stray_column": r"enodeb_daily_region\.csv: a transposed export \(one row per "
                               r"cell, one column per date\) but column 'Region' is neither a "
                               r"date nor a total; keep only the id column\(s\) and the date",
    "xlsx": r"cells\.xlsx: an Excel workbook \(\.xlsx\) or another zip archive, not a text "
            r"file; save the sheet as CSV",
}


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
def test_unreadable_exports_are_refused_naming_the_file_and_the_fix(tmp_path: Path,
                                                                   name: str) -> None:
    path = BAD_INPUTS[name](tmp_path)
    if name == "junk_cell":  # the column is offered; loading it names the cell
        assert describe_source(path).columns == ["traffic"]
    else:
        with pytest.raises(DataError, match=BAD_MESSAGES[name]):
            describe_source(path)
    with pytest.raises(DataError, match=BAD_MESSAGES[name]):
        load_series(path)


def test_too_short_is_refused_before_training_with_the_numbers(tmp_path: Path) -> None:
    path = write_too_short(tmp_path)
    loaded = load_series(path)
    assert len(loaded.values) == SHORT_POINTS
    numbers = (r"has 40 points \(40 h at a 1 h step\): too short for lookback 24 steps = 1 day "
               r"and horizon 1, which need at least 165 points .* the largest lookback that fits "
               r"is 5 steps = 5 h")
    with pytest.raises(ValueError, match=r"traffic \(short_hourly\.csv\) " + numbers):
        preflight(RunConfig(data=DataConfig(path=str(path)), window=WindowConfig(lookback=24)))
    with pytest.raises(ValueError, match=r"series 'traffic' " + numbers):
        make_windows(loaded.values, WindowConfig(lookback=24))


def test_a_constant_series_is_shown_but_refused_for_training(tmp_path: Path) -> None:
    path = write_constant(tmp_path)
    loaded = load_series(path)
    assert loaded.constant and _counts(loaded.notes) == {"constant": 14 * 24}
    with pytest.raises(DataError, match=r"traffic \(dead_cell_hourly\.csv\): the series is "
                                        r"constant \(every value is 0\): there is nothing"):
        preflight(RunConfig(data=DataConfig(path=str(path)), window=WindowConfig(lookback=24)))

"""Milan raw and aggregate readers, and the loader's dispatch: real extracts, synthetic raw
days, and unusable input."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.data import (
    DEFAULT_DATASET,
    DataError,
    describe_source,
    load_series,
    read_milan_aggregates,
    read_milan_raw,
    synthetic,
)
from importance.data.milan import ACTIVITIES, FILL_METHOD

ALL_ACTIVITIES = [*ACTIVITIES, "total"]


def _hand_sums(path: Path) -> tuple[dict[int, dict[str, float]], set[tuple[int, int]]]:
    """Per-square sums of every activity, and the (square, ms) pairs with rows, by csv."""
    sums: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pairs = set()
    with open(path, newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            square = int(row[0])
            pairs.add((square, int(row[1])))
            for name, text in zip(ACTIVITIES, row[3:], strict=True):
                value = float(text) if text else 0.0
                sums[square][name] += value
                sums[square]["total"] += value
    return sums, pairs


def _lines(path: Path, n: int = 20) -> list[str]:
    return path.read_text().splitlines()[:n]


def _edit(lines: list[str], row: int, field: int, text: str) -> list[str]:
    """Replace one tab-separated field of 0-based line `row`."""
    fields = lines[row].split("\t")
    fields[field] = text
    return [*lines[:row], "\t".join(fields), *lines[row + 1:]]


# --- real extracts -----------------------------------------------------------------------

def test_raw_sample_is_24_squares_by_144_slots(raw_sample: Path) -> None:
    frame = read_milan_raw(raw_sample)
    assert frame.shape == (144, 24)
    assert list(frame.columns) == sorted(frame.columns)
    assert all(isinstance(c, int | np.integer) for c in frame.columns)
    assert (frame.dtypes == "float64").all()
    assert frame.index.name == "time"
    assert str(frame.index.tz) == "Europe/Rome"
    assert frame.index[0] == pd.Timestamp("2014-01-01 00:00", tz="Europe/Rome")
    assert (np.diff(frame.index.asi8) == np.diff(frame.index.asi8)[0]).all()


@pytest.mark.parametrize("activity", ALL_ACTIVITIES)
def test_raw_sample_totals_match_hand_sums(raw_sample: Path, activity: str) -> None:
    sums, _ = _hand_sums(raw_sample)
    frame = read_milan_raw(raw_sample, activity=activity)
    assert frame.sum().to_dict() == pytest.approx(
        {square: s[activity] for square, s in sums.items()}, rel=1e-12, abs=1e-9)


def test_raw_sample_absent_pairs_are_zero_and_recorded(raw_sample: Path) -> None:
    _, pairs = _hand_sums(raw_sample)
    loaded = load_series(raw_sample, series="1018")
    assert loaded.series == "1018" and loaded.column == "internet"
    expected = [t for t in loaded.values.index
                if (1018, int(t.tz_convert("UTC").value // 10**6)) not in pairs]
    assert len(expected) > 0
    assert list(loaded.filled) == expected
    assert (loaded.values[loaded.filled] == 0).all()
    assert loaded.fill_method == FILL_METHOD


def test_raw_sample_squares_filter(raw_sample: Path) -> None:
    frame = read_milan_raw(raw_sample, squares=["10", 1])
    assert list(frame.columns) == [1, 10]


def test_internet_total_is_6_squares_and_matches_the_doc(internet_total: Path) -> None:
    frame = read_milan_aggregates(internet_total)
    assert frame.shape == (144, 6)
    assert list(frame.columns) == [4259, 4456, 4703, 5060, 5085, 5200]
    assert frame[5060].mean() == pytest.approx(554, abs=1)
    assert frame.index[0] == pd.Timestamp("2013-11-01 00:00", tz="Europe/Rome")


def test_internet_total_through_the_loader(internet_total: Path) -> None:
    info = describe_source(internet_total)
    assert info.kind == "milan_aggregates"
    assert info.columns == ["internet_total"]
    assert info.default_series == "5060" and info.default_column == "internet_total"
    assert info.labels == {"4259": "Bocconi", "4456": "Navigli", "5060": "Duomo"}
    loaded = load_series(internet_total)
    assert loaded.label == "square 5060 (Duomo) · internet_total"
    assert loaded.values.name == "internet_total" and len(loaded.values) == 144
    assert loaded.freq == pd.Timedelta(minutes=10) and len(loaded.filled) == 0


# --- synthetic raw days ------------------------------------------------------------------

def test_several_raw_days_make_one_grid(tmp_path: Path) -> None:
    days = [dt.date(2013, 11, 4), dt.date(2013, 11, 5)]
    paths = [synthetic.write_raw_day(tmp_path / f"{d}.txt", d, squares=[5060, 1001])
             for d in days]
    both = read_milan_raw(paths)
    assert both.shape == (288, 2)
    pd.testing.assert_frame_equal(both, pd.concat([read_milan_raw(p) for p in paths]),
                                  check_freq=False)


def test_a_missing_day_between_files_is_absent(tmp_path: Path) -> None:
    days = [dt.date(2013, 11, 4), dt.date(2013, 11, 6)]
    paths = [synthetic.write_raw_day(tmp_path / f"{d}.txt", d, squares=[5060]) for d in days]
    loaded = load_series(paths)
    assert len(loaded.values) == 3 * 144
    assert loaded.filled.equals(loaded.values.index[144:288])
    assert (loaded.values.iloc[144:288] == 0).all()


def test_overlapping_raw_files_are_rejected(raw_christmas: Path, tmp_path: Path) -> None:
    copy = shutil.copy(raw_christmas, tmp_path / "again.txt")
    with pytest.raises(DataError, match=r"square 1001 at 2013-12-25 .* more than one file"):
        read_milan_raw([raw_christmas, copy])


def test_content_decides_the_kind_not_the_name(raw_christmas: Path, tmp_path: Path) -> None:
    raw = shutil.copy(raw_christmas, tmp_path / "upload.csv")
    aggregates = shutil.copy(DEFAULT_DATASET, tmp_path / "upload.txt")
    assert describe_source(raw).kind == "milan_raw"
    assert describe_source(aggregates).kind == "milan_aggregates"
    assert describe_source(aggregates).labels["5060"] == "Duomo"


def test_several_files_must_be_of_one_kind(raw_christmas: Path) -> None:
    with pytest.raises(DataError, match=r"these files cannot be combined: sms-call-internet-mi-"
                                        r"2013-12-25\.txt \(raw Milan day\), milan_synthetic\.csv"
                                        r"\.gz \(Milan aggregates\)"):
        load_series([raw_christmas, DEFAULT_DATASET])


# --- unusable input ----------------------------------------------------------------------

def test_raw_wrong_field_count(raw_christmas: Path, write) -> None:
    lines = _lines(raw_christmas)
    lines[4] = "\t".join(lines[4].split("\t")[:7])
    path = write("day.txt", "\n".join(lines))
    with pytest.raises(DataError, match=r"day\.txt: line 5: expected 8 tab-separated fields "
                                        r"\(square_id, .*\), found 7"):
        read_milan_raw(path)


@pytest.mark.parametrize(("field", "text", "message"), [
    (0, "abc", r"line 3: column square_id: 'abc' is not an integer"),
    (1, "2013-12-25 00:00", r"line 3: column time_interval: '2013-12-25 00:00' is not an int"),
    (7, "n/a", r"line 3: column internet: 'n/a' is not a number"),
    (6, "NaN", r"line 3: column call_out: nan is not a finite number"),
    (1, "1387926000001", r"line 3: column time_interval: 1387926000001 is not the start of a "
                         r"10-minute slot"),
    (0, "", r"line 3: column square_id is empty"),
])
def test_raw_bad_field(raw_christmas: Path, write, field: int, text: str, message: str) -> None:
    path = write("day.txt", "\n".join(_edit(_lines(raw_christmas), 2, field, text)))
    with pytest.raises(DataError, match=message):
        read_milan_raw(path, activity="total")


@pytest.mark.parametrize("name", ["empty.txt", "blank.csv"])
def test_empty_file(write, name: str) -> None:
    path = write(name, "" if name == "empty.txt" else "\n  \n")
    with pytest.raises(DataError, match=rf"{name}: the file is empty"):
        read_milan_raw(path)
    with pytest.raises(DataError, match=rf"{name}: the file is empty"):
        load_series(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere\.csv: no such file"):
        load_series(tmp_path / "nowhere.csv")


def test_unknown_activity(raw_christmas: Path) -> None:
    with pytest.raises(DataError, match=r"unknown activity 'bytes'; allowed: sms_in, sms_out, "
                                        r"call_in, call_out, internet, total"):
        read_milan_raw(raw_christmas, activity="bytes")
    with pytest.raises(DataError, match=r"unknown activity 'bytes'; allowed: .*internet, total"):
        load_series(column="bytes")


def test_unknown_square(raw_christmas: Path) -> None:
    with pytest.raises(DataError, match=r"unknown square 42; the data has squares 1001, 2100, "
                                        r"3901, 4259, 4456, 5060, 6800, 8170, 9957"):
        read_milan_raw(raw_christmas, squares=[5060, 42])
    with pytest.raises(DataError, match=r"unknown square Duomo; the data has squares 1001"):
        load_series(series="Duomo")


AGGREGATES_HEADER = "square_id,time_interval,internet\n"


@pytest.mark.parametrize(("text", "message"), [
    (AGGREGATES_HEADER, r"agg\.csv: a header but no data rows"),
    ("square,time,internet\n1,1383260400000,2.0\n",
     r"agg\.csv: line 1: expected a header starting square_id,time_interval"),
    ("square_id,time_interval\n1,1383260400000\n",
     r"agg\.csv: line 1: no value column after square_id,time_interval"),
    (AGGREGATES_HEADER + "5060,1383260400000,2.0\n4259,1383260400000,1.0\n"
     "5060,1383260400000,3.0\n",
     r"agg\.csv: square 5060 at time_interval 1383260400000 is on lines 2, 4"),
    (AGGREGATES_HEADER + "5060,1383260400000,2.0\n5060,1383261000000\n",
     r"agg\.csv: line 3: expected 3 ','-separated fields \(square_id, time_interval, "
     r"internet\), found 2"),
    (AGGREGATES_HEADER + "5060,1383260400000,2.0\n5060,1383261000000,lots\n",
     r"agg\.csv: line 3: column internet: 'lots' is not a number"),
])
def test_aggregates_bad_input(write, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_milan_aggregates(write("agg.csv", text))


def test_aggregates_absent_slots_are_zero(write) -> None:
    path = write("agg.csv", AGGREGATES_HEADER + "5060,1383260400000,2.0\n5060,1383261600000,"
                 "\n5060,1383262200000,4.0\n")
    loaded = load_series(path)
    assert loaded.values.tolist() == [2.0, 0.0, 0.0, 4.0]
    assert loaded.filled.equals(loaded.values.index[[1]])  # empty field = 0, not absent

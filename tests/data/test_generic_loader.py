"""Generic CSV/Parquet series: timestamp forms, gap and NaN filling, long format, and
messages for unusable input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.data import DataError, describe_source, load_series
from importance.data.generic import FILL_METHOD

HOURS = pd.date_range("2017-10-23", periods=30, freq="h")
UTC_HOURS = HOURS.tz_localize("UTC")


def _csv(tmp_path: Path, frame: pd.DataFrame, name: str = "series.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _hourly(times: list | pd.Index, name: str = "time") -> pd.DataFrame:
    return pd.DataFrame({name: times, "load": np.arange(float(len(times)))})


@pytest.mark.parametrize(("times", "first"), [
    (HOURS.strftime("%Y-%m-%d %H:%M:%S"), HOURS[0]),
    (HOURS.strftime("%Y-%m-%dT%H:%M"), HOURS[0]),
    (HOURS.strftime("%Y-%m-%dT%H:%M:%S+01:00"), pd.Timestamp("2017-10-23 00:00+01:00")),
    (HOURS.strftime("%Y-%m-%dT%H:%M:%SZ"), UTC_HOURS[0]),
    (HOURS.strftime("%m/%d/%Y %-H:%M"), HOURS[0]),  # 10/23/2017 0:00
    (UTC_HOURS.asi8 // 10**6, UTC_HOURS[0]),  # epoch seconds (datetime64[us])
    (UTC_HOURS.asi8 // 10**3, UTC_HOURS[0]),  # epoch milliseconds
], ids=["iso-space", "iso-T", "iso-offset", "iso-Z", "us-short", "epoch-s", "epoch-ms"])
def test_timestamp_forms(tmp_path: Path, times: pd.Index, first: pd.Timestamp) -> None:
    loaded = load_series(_csv(tmp_path, _hourly(list(times))))
    assert loaded.values.index[0] == first
    assert loaded.values.index.name == "time"
    assert loaded.freq == pd.Timedelta(hours=1)
    assert len(loaded.values) == 30 and len(loaded.filled) == 0
    assert loaded.values.tolist() == list(range(30))


def test_mixed_utc_offsets_keep_the_local_clock_in_a_zone_that_fits(tmp_path: Path) -> None:
    local = pd.date_range("2013-10-27", periods=30, freq="h", tz="Europe/Rome")  # DST ends
    loaded = load_series(_csv(tmp_path, _hourly(local.strftime("%Y-%m-%dT%H:%M:%S%z"))))
    assert str(loaded.values.index.tz) == "Europe/Amsterdam"  # Rome's rules; said as a fit
    assert loaded.values.index.equals(local.tz_convert("Europe/Amsterdam").rename("time"))
    assert (loaded.values.index.hour == local.hour).all()


def test_time_column_is_found_by_name_or_by_parsing(tmp_path: Path) -> None:
    frame = _hourly(HOURS.strftime("%Y-%m-%d %H:%M"), name="when").assign(ds=range(30))
    frame = frame[["load", "when", "ds"]].rename(columns={"ds": "count"})
    loaded = load_series(_csv(tmp_path, frame))
    assert loaded.values.index[0] == HOURS[0]
    assert loaded.column == "load"
    by_name = load_series(_csv(tmp_path, frame.rename(columns={"when": "Timestamp"})))
    assert by_name.values.index[0] == HOURS[0]


def test_time_column_given(tmp_path: Path) -> None:
    frame = _hourly(HOURS.strftime("%Y-%m-%d %H:%M"), name="start").assign(
        end=(HOURS + pd.Timedelta("1h")).strftime("%Y-%m-%d %H:%M"))
    loaded = load_series(_csv(tmp_path, frame), time_column="end")
    assert loaded.values.index[0] == HOURS[1]


def test_value_column_default_and_pick(tmp_path: Path) -> None:
    frame = pd.DataFrame({"sensor_id": 7, "time": HOURS, "load": np.arange(30.0),
                          "temp": np.arange(30.0) / 2})
    path = _csv(tmp_path, frame)
    info = describe_source(path)
    assert (info.kind, info.series, info.columns) == ("generic", [], ["load", "temp"])
    assert info.default_column == "load" and info.default_series is None
    assert load_series(path).column == "load"
    picked = load_series(path, column="temp")
    assert picked.values.name == "temp" and picked.label == "temp"
    assert picked.values.iloc[-1] == 14.5


def test_gaps_and_nans_are_filled_linearly_and_recorded(tmp_path: Path) -> None:
    frame = _hourly(HOURS)
    frame.loc[5, "load"] = np.nan
    frame = frame.drop(index=[10, 11]).sample(frac=1, random_state=0)  # unsorted input
    loaded = load_series(_csv(tmp_path, frame))
    assert list(loaded.filled) == [HOURS[5], HOURS[10], HOURS[11]]
    assert loaded.values.tolist() == list(range(30))
    assert loaded.values.index.equals(HOURS.rename("time"))
    assert loaded.fill_method == FILL_METHOD and "linear" in loaded.fill_method
    assert loaded.values.dtype == "float64" and not loaded.values.isna().any()


def test_leading_nan_takes_the_nearest_value(tmp_path: Path) -> None:
    frame = _hourly(HOURS)
    frame.loc[0, "load"] = np.nan
    loaded = load_series(_csv(tmp_path, frame))
    assert loaded.values.iloc[0] == 1.0 and list(loaded.filled) == [HOURS[0]]


def test_long_format_picks_one_series(tmp_path: Path) -> None:
    frame = pd.concat([_hourly(HOURS).assign(store=s, load=np.arange(30.0) * k)
                       for s, k in [(12, 1), (3, 2)]])
    path = _csv(tmp_path, frame)
    info = describe_source(path)
    assert info.series == ["3", "12"] and info.default_series == "3"
    assert info.columns == ["load"]
    default = load_series(path)
    assert default.series == "3" and default.values.iloc[-1] == 58
    picked = load_series(path, series="12", series_column="store")
    assert picked.series == "12" and picked.values.iloc[-1] == 29
    assert picked.label == "store 12 · load"
    with pytest.raises(DataError, match=r"unknown series '7' in column 'store'; it has 2: 3, 12"):
        load_series(path, series="7")


def test_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ds": HOURS.tz_localize("Europe/Rome"), "y": np.arange(30.0)})
    path = tmp_path / "upload.parquet"
    frame.to_parquet(path)
    loaded = load_series(path)
    assert loaded.values.index[0] == pd.Timestamp("2017-10-23", tz="Europe/Rome")
    assert loaded.column == "y" and len(loaded.values) == 30


def test_parquet_with_a_time_index_and_long_format(tmp_path: Path) -> None:
    frame = pd.concat([pd.DataFrame({"cell": c, "y": np.arange(30.0) + c},
                                    index=pd.Index(HOURS, name="time")) for c in (1, 2)])
    path = tmp_path / "long.parquet"
    frame.to_parquet(path)
    assert describe_source(path).series == ["1", "2"]
    loaded = load_series(path, series="2")
    assert loaded.values.index.equals(HOURS.rename("time")) and loaded.values.iloc[0] == 2


def test_unreadable_parquet(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match=r"broken\.parquet: unreadable Parquet file"):
        load_series(path)


@pytest.mark.parametrize("name", ["upload.tsv", "upload.txt"])
def test_tab_separated_and_any_text_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _hourly(HOURS).to_csv(path, sep="\t", index=False)
    assert describe_source(path).kind == "generic"
    assert load_series(path).values.tolist() == list(range(30))


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv.gz"
    path.write_bytes(gzip.compress(_hourly(HOURS).to_csv(index=False).encode()))
    assert load_series(path).values.tolist() == list(range(30))


# --- unusable input ----------------------------------------------------------------------

def test_missing_columns_name_what_exists(tmp_path: Path) -> None:
    path = _csv(tmp_path, _hourly(HOURS))
    with pytest.raises(DataError, match=r"series\.csv: no time column 'when'; the columns are: "
                                        r"time, load"):
        load_series(path, time_column="when")
    with pytest.raises(DataError, match=r"no value column 'bytes'; the columns are: time, load"):
        load_series(path, column="bytes")
    with pytest.raises(DataError, match=r"no series column 'cell'; the columns are: time, load"):
        load_series(path, series_column="cell")


def test_unparseable_timestamp(tmp_path: Path) -> None:
    times = list(HOURS.strftime("%Y-%m-%d %H:%M"))
    times[2] = "yesterday"
    with pytest.raises(DataError, match=r"column 'time', line 4: 'yesterday' is not a timestamp"):
        load_series(_csv(tmp_path, _hourly(times)))


def test_empty_timestamp(tmp_path: Path) -> None:
    times = list(HOURS.strftime("%Y-%m-%d %H:%M"))
    times[6] = None
    with pytest.raises(DataError, match=r"column 'time', line 8: the empty value is not a "
                                        r"timestamp"):
        load_series(_csv(tmp_path, _hourly(times)))


def test_numbers_that_are_not_epochs(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"column 'time', line 2: 0 is neither epoch "
                                        r"seconds nor milliseconds"):
        load_series(_csv(tmp_path, _hourly(range(30))))


def test_no_timestamp_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["x"] * 30, "b": np.arange(30.0)})
    with pytest.raises(DataError, match=r"no timestamp column: none is named "
                                        r"time/timestamp/date/datetime/ds .*columns: a, b"):
        load_series(_csv(tmp_path, frame))


def test_empty_and_header_only(write) -> None:
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty"):
        load_series(write("empty.csv", ""))
    with pytest.raises(DataError, match=r"header\.csv: no data rows \(columns: time, load\)"):
        load_series(write("header.csv", "time,load\n"))


def test_all_nan_column(tmp_path: Path) -> None:
    frame = _hourly(HOURS).assign(load=np.nan, other=1.0)
    with pytest.raises(DataError, match=r"column 'load' has no values \(all empty or NaN\)"):
        load_series(_csv(tmp_path, frame), column="load")


def test_non_numeric_value_column(tmp_path: Path) -> None:
    frame = _hourly(HOURS).assign(level=["low"] * 30)
    frame.loc[0, "level"] = "3.5"
    with pytest.raises(DataError, match=r"series\.csv, line 3: 'low' in column 'level' is not a "
                                        r"number \(29 such cells; empty cells and markers such "
                                        r"as n/a"):
        load_series(_csv(tmp_path, frame), column="level")


def test_conflicting_duplicate_timestamps_are_averaged_and_reported(tmp_path: Path) -> None:
    times = [*HOURS.strftime("%Y-%m-%d %H:%M"), "2017-10-23 05:00"]
    frame = pd.DataFrame({"time": times, "load": [*np.arange(30.0), 7.0]})
    loaded = load_series(_csv(tmp_path, frame))
    assert len(loaded.values) == 30 and loaded.values[HOURS[5]] == 6.0  # mean of 5 and 7
    (note,) = loaded.notes
    assert note.count == 1 and note.rule == "averaged (2 rows)"
    assert note.example == "series.csv, line 7"


def test_exact_repeated_rows_are_dropped(tmp_path: Path) -> None:
    frame = pd.concat([_hourly(HOURS), _hourly(HOURS)[3:6]])
    loaded = load_series(_csv(tmp_path, frame))
    assert loaded.values.tolist() == list(range(30))
    (note,) = loaded.notes
    assert (note.issue, note.count, note.rule) == ("rows repeating an earlier row exactly", 3,
                                                   "dropped")
    assert note.example == "series.csv, line 32"


def test_duplicate_timestamps_within_a_series(tmp_path: Path) -> None:
    frame = pd.concat([_hourly(HOURS).assign(id="a"), _hourly(HOURS[:12]).assign(id="b"),
                       _hourly(HOURS[11:12]).assign(id="b", load=20.0)])
    loaded = load_series(_csv(tmp_path, frame), series="b")
    assert loaded.values[HOURS[11]] == 15.5
    assert [n.rule for n in loaded.notes] == ["averaged (2 rows)"]


def test_timestamps_repeating_everywhere_are_refused_as_a_layout_problem(tmp_path: Path) -> None:
    frame = pd.concat([_hourly(HOURS).assign(load=np.arange(30.0) * k) for k in (1, 2, 3)])
    with pytest.raises(DataError, match=r"series\.csv: 87 of 88 rows share their timestamp .* "
                                        r"looks like long format .* without its id column"):
        load_series(_csv(tmp_path, frame))


def test_too_few_rows(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"only 9 rows; at least 10 are needed"):
        load_series(_csv(tmp_path, _hourly(HOURS)[:9]))


def test_irregular_timestamps(tmp_path: Path) -> None:
    times = list(HOURS)
    times[4] += pd.Timedelta("15min")  # a quarter of the step: more than polling jitter
    with pytest.raises(DataError, match=r"irregular timestamps: 2017-10-23 04:15:00 \(series\.csv, "
                                        r"line 6\) is not on the 01:00:00 grid"):
        load_series(_csv(tmp_path, _hourly(times)))
    times[4] = HOURS[4] + pd.Timedelta("7min")  # within a fifth of the step: jitter, snapped
    loaded = load_series(_csv(tmp_path, _hourly(times)))
    assert loaded.values.index.equals(pd.DatetimeIndex(HOURS, name="time"))
    assert any("jittered around a 1 h step" in n.issue for n in loaded.notes)

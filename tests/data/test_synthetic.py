"""The synthetic Milan-like default: shape, determinism, the committed file, statistics
against MILAN_FORMAT.md, and the raw-layout writer."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.data import DEFAULT_DATASET, describe_source, load_series, read_milan_raw
from importance.data import synthetic as syn
from importance.data.embedded import SQUARE_NAMES
from importance.data.milan import ACTIVITIES, FILL_METHOD, milan_raw_grid

N_SLOTS = 62 * 144


@pytest.fixture(scope="module")
def internet() -> pd.DataFrame:
    """Internet per square (columns) and slot, through the loader."""
    return pd.DataFrame({s: load_series(series=str(s)).values for s in syn.SQUARES})


def _kinds(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of ordinary weekdays, ordinary weekend days and holidays."""
    holiday = np.isin(index.date, list(syn.HOLIDAYS))
    weekend = (index.day_of_week >= 5) & ~holiday
    return (index.day_of_week < 5) & ~holiday, weekend, holiday


def test_shape_and_columns(default_frame: pd.DataFrame) -> None:
    assert list(default_frame.columns) == ["square_id", "time_interval", *ACTIVITIES]
    assert default_frame["square_id"].dtype == "int64"
    assert default_frame["time_interval"].dtype == "int64"
    assert sorted(default_frame["square_id"].unique()) == list(syn.SQUARES)
    assert default_frame["time_interval"].min() == 1_383_260_400_000
    assert default_frame["time_interval"].max() == 1_383_260_400_000 + (N_SLOTS - 1) * 600_000
    absent = len(syn.SQUARES) * N_SLOTS - len(default_frame)
    assert 0 < absent < 0.001 * len(syn.SQUARES) * N_SLOTS  # real data: 0.04 %
    assert (default_frame[list(ACTIVITIES)] >= 0).all().all()
    sums = default_frame[list(ACTIVITIES)].sum()
    assert sums.idxmax() == "internet" and (sums / sums["internet"]).drop("internet").lt(0.2).all()


def test_named_squares() -> None:
    assert syn.SQUARES == tuple(sorted(SQUARE_NAMES))  # every generated square has its name
    assert {5060: "Duomo", 4259: "Bocconi", 4456: "Navigli"}.items() <= SQUARE_NAMES.items()
    periphery = {s: n for s, n in SQUARE_NAMES.items() if n.startswith("periphery")}
    assert 5 <= len(periphery) <= 6
    assert all(name == f"periphery {square}" for square, name in periphery.items())


def test_deterministic(default_frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(syn.generate_default(), default_frame)
    assert not syn.generate_default(seed=1).equals(default_frame)


def test_committed_file_is_the_generated_one() -> None:
    assert DEFAULT_DATASET.stat().st_size < 5_000_000
    assert gzip.decompress(DEFAULT_DATASET.read_bytes()) == syn.default_csv()


def test_write_default_is_byte_identical(tmp_path: Path) -> None:
    first = syn.write_default(tmp_path / "a.csv.gz").read_bytes()
    assert syn.write_default(tmp_path / "b.csv.gz").read_bytes() == first
    assert first[4:8] == b"\0\0\0\0"  # gzip mtime 0


def test_default_through_the_loader() -> None:
    info = describe_source()
    assert info.kind == "milan_aggregates"
    assert info.series == [str(s) for s in syn.SQUARES]
    assert info.columns == [*ACTIVITIES, "total"]
    assert (info.default_series, info.default_column) == ("5060", "internet")
    assert info.labels["5060"] == "Duomo" and info.labels["1001"] == "periphery 1001"
    loaded = load_series()
    assert loaded.label == "square 5060 (Duomo) · internet"
    assert loaded.source == "embedded default" and loaded.series == "5060"
    assert len(loaded.values) == N_SLOTS and loaded.values.index.name == "time"
    assert loaded.values.index[0] == pd.Timestamp("2013-11-01 00:00", tz="Europe/Rome")
    assert loaded.values.index[-1] == pd.Timestamp("2014-01-01 23:50", tz="Europe/Rome")
    assert loaded.freq == pd.Timedelta(minutes=10) and loaded.fill_method == FILL_METHOD


def test_absent_pairs_are_filled_with_zero(default_frame: pd.DataFrame) -> None:
    total = load_series(series="1001", column="total")
    rows = default_frame[default_frame["square_id"] == 1001]
    assert len(total.filled) == N_SLOTS - len(rows) > 0
    assert (total.values[total.filled] == 0).all()
    summed = rows[list(ACTIVITIES)].sum(axis=1).to_numpy()
    assert total.values.drop(total.filled).to_numpy() == pytest.approx(summed)


def test_levels(internet: pd.DataFrame) -> None:
    means = internet.mean()
    assert 550 <= means[5060] <= 1400
    assert means[4456] > means[4259] > 100
    periphery = [s for s, n in SQUARE_NAMES.items() if n.startswith("periphery")]
    assert means[periphery].between(3, 30).all()
    nov_1 = internet.loc["2013-11-01"]
    assert nov_1[5060].mean() == pytest.approx(554, rel=0.25)  # the real 1 Nov: 554


def test_weekday_hourly_profile_matches_the_doc(internet: pd.DataFrame) -> None:
    weekday, _, _ = _kinds(internet.index)
    for square in (5060, 4259):
        x = internet.loc[weekday, square]
        hourly = x.groupby(x.index.hour).mean()
        assert np.corrcoef(hourly, syn.WEEKDAY_PROFILE)[0, 1] > 0.9
        assert 3 <= hourly.idxmin() <= 5  # night trough at about 03-05


def test_weekend_ratios(internet: pd.DataFrame) -> None:
    weekday, weekend, _ = _kinds(internet.index)
    ratio = internet[weekend].mean() / internet[weekday].mean()
    assert ratio[4259] < 0.6  # business
    assert ratio[4456] > 1.05  # nightlife


def test_autocorrelation(internet: pd.DataFrame) -> None:
    duomo = internet[5060]
    assert duomo.autocorr(1) > 0.95
    assert duomo.autocorr(144) > 0.7


def test_holidays_are_lower_with_more_zeros(internet: pd.DataFrame,
                                            default_frame: pd.DataFrame) -> None:
    weekday, _, holiday = _kinds(internet.index)
    total = internet.sum(axis=1)
    assert total[holiday].mean() < 0.9 * total[weekday].mean()
    time = pd.to_datetime(default_frame["time_interval"], unit="ms", utc=True)
    day = time.dt.tz_convert("Europe/Rome").dt.date
    zeros = (default_frame[list(ACTIVITIES)] == 0).sum(axis=1).groupby(day).sum()
    absent = len(syn.SQUARES) * 144 - day.value_counts()
    zeros_per_day = zeros + len(ACTIVITIES) * absent.reindex(zeros.index)
    on_holidays = zeros_per_day.index.isin(syn.HOLIDAYS)
    assert zeros_per_day[on_holidays].mean() > 1.5 * zeros_per_day[~on_holidays].mean()


def test_raw_day_round_trip_equals_the_aggregates(raw_christmas: Path,
                                                  default_frame: pd.DataFrame) -> None:
    start = 1_383_260_400_000 + 54 * 144 * 600_000  # 2013-12-25 00:00 local
    day = default_frame[default_frame["time_interval"].between(start, start + 143 * 600_000)]
    for activity in [*ACTIVITIES, "total"]:
        values = day[list(ACTIVITIES)].sum(axis=1) if activity == "total" else day[activity]
        expected = (day.assign(v=values)
                    .pivot(index="time_interval", columns="square_id", values="v")
                    .reindex(start + 600_000 * np.arange(144)).fillna(0.0))
        grid = milan_raw_grid(raw_christmas, activity=activity)
        np.testing.assert_allclose(grid.values.to_numpy(), expected.to_numpy(), rtol=1e-9,
                                   atol=1e-12)
    assert grid.absent.to_numpy().sum() == 144 * len(syn.SQUARES) - len(day)


def test_raw_day_layout(raw_christmas: Path) -> None:
    rows = [line.split("\t") for line in raw_christmas.read_text().splitlines()]
    assert {len(r) for r in rows} == {8}
    keys = [(r[0], int(r[1]), r[2]) for r in rows]
    assert keys == sorted(keys)  # square as text, then time, then country code as text
    codes = {int(r[2]) for r in rows}
    assert 39 in codes and codes <= set(syn.COUNTRY_CODES.tolist())
    assert len(syn.COUNTRY_CODES) == len(set(syn.COUNTRY_CODES.tolist())) == 86
    assert all(any(field for field in r[3:]) for r in rows)  # no row without activity
    assert any(field == "" for r in rows for field in r[3:])  # empty field = no activity
    pairs = {(r[0], r[1]) for r in rows}
    assert 2.8 < len(rows) / len(pairs) < 3.8


def test_raw_day_of_any_squares_is_consistent(tmp_path: Path) -> None:
    date = dt.date(2013, 11, 5)
    alone = read_milan_raw(syn.write_raw_day(tmp_path / "alone.txt", date, squares=[5060]))
    many = read_milan_raw(syn.write_raw_day(tmp_path / "many.txt", date,
                                            squares=[5060, 77, 10000]))
    assert list(many.columns) == [77, 5060, 10000]
    np.testing.assert_allclose(many[5060], alone[5060], rtol=1e-12)


def test_raw_day_outside_the_window(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the synthetic window"):
        syn.write_raw_day(tmp_path / "x.txt", dt.date(2014, 1, 2))

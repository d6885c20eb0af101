"""Public holidays: flags by local date, country codes, and the feature in windows and memory."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from importance.config import WindowConfig
from importance.data import holidays as hol
from importance.data.holidays import country_name, holiday_dates, holiday_flags
from importance.data.windows import make_windows
from importance.runs import memory
from tests.conftest import make_series


def _days(*dates: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Timestamp(d) + pd.Timedelta(hours=12) for d in dates])


def test_known_italian_holidays_are_flagged_and_ordinary_days_are_not():
    idx = _days("2013-12-25", "2013-11-01", "2014-04-21", "2024-04-01",  # Easter Mondays
                "2013-12-27", "2013-11-05", "2014-04-22", "2024-04-02")
    assert holiday_flags(idx, "ITA").tolist() == [1.0] * 4 + [0.0] * 4


def test_alpha2_alpha3_and_case_give_the_same_flags():
    idx = pd.date_range("2013-12-20", "2014-01-10", freq="h")
    ita = holiday_flags(idx, "ITA")
    assert ita.sum() == 24 * 4  # 25, 26 Dec, 1 and 6 Jan
    np.testing.assert_array_equal(holiday_flags(idx, "IT"), ita)
    np.testing.assert_array_equal(holiday_flags(idx, " ita "), ita)
    assert country_name("ITA") == country_name("it") == "Italy"
    assert country_name("USA") == "United States"


def test_an_unknown_code_is_named_with_how_to_list_the_supported_ones():
    with pytest.raises(ValueError, match=r"country 'XYZ'.*list_supported_countries"):
        holiday_flags(_days("2013-12-25"), "XYZ")
    with pytest.raises(ValueError, match="'Italy'"):
        holiday_dates(_days("2013-12-25"), "Italy")


def test_an_aware_index_uses_its_local_date():
    # 23:30 UTC is 00:30 the next day in Rome (UTC+1 in winter)
    utc = pd.DatetimeIndex(["2013-12-24 22:30", "2013-12-24 23:30", "2013-12-26 22:30",
                            "2013-12-26 23:30"]).tz_localize("UTC")
    assert holiday_flags(utc, "ITA").tolist() == [0.0, 0.0, 1.0, 1.0]  # by the UTC date
    assert holiday_flags(utc.tz_convert("Europe/Rome"), "ITA").tolist() == [0.0, 1.0, 1.0, 0.0]


def test_holiday_dates_lie_in_the_span_with_their_names():
    idx = pd.date_range("2013-12-24", "2014-01-01 23:50", freq="10min", tz="Europe/Rome")
    assert holiday_dates(idx, "ITA") == [(dt.date(2013, 12, 25), "Christmas Day"),
                                         (dt.date(2013, 12, 26), "Saint Stephen's Day"),
                                         (dt.date(2014, 1, 1), "New Year's Day")]
    assert holiday_dates(idx[:0], "ITA") == [] and holiday_flags(idx[:0], "ITA").shape == (0,)


def test_the_table_is_cached_per_country_and_years():
    idx = pd.date_range("2031-03-01", "2031-05-01", freq="D")
    hol._table.cache_clear()
    first = holiday_flags(idx, "ITA")
    second = holiday_flags(idx, "IT")
    info = hol._table.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    np.testing.assert_array_equal(first, second)


def _christmas(freq: str, periods: int) -> pd.Series:
    idx = pd.date_range("2013-11-15", periods=periods, freq=freq, tz="Europe/Rome")
    return pd.Series(np.linspace(1, 2, periods), index=idx, name="load")


def test_make_windows_adds_the_holiday_column_last():
    s = make_series(days=60)  # 4 Nov 2013 - 2 Jan 2014: 8, 25, 26 Dec and 1 Jan
    ws = make_windows(s, WindowConfig(lookback=12))
    assert ws.feature_names == ("value", "hour_sin", "hour_cos", "dow_sin", "dow_cos", "holiday")
    flags = holiday_flags(s.index, "ITA")
    inputs = ws.test.start[:, None] + np.arange(-12, 0)
    np.testing.assert_array_equal(ws.test.x[:, :, 5], flags[inputs])
    assert ws.test.x[:, :, 5].max() == 1 and ws.train.x[:, :, 5].max() == 1  # 8 Dec in train
    without = make_windows(s, WindowConfig(lookback=12, holidays=None))
    assert without.feature_names == ws.feature_names[:-1]
    np.testing.assert_array_equal(without.test.x, ws.test.x[:, :, :5])
    assert make_windows(s, WindowConfig(lookback=12, calendar=False,
                                        holidays="ITA")).feature_names == ("value",)


@pytest.mark.parametrize("freq, periods, names", [
    ("D", 120, ("value", "dow_sin", "dow_cos", "holiday")),
    ("7D", 120, ("value",)),  # weekly: no calendar column, no holiday flag
])
def test_the_holiday_flag_follows_the_step(freq, periods, names):
    ws = make_windows(_christmas(freq, periods), WindowConfig(lookback=4))
    assert ws.feature_names == names


@pytest.mark.parametrize("cfg", [WindowConfig(lookback=4), WindowConfig(lookback=4, holidays=None),
                                 WindowConfig(lookback=4, holidays="FR"),
                                 WindowConfig(lookback=4, calendar=False)])
@pytest.mark.parametrize("freq, periods", [("10min", 2000), ("h", 2000), ("D", 120), ("7D", 120)])
def test_memory_counts_the_features_make_windows_makes(cfg, freq, periods):
    s = _christmas(freq, periods)
    assert memory.n_features(pd.DatetimeIndex(s.index), cfg) == make_windows(s, cfg).n_features

"""importance.form_state: the Train form's fields follow the data (each change said, a value
set by hand kept only while it fits), and which uploads make the dataset."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from importance.data.holidays import zone_country
from importance.form_state import (
    COMBINE,
    REPLACE,
    SeriesShape,
    UploadPicks,
    data_defaults,
    field_bounds,
    follow_data,
    step_adjective,
    unused_words,
    upload_refusal,
)
from importance.launch import LaunchForm

TEN_MIN, HOUR, DAY = pd.Timedelta(minutes=10), pd.Timedelta(hours=1), pd.Timedelta(days=1)
BASE = LaunchForm.defaults()  # lookback 144 (10-minute steps), horizon 1, batch 64, ITA
HOURLY = SeriesShape(points=1440, step=HOUR)
BEFORE = {"horizon": 1, "lookback": 144, "batch_size": 64, "country": "ITA"}  # 10-minute data


def _follow(now: dict, shape: SeriesShape = HOURLY, lookback: int = 168, country: str = "ITA",
            batch_limit: int = 4096, lookback_limit: int = 2000, before=BEFORE):
    defaults = replace(BASE, lookback=lookback, country=country)
    return follow_data(defaults, shape, field_bounds(defaults, batch_limit, lookback_limit),
                       now, before)


def test_steps_read_as_adjectives():
    assert [step_adjective(s) for s in (HOUR, DAY, pd.Timedelta(weeks=1), TEN_MIN,
                                        pd.Timedelta(hours=6), pd.Timedelta(seconds=30))] == \
        ["hourly", "daily", "weekly", "10-minute", "6-hour", "30-second"]


def test_a_zone_names_its_country_and_the_form_takes_it():
    assert zone_country("Europe/Paris") == "FRA"
    assert zone_country("America/Chicago") == "USA"
    assert zone_country("UTC") is None and zone_country(None) is None
    assert data_defaults(BASE, "Europe/Berlin").country == "DEU"
    assert data_defaults(BASE, "Europe/Madrid").country == "ESP"
    # no zone: no holidays for an upload, Italy's for the embedded Milan data
    assert data_defaults(BASE, None).country == "" and data_defaults(BASE, "UTC").country == ""
    assert data_defaults(BASE, None, embedded=True).country == "ITA"
    # the grid is the machine's, whatever the data
    assert data_defaults(BASE, "Europe/Madrid").grid_country == BASE.grid_country


def test_the_first_data_sets_the_defaults_silently():
    followed = _follow({}, before=None)
    assert followed.values == {"horizon": 1, "lookback": 168, "batch_size": 64,
                               "country": "ITA"}
    assert followed.sentences == ()
    assert followed.defaults == followed.values


def test_a_field_at_its_default_takes_the_new_data_and_says_so():
    followed = _follow({"lookback": 144, "horizon": 1})
    assert followed.values["lookback"] == 168
    assert followed.sentences == ("Lookback set to 168 steps = 1 week for this hourly series.",)


def test_the_same_defaults_say_nothing():
    followed = _follow({"lookback": 144}, shape=SeriesShape(8928, TEN_MIN), lookback=144)
    assert followed.values["lookback"] == 144 and followed.sentences == ()


def test_a_value_set_by_hand_is_kept_while_it_fits_and_said():
    followed = _follow({"lookback": 48, "batch_size": 32})
    assert followed.values["lookback"] == 48 and followed.values["batch_size"] == 32
    assert followed.sentences == (
        "Lookback 48 steps = 2 days kept (set by hand); the default for this hourly series is "
        "168 steps = 1 week.",)  # the batch size's default did not move: nothing to say


def test_a_value_set_by_hand_beyond_the_machines_limit_is_reset_with_the_reason():
    followed = _follow({"batch_size": 8192, "lookback": 1500}, batch_limit=2048,
                       lookback_limit=1000)
    assert followed.values["batch_size"] == 64 and followed.values["lookback"] == 168
    assert followed.sentences == (
        "Lookback 1,500 steps = 62.5 days (set by hand) no longer fits: at most 1,000 fit the "
        "memory a run may use on this machine; lookback set to 168 steps = 1 week for this "
        "hourly series.",
        "Batch size 8,192 (set by hand) no longer fits: at most 2,048 fit the memory a run may "
        "use on this machine; batch size set to 64 for this hourly series.")


def test_a_lookback_set_by_hand_that_a_short_series_cannot_split_is_reset():
    short = SeriesShape(points=400, step=HOUR)  # 60 points in each held-out split
    followed = _follow({"lookback": 100}, shape=short, lookback=59)
    assert followed.values["lookback"] == 59
    assert followed.sentences[0].startswith(
        "Lookback 100 steps = 4.17 days (set by hand) no longer fits: 400 points fit at most "
        "59 steps = 2.46 days beside a horizon of 1 in each of the train/validation/test "
        "splits; lookback set to 59 steps")


def test_a_horizon_kept_by_hand_shortens_the_default_lookback_to_fit_beside_it():
    short = SeriesShape(points=400, step=HOUR)
    followed = _follow({"horizon": 24}, shape=short, lookback=59)
    assert followed.values["horizon"] == 24
    assert followed.values["lookback"] == 36  # 60 points per held-out split, less 24
    assert followed.defaults["lookback"] == 36  # what the next change measures "by hand" by


def test_a_horizon_no_window_can_hold_is_reset():
    tiny = SeriesShape(points=40, step=HOUR)  # 6 points per held-out split
    followed = _follow({"horizon": 12}, shape=tiny, lookback=5)
    assert followed.values["horizon"] == 1
    assert followed.sentences[0] == (
        "Horizon 12 steps = 12 h (set by hand) no longer fits: 40 points leave no window of "
        "that horizon in each of the train/validation/test splits; horizon set to 1 step = "
        "1 h for this hourly series.")


def test_the_country_follows_the_zone_unless_chosen_by_hand():
    paris = SeriesShape(points=1440, step=HOUR, tz="Europe/Paris")
    followed = _follow({"country": "ITA"}, shape=paris, country="FRA")
    assert followed.values["country"] == "FRA"
    assert ("Holidays country set to FRA, the country of the series' time zone "
            "Europe/Paris.") in followed.sentences
    followed = _follow({"country": "DEU"}, shape=paris, country="FRA")
    assert followed.values["country"] == "DEU"
    assert ("Holidays country DEU kept (set by hand); the country of the series' time zone "
            "Europe/Paris suggests FRA." in followed.sentences)
    followed = _follow({"country": "FRA"}, before={**BEFORE, "country": "FRA"},
                       country="")  # an upload without a zone: no holidays
    assert followed.values["country"] == ""
    assert followed.sentences == (
        "Lookback set to 168 steps = 1 week for this hourly series.",
        "Holidays country set to none: the series has no time zone that names its country; "
        "choose one for a holiday feature.")


def test_values_held_before_any_data_count_as_set_by_hand():
    followed = _follow({"lookback": 24}, before=None)
    assert followed.values["lookback"] == 24 and followed.defaults["lookback"] == 168


# --- uploads -----------------------------------------------------------------------------------

def test_files_dropped_together_are_combined():
    picks = UploadPicks().update(["a", "b"])
    assert picks.wanted(REPLACE) == ("a", "b")


def test_a_file_dropped_beside_a_loaded_one_replaces_or_joins_it_as_chosen():
    picks = UploadPicks().update(["a"])
    picks = picks.loaded(picks.wanted(REPLACE))
    picks = picks.update(["a", "b"])
    assert picks.wanted(REPLACE) == ("b",)
    assert picks.wanted(COMBINE) == ("a", "b")
    replaced = picks.loaded(("b",)).update(["a", "b"])  # the next run: nothing new
    assert replaced.wanted(REPLACE) == ("b",)  # "a" stays aside, no flip back
    assert replaced.wanted(COMBINE) == ("a", "b")  # the choice can still change


def test_a_choice_that_fails_keeps_the_files_in_use_until_the_new_one_is_removed():
    picks = UploadPicks().update(["a"])
    picks = picks.loaded(("a",)).update(["a", "bad"])
    assert picks.wanted(COMBINE) == ("a", "bad") and picks.used == ("a",)  # not loaded
    picks = picks.update(["a", "bad"])
    assert picks.used == ("a",) and picks.wanted(COMBINE) == ("a", "bad")  # still asked for
    picks = picks.update(["a"])  # removed from the uploader
    assert picks.wanted(COMBINE) == ("a",)


def test_a_file_removed_and_dropped_again_is_new_again():
    picks = UploadPicks().update(["a"]).loaded(("a",)).update(["a", "b"]).loaded(("b",))
    picks = picks.update(["b"]).update(["a", "b"])
    assert picks.wanted(REPLACE) == ("a",)


def test_no_file_asks_for_nothing():
    assert UploadPicks().update([]).wanted(COMBINE) == ()


@pytest.mark.parametrize(("wanted", "used", "error", "mode", "expected"), [
    (["bad.csv"], [], "bad.csv: line 2: 'all' is not a timestamp", REPLACE,
     "Cannot use bad.csv: line 2: 'all' is not a timestamp.\n\nUsing the embedded default "
     "instead, but Launch is off: the dataset chosen is the upload. Drop a file that loads, "
     "or choose Embedded default to train on the synthetic data."),
    (["bad.csv"], ["a.csv"], "bad.csv, line 2: no timestamp.", REPLACE,
     "Cannot use bad.csv in place of a.csv: line 2: no timestamp.\n\nStill using a.csv, but "
     "Launch is off until you remove bad.csv from the uploader."),
    (["a.csv", "b.csv"], ["a.csv"], "a.csv cannot be combined with b.csv: other columns",
     COMBINE, "a.csv cannot be combined with b.csv: other columns.\n\nStill using a.csv, but "
     "Launch is off until you remove b.csv from the uploader, or choose Replace to use it "
     "alone."),
    (["a.csv", "b.csv"], ["a.csv"], "overlapping dates", COMBINE,
     "Cannot use b.csv together with a.csv: overlapping dates.\n\nStill using a.csv, but "
     "Launch is off until you remove b.csv from the uploader, or choose Replace to use it "
     "alone."),
])
def test_an_unusable_choice_says_why_what_is_used_and_that_launch_is_off(wanted, used, error,
                                                                        mode, expected):
    assert upload_refusal(wanted, used, error, mode) == expected


def test_files_set_aside_are_named():
    assert unused_words([]) == ""
    assert unused_words(["a.csv"]) == ("Not used: a.csv (replaced; choose Combine to join it to "
                                       "the files in use, or remove it).")

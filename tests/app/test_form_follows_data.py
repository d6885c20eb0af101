"""Issue 21, point 6 through AppTest: the Train form follows the data. A new file's step sets
the lookback (168 = one week for an hourly series) and the runs train with it; a field set by
hand is kept while it still fits, and both are said. A second upload replaces or joins the
first only as the user chose; a file that cannot be used keeps the data already loaded and
disables Launch with the reason, never falling back to the synthetic data."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagetools import new_app, page

from importance.runs.store import RunStore
from tests.conftest import make_series
from ui import runs, state

TRAIN = "pages/train.py"


class StubManager:
    """The job manager's face to the pages: records what a launch would queue, trains
    nothing."""

    busy = False
    warm = True  # a launch's estimate counts no worker start
    lanes = 1  # runs trained at once

    def __init__(self, store: RunStore):
        self.store, self.submitted = store, []

    def jobs(self) -> list:
        return []

    def submit(self, configs, estimates=None) -> list[str]:
        self.submitted.append(configs)
        return [f"b1-{i}" for i in range(len(configs))]


@pytest.fixture
def stub(runs_dir: Path, monkeypatch) -> StubManager:
    mgr = StubManager(RunStore(runs_dir))
    monkeypatch.setattr(runs, "manager", lambda: mgr)
    return mgr


def _csv(days: int, freq: str, column: str, seed: int = 0) -> bytes:
    """A one-series CSV export: a time column (wall-clock, no zone) and one value column."""
    values = make_series(days=days, freq=freq, seed=seed)[: days * {"h": 24, "D": 1}[freq]]
    values.index = values.index.tz_localize(None)
    return values.rename(column).to_frame().reset_index().to_csv(index=False).encode()


HOURLY = ("hourly.csv", _csv(60, "h", "load"), "text/csv")  # 1,440 points: a week fits
DAILY = ("daily.csv", _csv(400, "D", "calls", seed=1), "text/csv")  # another column: no join
BAD = ("bad.csv", b"this is not,a time series\nat,all\n", "text/csv")


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _upload(at, *files) -> None:
    """The uploader holding `files` (a file added to those already there: a second drop)."""
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(list(files)).run()
    assert not at.exception, [e.value for e in at.exception]


def _launch_button(at):
    (button,) = [b for b in at.button if b.label == "Launch comparison"]
    return button


def test_an_hourly_upload_on_the_train_page_sets_a_one_week_lookback_and_trains_with_it(stub):
    at = page(new_app().run(), TRAIN)
    assert at.number_input(key=state.F_LOOKBACK).value == 144  # the embedded 10-minute data
    _upload(at, HOURLY)
    assert at.number_input(key=state.F_LOOKBACK).value == 168
    assert "Lookback set to 168 steps = 1 week for this hourly series" in _texts(at.info)
    assert "lookback 168 steps = 1 week" in _texts(at.caption)  # beside Launch
    _launch_button(at).click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    (configs,) = stub.submitted
    assert {c.window.lookback for c in configs} == {168}
    assert {Path(c.data.path).name for c in configs} == {"hourly.csv"}


def test_a_lookback_set_by_hand_is_kept_while_it_fits_and_said(stub):
    at = page(new_app().run(), TRAIN)
    at.number_input(key=state.F_LOOKBACK).set_value(48).run()
    _upload(at, HOURLY)
    assert at.number_input(key=state.F_LOOKBACK).value == 48
    assert ("Lookback 48 steps = 2 days kept (set by hand); the default for this hourly series "
            "is 168 steps = 1 week" in _texts(at.info))
    _launch_button(at).click().run()
    (configs,) = stub.submitted
    assert {c.window.lookback for c in configs} == {48}


def test_a_second_file_that_cannot_join_the_first_keeps_it_and_disables_launch(stub):
    at = page(new_app().run(), TRAIN)
    _upload(at, HOURLY)
    at.sidebar.radio(key=state.UPLOAD_MODE).set_value("combine").run()
    _upload(at, HOURLY, DAILY)  # dropped beside the first, to be combined with it
    sidebar = _texts(at.sidebar.caption)
    assert "1,440 points at a 1 h step" in sidebar and "from hourly.csv" in sidebar
    assert "embedded default" not in _texts(at.sidebar.error)
    reason = "hourly.csv cannot be combined with daily.csv: one series with value columns"
    assert reason in _texts(at.sidebar.error)
    assert _launch_button(at).disabled
    assert reason in _texts(at.warning) and "Launch is off" in _texts(at.warning)
    assert at.number_input(key=state.F_LOOKBACK).value == 168  # still the hourly file's

    at.sidebar.radio(key=state.UPLOAD_MODE).set_value("replace").run()  # the daily file alone
    assert not at.sidebar.error, _texts(at.sidebar.error)
    assert "from daily.csv" in _texts(at.sidebar.caption)
    assert not _launch_button(at).disabled
    assert at.number_input(key=state.F_LOOKBACK).value == 28  # four weeks of days
    assert "Lookback set to 28 steps = 4 weeks for this daily series" in _texts(at.info)


def test_an_unusable_second_file_replacing_the_first_keeps_it_until_it_is_removed(stub):
    at = page(new_app().run(), TRAIN)
    _upload(at, HOURLY)
    _upload(at, HOURLY, BAD)  # Replace is the default choice
    assert "from hourly.csv" in _texts(at.sidebar.caption)
    assert "Cannot use bad.csv" in _texts(at.sidebar.error)
    assert _launch_button(at).disabled
    _upload(at, HOURLY)  # the bad file removed from the uploader: back to the first alone
    assert not at.sidebar.error, _texts(at.sidebar.error)
    assert not _launch_button(at).disabled
    _launch_button(at).click().run()
    (configs,) = stub.submitted
    assert {Path(c.data.path).name for c in configs} == {"hourly.csv"}


def test_an_unusable_first_upload_shows_the_embedded_data_but_launches_nothing(stub):
    at = page(new_app().run(), TRAIN)
    _upload(at, BAD)
    errors = _texts(at.sidebar.error)
    assert "Cannot use bad.csv" in errors and "embedded default" in errors
    assert _launch_button(at).disabled
    assert "Launch is off" in _texts(at.warning)
    page(at, "pages/data.py")
    assert at.button(key=state.DATA_LAUNCH).disabled

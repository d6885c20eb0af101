"""The Train form follows the data in a real browser (issue 21): an uploaded hourly series sets
the lookback box to one week (168 steps) and the box keeps it across reruns (a browser sends
its widgets' values back, which AppTest does not); a file that cannot be read keeps the data
in use and disables Launch with the reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import CHROMIUM
from ui.devserver import EXCEPTION, launch_browser, open_page, running_app, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    tmp = tmp_path_factory.mktemp("form-browser")
    with running_app(tmp / "runs", env={"IMPORTANCE_UPLOADS_DIR": str(tmp / "uploads")},
                     log=tmp / "streamlit.log") as app:
        yield app, tmp


def hourly_csv(path) -> None:
    t = pd.date_range("2024-03-04", periods=12 * 7 * 24, freq="h")
    hours = np.arange(len(t))
    load = 50 + 30 * np.sin(2 * np.pi * hours / 24) + np.random.default_rng(0).normal(0, 2, len(t))
    pd.DataFrame({"time": t, "load": load.round(2)}).to_csv(path, index=False)


def lookback(page) -> str:
    return page.get_by_role("spinbutton", name="Lookback (steps)").input_value()


def test_an_hourly_upload_sets_a_weeks_lookback_and_a_bad_file_disables_launch(server):
    from playwright.sync_api import sync_playwright

    app, tmp = server
    hourly, bad = tmp / "hourly.csv", tmp / "bad.csv"
    hourly_csv(hourly)
    bad.write_text("no,time,here\n1,2,3\n")
    with sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url)
        open_page(page, "Train")
        wait_idle(page)
        assert lookback(page) == "144"  # the embedded 10-minute data: one day
        page.get_by_text("Upload files").click()
        wait_idle(page)
        page.locator("input[type=file]").set_input_files([str(hourly)])
        sidebar = page.locator("[data-testid=stSidebar]")
        sidebar.get_by_text("from hourly.csv").wait_for(timeout=60_000)
        wait_idle(page)
        for _ in range(60):  # the box follows once the upload's rerun has drawn it
            if lookback(page) == "168":
                break
            page.wait_for_timeout(500)
        assert lookback(page) == "168"
        epochs = page.get_by_role("spinbutton", name="Epochs")
        epochs.fill("7")
        epochs.press("Enter")  # a rerun: the browser sends every widget's value back
        wait_idle(page)
        page.wait_for_timeout(500)
        assert lookback(page) == "168"
        page.locator("input[type=file]").set_input_files([str(bad)])
        wait_idle(page)
        sidebar.locator("[data-testid=stAlertContentError]").first.wait_for(timeout=30_000)
        wait_idle(page)
        launch = page.get_by_role("button", name="Launch comparison")
        for _ in range(40):
            if launch.is_disabled():
                break
            page.wait_for_timeout(500)
        errors = sidebar.locator("[data-testid=stAlertContentError]").all_inner_texts()
        assert launch.is_disabled(), errors
        assert lookback(page) == "168"  # the hourly data stays in use
        assert page.locator(EXCEPTION).count() == 0
        browser.close()

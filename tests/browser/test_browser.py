"""A short comparison launched, followed and explored in chromium, page by page."""

from __future__ import annotations

import pytest

from ui.devserver import CHART, EXCEPTION, open_page, wait_idle

pytestmark = pytest.mark.browser

# Charts each page must draw after a finished three-strategy comparison.
MIN_CHARTS = {"Data": 5, "Train": 1, "Importance": 5, "Forecasts": 3, "Energy": 3}


def check_page(page, name: str) -> None:
    """No exception on the page, and every Plotly chart container holds a drawn plot."""
    page.locator(CHART).first.wait_for(timeout=120_000)
    wait_idle(page, 120_000)
    page.wait_for_timeout(500)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    containers = page.locator("[data-testid=stPlotlyChart]").count()
    drawn = page.locator(f"{CHART} .main-svg").count()
    assert containers >= MIN_CHARTS[name], f"{name}: {containers} charts"
    assert drawn >= containers, f"{name}: {containers - drawn} of {containers} charts not drawn"


def test_a_fresh_server_opened_at_a_sub_url_draws_it_through_the_entry(app, blank_page):
    """Runs first on the module's fresh server: Streamlit's legacy pages/ mode would run
    pages/train.py on its own, without app.py's sidebar."""
    blank_page.goto(f"{app.url}/train")
    blank_page.locator("h1", has_text="Train").wait_for(timeout=60_000)
    wait_idle(blank_page, 60_000)
    sidebar = blank_page.locator("[data-testid=stSidebar]")
    assert sidebar.get_by_text("Dataset").count() >= 1
    assert sidebar.get_by_text("Embedded default").count() >= 1
    assert blank_page.title() == "Which training data matters?"
    assert blank_page.locator(EXCEPTION).count() == 0


def test_launch_follow_and_explore_a_comparison(page):
    open_page(page, "Data")  # the app opens on the Overview
    check_page(page, "Data")
    page.get_by_role("button", name="Launch comparison").click()
    page.locator("h1", has_text="Train").wait_for()
    page.get_by_text("Finished. Explore the results").wait_for(timeout=300_000)
    check_page(page, "Train")
    # reached through the Data page's Launch, the form (its folded settings) still names the
    # sidebar's series
    page.get_by_test_id("stMultiSelect").filter(has_text="Series").get_by_text(
        "5060 (Duomo)").wait_for(state="attached")
    for name in ("Importance", "Forecasts", "Energy"):
        open_page(page, name)
        check_page(page, name)
    page.get_by_text("How energy was measured").wait_for()

    page.reload()  # a reload keeps the jobs: they live in the server's job manager
    open_page(page, "Train")
    page.get_by_text("Finished. Explore the results").wait_for(timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0


def test_an_uploaded_naive_timestamp_export_trains_and_every_result_page_draws(page, tmp_path):
    """The usual operator export (long format, `10/23/2017 0:00` times without a zone, gaps,
    NaN, hourly): uploaded, launched from the Data page, and explored."""
    from tests.fixtures.exports import EXPORTS

    export = EXPORTS["bs_energy_hourly_long"]
    open_page(page, "Data")  # the app opens on the Overview
    check_page(page, "Data")
    page.get_by_text("Upload files").click()
    page.locator("input[type=file]").set_input_files(export.paths(tmp_path))
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(f"from {export.filename}").wait_for(timeout=60_000)
    # dataframe cells are drawn on a canvas; their text lives in hidden accessibility cells
    page.get_by_text("long format: one row per time and BS").wait_for(state="attached",
                                                                      timeout=60_000)
    page.get_by_text("wall-clock time as written in the data (no zone)").first.wait_for(
        state="attached")
    check_page(page, "Data")
    page.get_by_role("button", name="Launch comparison").click()
    page.locator("h1", has_text="Train").wait_for()
    page.get_by_text("Finished. Explore the results").wait_for(timeout=300_000)
    assert page.get_by_text("This run failed").count() == 0
    for name in ("Importance", "Forecasts", "Energy"):
        open_page(page, name)
        check_page(page, name)
    open_page(page, "Forecasts")
    page.get_by_text("wall-clock time (no zone in the data)").first.wait_for()

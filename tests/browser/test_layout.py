"""The dashboard on a laptop in chromium (issue 14, points 6 and 7): at 1280x800, and at 800x900
with the sidebar collapsed, no primary button, input label or key-figure tile is cut and the
Train page's Launch and the Overview's demo button show without scrolling, and after the
comparison no text of the job cards is cut (issue 24: badges, figures); the HTML report
opens with the network blocked and draws its charts. One short comparison serves the module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))

from tests.browser.screens import misfits  # noqa: E402
from ui.devserver import (  # noqa: E402
    CHROMIUM,
    collapse_sidebar,
    launch_browser,
    open_page,
    running_app,
    truncated,
    wait_idle,
)

pytestmark = pytest.mark.browser

QUICK = {"epochs": 3, "stride": 32, "lookback": 24, "hidden": 4}  # trains in seconds
SCREENS = {"1280x800": (1280, 800), "800x900": (800, 900)}
NARROW = 1000  # below this width the sidebar is collapsed, as a user of a small screen does


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def compared(browser, tmp_path_factory):
    """The running app and its run store, after one short comparison launched on the Train
    page (every result page then has something to show)."""
    tmp = tmp_path_factory.mktemp("layout")
    env = {"IMPORTANCE_UI_DEFAULTS": json.dumps(QUICK),
           "IMPORTANCE_UPLOADS_DIR": str(tmp / "uploads")}
    with running_app(tmp / "runs", env=env, log=tmp / "streamlit.log") as app:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(app.url)
        open_page(page, "Train")
        page.get_by_role("button", name="Launch comparison").click()
        page.get_by_text("Finished. Explore the results").wait_for(timeout=300_000)
        page.close()
        yield app, tmp / "runs"


def _screen(browser, url: str, size: str, title: str):
    """A new tab of `size` on the page `title`, the sidebar collapsed on a narrow screen."""
    width, height = SCREENS[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.locator("h1", has_text="Overview").wait_for(timeout=120_000)
    if title != "Overview":
        open_page(page, title)
    wait_idle(page, 120_000)
    if width < NARROW:
        collapse_sidebar(page)
    page.wait_for_timeout(500)  # the layout settles after the sidebar's animation
    return page


def _fully_visible(page, button) -> None:
    """The button is inside the first screen: no scrolling needed to see or press it."""
    box = button.bounding_box()
    viewport = page.viewport_size
    assert box is not None, "not drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], \
        f"below the fold: bottom at {box['y'] + box['height']:.0f} px of {viewport['height']}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box


@pytest.mark.parametrize("size", SCREENS)
def test_the_train_form_fits_a_laptop_screen(compared, browser, size):
    app, _ = compared
    page = _screen(browser, app.url, size, "Train")
    launch = page.get_by_role("button", name="Launch comparison")
    page.get_by_test_id("stWidgetLabel").filter(has_text="Lookback").wait_for()
    _fully_visible(page, launch)
    assert truncated(page) == []
    page.get_by_text("More settings").click()  # the folded settings: labels whole too
    page.get_by_test_id("stWidgetLabel").filter(has_text="Minimum improvement").wait_for()
    assert truncated(page) == []
    page.close()


@pytest.mark.parametrize("size", SCREENS)
def test_the_job_cards_show_whole_names_badges_and_figures(compared, browser, size):
    """After the comparison: each job's card (name, status badge, its epoch's figures with the
    training wall time beside the job time) and the results' links fit the screen."""
    app, _ = compared
    page = _screen(browser, app.url, size, "Train")
    page.get_by_text("Finished. Explore the results").wait_for()
    figures = page.get_by_text("training wall time")  # each card's: its run's stored figure
    figures.first.wait_for()
    assert figures.count() >= 9  # 3 strategies x 3 seeds, and the controls the manager added
    assert misfits(page)["cut"] == []
    page.close()


@pytest.mark.parametrize("size", SCREENS)
def test_the_live_curves_labels_do_not_overlap(compared, browser, size):
    app, _ = compared
    page = _screen(browser, app.url, size, "Train")
    page.get_by_text("Finished. Explore the results").wait_for()
    assert misfits(page)["overlapping chart labels"] == []
    page.close()


@pytest.mark.parametrize("size", SCREENS)
def test_the_overview_shows_the_demo_and_whole_key_figures_on_the_first_screen(compared,
                                                                                browser, size):
    app, _ = compared
    page = _screen(browser, app.url, size, "Overview")
    # the verdict's box: its headline, and its tiles when it names a best trade-off
    page.get_by_test_id("stAlert").filter(has_text="seeds").first.wait_for()
    _fully_visible(page, page.get_by_role("button", name="Run the quick demo"))
    assert truncated(page) == []
    page.close()


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("title", ["Data", "Energy"])
def test_other_pages_show_whole_buttons_labels_and_tiles(compared, browser, size, title):
    """The Data page's Launch, and the Energy page's 15 tiles (5 figures x 3 runs), which
    read "0..." at 800 px before."""
    app, _ = compared
    page = _screen(browser, app.url, size, title)
    if title == "Energy":
        page.get_by_test_id("stMetricValue").nth(14).wait_for()
    else:
        page.get_by_role("button", name="Launch comparison").wait_for()
    assert truncated(page) == []
    page.close()


def test_the_report_opens_offline_and_draws_its_charts(compared, browser, tmp_path):
    _, runs_dir = compared
    ids = sorted(p.name for p in runs_dir.iterdir() if (p / "summary.json").is_file())
    # full, gradnorm and rs2, 3 seeds each (the default), and the controls the manager adds at
    # the budget a strategy spent once its seed is done (some may still be training)
    assert len(ids) >= 3 * 3
    out = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "importance.cli", "report", *ids, "-o", str(out),
                    "--runs-dir", str(runs_dir)], cwd=ROOT, check=True, capture_output=True)
    context = browser.new_context(offline=True)
    page = context.new_page()
    refused: list[str] = []

    def block(route) -> None:  # only the file itself may load; everything else is refused
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", block)
    page.goto(out.as_uri())
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    plots = page.locator(".js-plotly-plot").count()
    assert plots >= 3, plots
    assert page.locator(".js-plotly-plot .main-svg").count() >= plots  # every chart drawn
    assert refused == []  # it did not even try the network
    context.close()

"""Every page fits its data and the screen (issue 24 point 4): on a daily, an hourly and a
2-minute operator export, at 1280x800 and at 800 px wide (the sidebar folded, as on a small
screen), no text of the main area is cut (an element with its own text, or a box that clips
text, scrolls wider than it shows: `scrollWidth > clientWidth`), and no two text labels of one
Plotly chart overlap (their rotated boxes intersect).

Per export, one tiny comparison (full, gradnorm, rs2; one seed, 3 epochs, a 4-unit LSTM) is
stored by the command line before the app starts; the tab uploads the export, so the Data,
Train and Sweep pages show it too, and visits every page at both widths.
IMPORTANCE_SCREENSHOTS=<folder> keeps a screenshot of each screen there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))

from tests.browser.screens import misfits  # noqa: E402
from tests.fixtures.daily_panel import write_daily_panel  # noqa: E402
from tests.fixtures.series import hourly_cell, two_minute_lte, write_csv  # noqa: E402
from ui.devserver import (  # noqa: E402
    CHROMIUM,
    EXCEPTION,
    collapse_sidebar,
    launch_browser,
    open_page,
    running_app,
    wait_idle,
)

pytestmark = pytest.mark.browser

PAGES = ("Overview", "Data", "Train", "Importance", "Forecasts", "Energy", "Sweep", "Compress")
SCREENS = {"1280x800": (1280, 800), "800x900": (800, 900)}
NARROW = 1000  # below this width the sidebar is folded away, as a user of a small screen does
# tiny runs: the pages need stored runs of the export, not good forecasts
QUICK = ["--strategies", "full,gradnorm,rs2", "--seed", "0", "--epochs", "3", "--hidden", "4",
         "--no-progress"]


def _daily(folder: Path) -> tuple[Path, list[str]]:
    return write_daily_panel(folder / "enodeb_daily.csv", cells=3), ["--lookback", "14",
                                                                      "--stride", "2"]


def _hourly(folder: Path) -> tuple[Path, list[str]]:
    return write_csv(hourly_cell(), folder, "lte_cell_hourly"), ["--lookback", "24",
                                                                        "--stride", "16"]


def _two_minute(folder: Path) -> tuple[Path, list[str]]:
    return write_csv(two_minute_lte(), folder, "lte_kpi_2min"), ["--lookback", "30",
                                                                        "--stride", "64"]


EXPORTS = {"daily": _daily, "hourly": _hourly, "2-minute": _two_minute}

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture(scope="module", params=list(EXPORTS))
def tab(request, browser, tmp_path_factory):
    """A tab on the app with the export uploaded, after one tiny comparison on it stored."""
    tmp = tmp_path_factory.mktemp(f"fit-{request.param}")
    path, window = EXPORTS[request.param](tmp)
    subprocess.run([sys.executable, "-m", "importance.cli", "compare", "--data", str(path),
                    *window, *QUICK, "--runs-dir", str(tmp / "runs")],
                   cwd=ROOT, check=True, capture_output=True, timeout=600)
    env = {"IMPORTANCE_UPLOADS_DIR": str(tmp / "uploads"),
           "IMPORTANCE_UI_DEFAULTS": json.dumps({"epochs": 3, "hidden": 4})}
    with running_app(tmp / "runs", env=env, log=tmp / "streamlit.log") as app:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(app.url)
        page.locator("h1", has_text="Overview").wait_for(timeout=120_000)
        open_page(page, "Data", 120_000)  # the sidebar's dataset picker, unfolded
        wait_idle(page, 120_000)
        page.get_by_text("Upload files").click()
        wait_idle(page)
        page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(str(path))
        page.locator("[data-testid=stSidebar]").get_by_text(f"from {path.name}").wait_for(
            timeout=120_000)
        wait_idle(page, 120_000)
        yield page
        page.close()


def _show(page, title: str, size: str) -> None:
    """Open `title` at `size` in the tab: the sidebar out to navigate, folded on a narrow
    screen; back once every chart is drawn."""
    width, height = SCREENS[size]
    page.set_viewport_size({"width": width, "height": height})
    expand = page.get_by_role("button", name="Expand sidebar")
    if expand.is_visible():
        expand.click()
        page.get_by_test_id("stSidebarNav").wait_for()
    open_page(page, title, 120_000)
    wait_idle(page, 300_000)
    if width < NARROW:
        collapse_sidebar(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every("
        "c => c.querySelector('.main-svg'))", timeout=60_000)
    page.wait_for_timeout(800)  # the layout settles after the sidebar's animation


@pytest.mark.parametrize("title", PAGES)
@pytest.mark.parametrize("size", SCREENS)
def test_no_text_is_cut_and_no_chart_labels_overlap(tab, size, title, request):
    _show(tab, title, size)
    if shots := os.environ.get("IMPORTANCE_SCREENSHOTS"):  # a folder: each screen, for a note
        export = request.node.callspec.params["tab"]
        tab.screenshot(path=str(Path(shots) / f"{title.lower()}-{export}-{size}.png"))
        for k, table in enumerate(tab.locator(".wrap-table").all()):  # drawn whole (ui.tables)
            table.screenshot(path=str(Path(shots) / f"{title.lower()}-{export}-{size}-{k}.png"))
    assert tab.locator(EXCEPTION).all_inner_texts() == []
    found = misfits(tab)
    assert found == {"cut": [], "overlapping chart labels": []}, "\n".join(
        f"{what}: {each}" for what, items in found.items() for each in items)

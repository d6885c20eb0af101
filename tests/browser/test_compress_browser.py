"""The Compress page with measured variants in chromium (issue 24 points 4 and 9): at 1280x800
and at 800 px wide, no status word or label is cut and no two text labels of its front charts
intersect, with five variants measured at one point of the front (their names crowd)."""

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
from tests.browser.test_fit_screens import NARROW, SCREENS  # noqa: E402
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

VARIANTS = ("fp32,fp16-storage,bf16-storage,fp16,bf16,int8-dynamic,magnitude-50,structured-50,"
            "structured-50-ft,structured-75-ft")
CROWD = ("fp16-storage", "bf16-storage", "bf16", "int8-dynamic", "magnitude-50")


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "importance.cli", *args], cwd=ROOT, check=True,
                   capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> Path:
    """A run store with one tiny run whose variants were measured, five of them moved onto
    one point of the front (ties are all on it)."""
    runs = tmp_path_factory.mktemp("compress") / "runs"
    _cli("compare", "--strategies", "full", "--seed", "0", "--epochs", "2", "--hidden", "8",
         "--lookback", "24", "--stride", "32", "--no-progress", "--runs-dir", str(runs))
    (run_id,) = [p.name for p in runs.iterdir() if not p.name.startswith(".")]
    _cli("compress", run_id, "--variants", VARIANTS, "--rounds", "3", "--energy-seconds",
         "0.1", "--finetune-epochs", "1", "--runs-dir", str(runs))
    path = runs / run_id / "compress.json"
    res = json.loads(path.read_text())
    by = {v["name"]: v for v in res["variants"]}
    lowest = min((v for v in res["variants"] if v["status"] == "measured"),
                 key=lambda v: v["energy_kwh_per_1000"])
    for k, name in enumerate(CROWD):
        if by[name]["status"] == "measured":
            by[name]["energy_kwh_per_1000"] = lowest["energy_kwh_per_1000"] * (1 + 0.002 * k)
            by[name]["test_mae"] = lowest["test_mae"] * (1 - 0.0005 * (k + 1))
    path.write_text(json.dumps(res))
    return runs


@pytest.fixture(scope="module")
def page(measured, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    log = tmp_path_factory.mktemp("log") / "streamlit.log"
    with sync_playwright() as p, running_app(measured, log=log) as app:
        browser = launch_browser(p)
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.goto(app.url)
        tab.locator("h1", has_text="Overview").wait_for(timeout=120_000)
        yield tab
        browser.close()


@pytest.mark.parametrize("size", SCREENS)
def test_statuses_and_front_names_fit(page, size):
    width, height = SCREENS[size]
    page.set_viewport_size({"width": width, "height": height})
    expand = page.get_by_role("button", name="Expand sidebar")
    if expand.is_visible():
        expand.click()
        page.get_by_test_id("stSidebarNav").wait_for()
    open_page(page, "Compress", 120_000)
    wait_idle(page, 120_000)
    if width < NARROW:
        collapse_sidebar(page)
    page.wait_for_function(
        "() => { const c = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];"
        " return c.length === 2 && c.every(e => e.querySelector('.main-svg')); }",
        timeout=60_000)
    page.wait_for_timeout(800)  # the layout settles after the sidebar's animation
    assert page.locator(EXCEPTION).count() == 0
    statuses = page.evaluate("() => [...document.querySelectorAll('table.wrap-table tr')]"
                             ".slice(1).map(r => r.cells[1].textContent)")
    assert len(statuses) == len(VARIANTS.split(",")) and "ok" in statuses  # read whole
    names = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot .textpoint "
                          "text')].map(t => t.textContent).filter(t => t)")
    assert names  # the front is labelled where there is room
    assert misfits(page) == {"cut": [], "overlapping chart labels": []}

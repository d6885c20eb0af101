"""The dashboard in a real browser: `streamlit run` in a subprocess, Debian's chromium."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `ui` is an app folder, not an installed package
    sys.path.insert(0, str(ROOT))

from ui.devserver import CHROMIUM, launch_browser, running_app  # noqa: E402

# Form defaults for a comparison that trains in seconds (three epochs: gradient-norm top-k
# picks at random for two warm-up epochs, then by score). The app's own defaults are unchanged.
QUICK = {"epochs": 3, "stride": 32, "lookback": 24, "hidden": 4}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    tmp = tmp_path_factory.mktemp("browser")
    env = {"IMPORTANCE_UI_DEFAULTS": json.dumps(QUICK),
           "IMPORTANCE_UPLOADS_DIR": str(tmp / "uploads")}
    with running_app(tmp / "runs", env=env, log=tmp / "streamlit.log") as server:
        yield server


@pytest.fixture
def blank_page():
    """A browser tab that has not opened the app yet."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


@pytest.fixture
def page(app, blank_page):
    blank_page.goto(app.url)
    return blank_page

"""Real screenshots of every dashboard page after a short comparison, as small PNGs.

    python scripts/screenshots.py                 # 3 epochs, into docs/screenshots/
    python scripts/screenshots.py --epochs 6 --out /tmp/shots

Starts `streamlit run app.py` with a temporary run store, presses Launch on the Data page
(the form defaults; only the number of epochs is set, through IMPORTANCE_UI_DEFAULTS), waits
for the comparison to finish, then captures each page with Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ui.devserver import (  # noqa: E402 - after the path fix
    CHART,
    EXCEPTION,
    ROOT,
    launch_browser,
    open_page,
    running_app,
    wait_idle,
)

PAGES = ("Data", "Train", "Importance", "Forecasts", "Energy", "Overview")


def shrink(path: Path) -> None:
    """Quantize to 256 colors: a few hundred KB per page."""
    img = Image.open(path).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def capture(page, name: str, out: Path, width: int, max_height: int) -> Path:
    """The whole page: Streamlit scrolls inside its main container, so grow the viewport."""
    if page.locator(EXCEPTION).count():
        raise RuntimeError(f"the {name} page shows an exception")
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(int(height), max_height)})
    page.wait_for_timeout(1500)  # let Plotly redraw at the new size
    path = out / f"{name.lower()}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": 900})
    shrink(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--max-height", type=int, default=4000)
    parser.add_argument("--defaults", default="{}",
                        help='more form defaults as JSON, e.g. \'{"stride": 4}\'')
    a = parser.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    env = {"IMPORTANCE_UI_DEFAULTS": json.dumps({"epochs": a.epochs, **json.loads(a.defaults)})}
    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp) / "runs", env=env) as app, \
            sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": a.width, "height": 900})
        page.goto(app.url)  # the Overview: captured last, with the comparison's verdict
        page.locator(CHART).first.wait_for(timeout=120_000)
        wait_idle(page, 120_000)
        open_page(page, "Data")
        page.locator(CHART).first.wait_for(timeout=120_000)
        wait_idle(page, 120_000)
        print(capture(page, "Data", a.out, a.width, a.max_height))
        t0 = time.time()
        page.get_by_role("button", name="Launch comparison").click()
        page.get_by_text("Finished. Explore the results").wait_for(timeout=30 * 60_000)
        print(f"comparison finished in {time.time() - t0:.0f} s")
        wait_idle(page)
        print(capture(page, "Train", a.out, a.width, a.max_height))
        for name in PAGES[2:]:
            open_page(page, name)
            page.locator(CHART).first.wait_for(timeout=120_000)
            wait_idle(page, 120_000)
            print(capture(page, name, a.out, a.width, a.max_height))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

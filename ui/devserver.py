"""Run the dashboard in a subprocess and drive it with Debian's chromium (playwright).

Shared by the browser test, the benchmark and the screenshot script; never imported by pages.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
CHART = "[data-testid=stPlotlyChart] .js-plotly-plot"
# The first chart of a page: Plotly's, or the inline SVG of the Overview before any run (ui.svg)
FIRST_CHART = f"{CHART} .main-svg, [data-testid=stMarkdownContainer] svg[role=img]"
EXCEPTION = "[data-testid=stException]"


@dataclass(frozen=True)
class App:
    url: str
    process: subprocess.Popen
    started: float  # time.perf_counter() just before the process was started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Poll /_stcore/health until the server answers (or fail with its output)."""
    end = time.time() + timeout
    while time.time() < end:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


@contextmanager
def running_app(runs_dir: Path, *, env: dict[str, str] | None = None,
                log: Path | None = None) -> Iterator[App]:
    """`streamlit run app.py` on a free local port with its own run store; stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, "IMPORTANCE_RUNS_DIR": str(runs_dir),
                "CODECARBON_LOG_LEVEL": "error", **(env or {})}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]
    if threading.current_thread() is threading.main_thread():
        # `timeout`/`kill` send SIGTERM: exit through the finally below, not around it.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(url, process)
        yield App(url, process, started)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if log:
            out.close()


def launch_browser(playwright):
    """Debian's chromium, headless and offline-friendly."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_idle(page, timeout_ms: float = 60_000) -> None:
    """Wait until the script run is over (not usable while a fragment polls)."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def open_page(page, title: str, timeout_ms: float = 60_000) -> None:
    """Click a page in the sidebar navigation and wait for its title."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.locator("h1", has_text=title).first.wait_for(timeout=timeout_ms)


def collapse_sidebar(page) -> None:
    """Fold the sidebar away, as on a narrow screen (its button shows on hover)."""
    page.get_by_test_id("stSidebar").hover()
    page.get_by_role("button", name="Collapse sidebar").click()
    page.get_by_role("button", name="Expand sidebar").wait_for()


# Primary buttons (the form submit included), input labels and metric tiles of the main area
# whose text is cut: the element or a descendant scrolls wider than it shows (an ellipsis).
# Elements not drawn (a closed expander's) are skipped.
TRUNCATED_JS = """() => {
  const sel = ['button[kind^=primary]', '[data-testid^=stBaseButton-primary]',
               '[data-testid=stWidgetLabel]', '[data-testid=stMetricLabel]',
               '[data-testid=stMetricValue]'].join(',');
  const out = [];
  for (const e of document.querySelector('[data-testid=stMain]').querySelectorAll(sel)) {
    if (!e.getClientRects().length) continue;
    const cut = [e, ...e.querySelectorAll('*')].find(d => d.clientWidth > 0
                                                       && d.scrollWidth > d.clientWidth);
    if (cut) out.push(`${e.getAttribute('data-testid') || e.tagName}: ${e.innerText.trim()}`
                      + ` (${cut.scrollWidth} > ${cut.clientWidth} px)`);
  }
  return out;
}"""


def truncated(page) -> list[str]:
    """The main area's primary buttons, labels and tiles whose text is cut (`TRUNCATED_JS`)."""
    return page.evaluate(TRUNCATED_JS)

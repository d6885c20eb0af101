"""The default three-strategy comparison launched from the Train page in a real browser, quiet
and next to competing CPU-bound processes, with the same comparison from the command line.

    python benchmarks/bench_dashboard_comparison.py              # busy 0 and 1, CLI too
    python benchmarks/bench_dashboard_comparison.py --busy 1 --no-cli

The browser (Debian's chromium) stays on the Train page, whose progress panel polls, from the
click on "Launch comparison" with the form's defaults until "Finished" is shown. Each run's
own wall time and epochs come from the stored summaries. The competing processes are plain
Python loops at normal priority, as in `benchmarks/bench_contention.py`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_contention import _spin  # noqa: E402 - after the path fix
from ui.devserver import CHART, launch_browser, open_page, running_app  # noqa: E402

TIMEOUT_S = 1800


def _runs(root: Path) -> list[dict]:
    from importance.runs.store import RunStore

    store = RunStore(root)
    return [store.load(i).summary for i in store.ids()]


def dashboard(browser, root: Path) -> tuple[float, list[dict]]:
    """Seconds from the Launch click to "Finished" on the Train page, and the runs' summaries."""
    with running_app(root) as app:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url)
        page.locator(CHART).first.wait_for(timeout=120_000)
        open_page(page, "Train")
        t0 = time.perf_counter()
        page.get_by_role("button", name="Launch comparison").click()
        page.get_by_text("Finished. Explore the results").wait_for(timeout=TIMEOUT_S * 1000)
        seconds = time.perf_counter() - t0
        page.close()
    return seconds, _runs(root)


def command_line(root: Path) -> tuple[float, list[dict]]:
    """Seconds of `importance compare` with its defaults, and the runs' summaries."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "importance.cli", "compare", "--no-progress",
                    "--runs-dir", str(root)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "CODECARBON_LOG_LEVEL": "error"})
    return time.perf_counter() - t0, _runs(root)


def report(name: str, busy: int, seconds: float, runs: list[dict]) -> None:
    parts = ", ".join(f"{r['strategy']} {r['wall_s']:.0f} s" for r in
                      sorted(runs, key=lambda r: r["strategy"]))
    print(f"  {name:<30} {busy} busy: {seconds:6.1f} s in all ({parts})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line runs")
    a = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = launch_browser(p)
        for busy in a.busy:
            spinners = [mp.get_context("spawn").Process(target=_spin, daemon=True)
                        for _ in range(busy)]
            for s in spinners:
                s.start()
            try:
                secs, runs = dashboard(browser, Path(tmp) / f"app-{busy}")
                report("Train page, browser open", busy, secs, runs)
                if not a.no_cli:
                    secs, runs = command_line(Path(tmp) / f"cli-{busy}")
                    report("importance compare", busy, secs, runs)
            finally:
                for s in spinners:
                    s.kill()
                    s.join()
        browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Overview page's quick demo (`ui.demo.PRESET`): seconds from Launch to the last run
stored, as the dashboard runs it and from the command line.

    python -m benchmarks.bench_demo               # 2 repeats of each
    python -m benchmarks.bench_demo --repeats 1 --no-cli
    python -m benchmarks.bench_demo --browser     # also clicked on the Overview in chromium
    python -m benchmarks.bench_demo --smoke [--browser]   # once, a tiny model: a check

Dashboard path: `ui.launch.launch` (the Train page's and the Overview's Launch: memory check,
preflight, then the job manager of `ui.runs.manager`) on a fresh runs folder, in a fresh
Python process each time, timed from the call until the manager is idle; the manager's worker
process starts (and imports torch) inside that time, as it does on a fresh server. No browser:
the Train page's polling cost ~5% more (benchmarks/bench_app.py).
Command line: `ui.demo.CLI` in a subprocess, imports included.
Browser (`--browser`): `streamlit run app.py` on a fresh runs folder, Debian's chromium on the
Overview at 1280x800, from the click on "Run the quick demo" until the Overview shows the
new comparison ("The latest comparison"); the page polls once a second meanwhile.
--smoke: one repeat; the dashboard and command-line paths train the preset with one epoch of
a tiny model (`SMOKE`); the browser's click trains the preset itself (the page's own button).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `ui` is an app folder, not an installed package
SMOKE = {"epochs": 1, "lookback": 24, "hidden": 4, "stride": 32}  # form fields over the preset

_DASHBOARD = """
import json, sys, time
from dataclasses import replace
sys.path.insert(0, {root!r})
from ui import demo, launch, runs
t0 = time.perf_counter()
ids = launch.launch(replace(demo.form(), **{overrides!r}), demo.dataset())
mgr = runs.manager()
assert mgr.wait(timeout=600)
seconds = time.perf_counter() - t0
jobs = mgr.jobs()
store = mgr.store
walls = [store.load(j.run_id).summary["wall_s"] for j in jobs if j.run_id]
print(json.dumps({{"seconds": seconds, "status": [j.status for j in jobs], "wall_s": walls}}))
mgr.close()
"""


def dashboard(overrides: dict) -> dict:
    """The demo's form with `overrides` through the dashboard's launch, in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "IMPORTANCE_RUNS_DIR": tmp,
               "IMPORTANCE_UPLOADS_DIR": str(Path(tmp) / "uploads")}
        code = _DASHBOARD.format(root=str(ROOT), overrides=overrides)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def command_line(overrides: dict) -> float:
    """Seconds of the demo's command line, with `overrides` as its last options."""
    from ui.demo import CLI

    with tempfile.TemporaryDirectory() as tmp:
        args = shlex.split(CLI)[1:]  # "importance" -> python -m importance.cli
        args += [a for k, v in overrides.items() for a in (f"--{k}", str(v))]  # the last wins
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "importance.cli", *args, "--no-progress",
                        "--runs-dir", tmp], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def browser_click() -> float:
    from playwright.sync_api import sync_playwright

    from ui.devserver import launch_browser, running_app, wait_idle

    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp) / "runs") as app, \
            sync_playwright() as p:
        b = launch_browser(p)
        page = b.new_page(viewport={"width": 1280, "height": 800})
        page.goto(app.url)  # the Overview is the landing page (no /overview of its own)
        page.locator("h1", has_text="Overview").wait_for(timeout=120_000)
        wait_idle(page, 120_000)
        t0 = time.perf_counter()
        page.get_by_role("button", name="Run the quick demo").click()
        page.get_by_text("The latest comparison").wait_for(timeout=600_000)
        seconds = time.perf_counter() - t0
        b.close()
        return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--no-cli", action="store_true")
    p.add_argument("--browser", action="store_true")
    p.add_argument("--smoke", action="store_true",
                   help="once, with a tiny model where the form can be changed (a check)")
    a = p.parse_args()
    overrides = SMOKE if a.smoke else {}
    if a.smoke:
        a.repeats = 1
    dash, cli, web = [], [], []
    for i in range(a.repeats):
        if a.browser:
            web.append(browser_click())
            print(f"browser #{i + 1}: {web[-1]:.1f} s from the click to the verdict", flush=True)
        d = dashboard(overrides)
        dash.append(d["seconds"])
        print(f"dashboard #{i + 1}: {d['seconds']:.1f} s (jobs {d['status']}, runs' own wall "
              f"{', '.join(f'{w:.1f}' for w in d['wall_s'])} s)", flush=True)
        if not a.no_cli:
            cli.append(command_line(overrides))
            print(f"command line #{i + 1}: {cli[-1]:.1f} s", flush=True)
    print(f"dashboard median {statistics.median(dash):.1f} s, max {max(dash):.1f} s"
          + (f"; command line median {statistics.median(cli):.1f} s" if cli else "")
          + (f"; browser median {statistics.median(web):.1f} s" if web else ""))


if __name__ == "__main__":
    main()

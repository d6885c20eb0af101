"""Dashboard timings in a real browser (Debian's chromium), against `streamlit run app.py`.

    python benchmarks/bench_app.py            # 3 cold starts, reruns on every page
    python benchmarks/bench_app.py --starts 1
    python benchmarks/bench_app.py --smoke    # each step once, tiny models: a check

1. Cold start to first chart: from starting `streamlit run` to the first chart drawn on the
   default (Overview) page (Plotly's, or the inline SVG the Overview draws before any run
   exists), in a fresh server process each time (goal: 3 s).
2. Script reruns while a job trains (goal: 300 ms for the longest), measured two ways after a
   short comparison launched from the Data page (so every page has results) and with a long
   run of the real model size training in the background:
   - in the browser: each page is rerun a few times (key "r") and every interval the app
     reports `data-test-script-state=running` is timed, fragment reruns included; this
     also counts the websocket and the browser's own work on the new elements;
   - in process (AppTest): the server-side script time alone, per page.
3. The cost of watching: one full-data run (4 epochs) launched from the Data page, once
   followed on the Train page (its progress fragment polls) and once left on the Data page;
   the run's own wall time and energy are compared (pairs alternate, medians reported).

--smoke: one cold start, one rerun per page, one pair, and tiny models throughout (`SMOKE`:
a one-epoch comparison, a long run of hidden 4 and lookback 24 without early stopping, a
one-epoch watched run), in a temporary folder: the same steps and selectors in a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ui.devserver import (  # noqa: E402 - after the path fix
    CHART,
    FIRST_CHART,
    launch_browser,
    open_page,
    running_app,
    wait_idle,
)

PAGES = ("Overview", "Data", "Train", "Importance", "Forecasts", "Energy")
TINY = {"lookback": 24, "hidden": 4}


@dataclass(frozen=True)
class Plan:
    """What each step trains: `quick`, the form's defaults for the first comparison; `long`,
    the Train form's fields (label: value) of the run that trains while pages rerun, and
    `long_form`, the same run as LaunchForm fields (in process); `watched`, the form's
    defaults for the run followed or not."""

    quick: dict
    long: dict[str, str]
    long_form: dict
    watched: dict


REAL = Plan(quick={"epochs": 3, "stride": 32, **TINY, "seeds": [0]},
            long={"Epochs": "500", "Lookback (steps)": "144", "Hidden units": "32",
                  "Window stride (10 min steps)": "1"},
            long_form={"epochs": 500, "strategies": ["full"], "seeds": [0]},
            watched={"epochs": 4, "strategies": ["full"], "seeds": [0]})
SMOKE = Plan(quick={**REAL.quick, "epochs": 1},
             long={**REAL.long, "Lookback (steps)": "24", "Hidden units": "4",
                   "Early-stopping patience": "0"},
             long_form={**REAL.long_form, **TINY, "patience": 0},
             watched={**REAL.watched, **TINY, "epochs": 1, "stride": 32})
# Records how long each script run lasts, as the app reports it on its root element.
RECORDER = """
window.__runs = []; let t0 = null;
new MutationObserver(() => {
  const s = document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state');
  if (s === 'running' && t0 === null) t0 = performance.now();
  if (s !== 'running' && t0 !== null) { window.__runs.push(performance.now() - t0); t0 = null; }
}).observe(document, {attributes: true, subtree: true,
                      attributeFilter: ['data-test-script-state']});
"""


def cold_start(browser, tmp: Path) -> float:
    """Seconds from `streamlit run` to the first drawn chart on the default page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    with running_app(tmp / "runs") as app:
        page.goto(app.url)
        page.locator(FIRST_CHART).first.wait_for(timeout=120_000)
        seconds = time.perf_counter() - app.started
    page.close()
    return seconds


def start_long_run(page, fields: dict[str, str]) -> None:
    """Launch one full-data run with the form's `fields` (the real model size and many epochs)
    from the Train page; return once its first epoch is shown."""
    open_page(page, "Train")
    wait_idle(page)
    from importance.strategies import STRATEGIES

    page.get_by_text("More settings").click()
    for label, value in fields.items():
        page.get_by_role("spinbutton", name=label, exact=True).fill(value)
    strategies = page.get_by_test_id("stMultiSelect").first
    for name in ("gradnorm", "rs2"):  # the default comparison less its subset strategies
        strategies.get_by_role("button", name=f"Remove {STRATEGIES[name].label}").click()
    page.get_by_role("button", name="Launch comparison").click()
    trained = re.compile(rf"^epoch [1-9]\d* of {re.escape(fields['Epochs'])} ")  # 1 or later
    page.get_by_text(trained).wait_for(timeout=300_000)


def reruns_while_training(browser, tmp: Path, per_page: int,
                          plan: Plan) -> dict[str, list[float]]:
    """Durations (ms) of every script run seen on each page while a long run trains."""
    env = {"IMPORTANCE_UI_DEFAULTS": json.dumps(plan.quick)}
    out: dict[str, list[float]] = {}
    with running_app(tmp / "runs", env=env) as app:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url)
        page.locator(FIRST_CHART).first.wait_for(timeout=120_000)
        open_page(page, "Data")  # the app opens on the Overview; the Data page has Launch
        page.locator(CHART).first.wait_for(timeout=120_000)
        page.get_by_role("button", name="Launch comparison").click()
        page.get_by_text("Finished. Explore the results").wait_for(timeout=600_000)
        for name in PAGES:  # warm every page's caches once, as a user's first visit does
            open_page(page, name)
            page.locator(CHART).first.wait_for(timeout=120_000)
        start_long_run(page, plan.long)
        page.evaluate(RECORDER)
        for name in PAGES:
            open_page(page, name)
            page.locator(CHART).first.wait_for(timeout=120_000)
            page.wait_for_timeout(1000)
            page.evaluate("window.__runs = []")
            for _ in range(per_page):
                page.locator("h1").first.click()  # focus the app, not an input
                page.keyboard.press("r")
                page.wait_for_timeout(1500)
            out[name] = page.evaluate("window.__runs")
        page.close()
    return out


def script_times_in_process(tmp: Path, per_page: int, plan: Plan) -> dict[str, list[float]]:
    """Server-side script time (ms) of each page's reruns, via AppTest, while a run trains."""
    os.environ["IMPORTANCE_RUNS_DIR"] = str(tmp / "inproc")
    from streamlit.testing.v1 import AppTest

    from importance.config import DataConfig
    from importance.launch import LaunchForm
    from ui import runs

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=300).run()
    mgr = runs.manager()
    mgr.submit(LaunchForm.defaults(plan.quick).configs(DataConfig()))
    mgr.wait()
    paths = {name: f"pages/{name.lower()}.py" for name in PAGES}
    for path in paths.values():  # first visits fill the caches
        at.switch_page(path).run()
    long_run = LaunchForm.defaults(plan.long_form)
    (job,) = mgr.submit(long_run.configs(DataConfig()))
    while mgr.get(job).epoch < 1:
        time.sleep(0.2)
    out = {}
    for name, path in paths.items():
        at.switch_page(path).run()
        times = []
        for _ in range(per_page):
            t0 = time.perf_counter()
            at.run()
            times.append(1000 * (time.perf_counter() - t0))
        out[name] = times
    mgr.cancel(job)
    mgr.wait()
    return out


def watched_vs_unwatched(browser, tmp: Path, pairs: int,
                         plan: Plan) -> dict[str, list[tuple[float, float]]]:
    """(wall s, energy Wh) of a short run followed on the Train page vs left on the Data page."""
    from importance.runs.store import RunStore

    env = {"IMPORTANCE_UI_DEFAULTS": json.dumps(plan.watched)}
    out: dict[str, list[tuple[float, float]]] = {"watched": [], "unwatched": []}
    store = RunStore(tmp / "watch")
    with running_app(store.root, env=env) as app:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url)
        page.locator(FIRST_CHART).first.wait_for(timeout=120_000)
        for watch in [True, False] * pairs:
            open_page(page, "Data")
            page.locator(CHART).first.wait_for(timeout=120_000)
            before = set(store.ids())
            page.get_by_role("button", name="Launch comparison").click()
            page.locator("h1", has_text="Train").wait_for()
            if not watch:
                open_page(page, "Data")
            end = time.time() + 600
            while not (new := set(store.ids()) - before):
                assert time.time() < end, "the run did not finish"
                time.sleep(0.2)
            s = store.load(new.pop()).summary
            out["watched" if watch else "unwatched"].append((s["wall_s"], 1000 * s["energy_kwh"]))
            page.wait_for_timeout(1500)  # let the finished state settle
        page.close()
    return out


def report(title: str, runs: dict[str, list[float]]) -> None:
    print(title)
    for name, ms in runs.items():
        if ms:
            print(f"  {name:<11} {len(ms):3d} script runs: median {statistics.median(ms):5.0f} ms,"
                  f" longest {max(ms):5.0f} ms")
    longest = max((max(ms) for ms in runs.values() if ms), default=float("nan"))
    print(f"  longest: {longest:.0f} ms (goal 300 ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts to time")
    parser.add_argument("--reruns", type=int, default=3, help="reruns per page")
    parser.add_argument("--pairs", type=int, default=2, help="watched/unwatched run pairs")
    parser.add_argument("--smoke", action="store_true",
                        help="each step once with tiny models (a check that it runs)")
    a = parser.parse_args(argv)
    plan = SMOKE if a.smoke else REAL
    if a.smoke:
        a.starts, a.reruns, a.pairs = 1, 1, 1
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(other work on the machine inflates every figure)")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = launch_browser(p)
        starts = [cold_start(browser, Path(tmp) / f"cold{i}") for i in range(a.starts)]
        print(f"cold start to first chart: median {statistics.median(starts):.2f} s "
              f"(runs: {', '.join(f'{s:.2f}' for s in starts)}; goal 3 s)")
        report("script reruns while a job trains, seen in the browser:",
               reruns_while_training(browser, Path(tmp), a.reruns, plan))
        watch = watched_vs_unwatched(browser, Path(tmp), a.pairs, plan)
        browser.close()
        print(f"one {plan.watched['epochs']}-epoch full-data run, followed on the Train page vs "
              "left on the Data page:")
        for name, rows in watch.items():
            print(f"  {name:<9}  wall {statistics.median(r[0] for r in rows):5.1f} s, energy "
                  f"{statistics.median(r[1] for r in rows):.4f} Wh (estimated), median of "
                  f"{len(rows)}")
        report("script reruns while a job trains, server-side script time (AppTest):",
               script_times_in_process(Path(tmp), a.reruns if a.smoke else max(a.reruns, 5),
                                       plan))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

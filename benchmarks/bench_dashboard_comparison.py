"""The default three-strategy comparison launched from the Train page in a real browser, quiet
and next to competing CPU-bound processes, with the same comparison from the command line.

    python benchmarks/bench_dashboard_comparison.py              # busy 0 and 1, CLI too
    python benchmarks/bench_dashboard_comparison.py --busy 1 --no-cli
    python benchmarks/bench_dashboard_comparison.py --busy 0 --no-cli --seeds 1 3
    python benchmarks/bench_dashboard_comparison.py --smoke   # one seed, tiny model: a check

The browser (Debian's chromium) stays on the Train page, whose progress panel polls, from the
click on "Launch comparison" with the form's defaults until the comparison's "estimated X,
took Y" line is shown. `--seeds N ...`: the Seeds field set to each N (seeds 0..N-1) in turn,
each launched twice on one server, the first with the job worker cold (it starts and imports
torch), the second warm; each line gives the estimate the page showed before the click, the
time it took, and their ratio. Each run's own wall time comes from the stored summaries. The
competing processes are plain Python loops at normal priority, as in
`benchmarks/bench_contention.py`. The machine's load average is printed before and after:
other programs' work inflates every figure. --smoke: quiet only, one seed, the form's
defaults and the command line set to one epoch of a tiny model (`SMOKE`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_contention import _spin  # noqa: E402 - after the path fix
from ui.devserver import FIRST_CHART, launch_browser, open_page, running_app  # noqa: E402

TIMEOUT_S = 1800
SMOKE = {"epochs": 1, "lookback": 24, "hidden": 4, "stride": 32}  # form fields and CLI options


def _runs(root: Path) -> list[dict]:
    from importance.runs.store import RunStore

    store = RunStore(root)
    return [store.load(i).summary for i in store.ids()]


def _launch(page, comparison: int, seeds: int) -> tuple[float, float]:
    """Set the Seeds field, read the estimate beside Launch, click it and wait for the
    comparison's "estimated X, took Y" line: (seconds from the click, estimated seconds)."""
    field = page.get_by_role("textbox", name="Seeds", exact=True)
    field.fill(str(seeds))
    field.press("Enter")
    caption = page.get_by_text(re.compile(rf"for this comparison \({3 * seeds} run"))
    caption.wait_for(timeout=120_000)
    estimate = _seconds(re.search(r"About ([^(]+) for this comparison",
                                  caption.inner_text())[1])
    t0 = time.perf_counter()
    page.get_by_role("button", name="Launch comparison").click()
    page.get_by_text(f"Comparison {comparison}: estimated").wait_for(timeout=TIMEOUT_S * 1000)
    return time.perf_counter() - t0, estimate


def _seconds(words: str) -> float:
    """ "1 min 05 s" -> 65 (`importance.sweep.view.duration_words`)."""
    parts = dict((unit, int(n)) for n, unit in re.findall(r"(\d+) (h|min|s)\b", words))
    return 3600 * parts.get("h", 0) + 60 * parts.get("min", 0) + parts.get("s", 0)


def dashboard(browser, root: Path, seeds: list[int],
              defaults: dict) -> list[tuple[int, str, float, float]]:
    """(seeds, "cold" | "warm", seconds from the Launch click to the comparison's end on the
    Train page, the estimate it showed) of each launch; the form starts from `defaults`
    over the app's own."""
    out = []
    env = {"IMPORTANCE_UI_DEFAULTS": json.dumps(defaults)} if defaults else None
    with running_app(root, env=env) as app:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url)
        page.locator(FIRST_CHART).first.wait_for(timeout=120_000)
        open_page(page, "Train")
        for n in seeds:  # the server's first launch starts the job worker: again, warm
            for worker in ("cold", "warm") if not out else ("warm",):
                out.append((n, worker, *_launch(page, len(out) + 1, n)))
        page.close()
    return out


def command_line(root: Path, seeds: int, options: dict) -> tuple[float, list[dict]]:
    """Seconds of `importance compare` with its defaults but `options` on seeds 0..seeds-1,
    and the runs' summaries."""
    extra = [a for k, v in options.items() for a in (f"--{k}", str(v))]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "importance.cli", "compare", "--no-progress",
                    "--seeds", f"0-{seeds - 1}", "--runs-dir", str(root), *extra], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "CODECARBON_LOG_LEVEL": "error"})
    return time.perf_counter() - t0, _runs(root)


def report(name: str, busy: int, seconds: float, runs: list[dict]) -> None:
    parts = ", ".join(f"{r['strategy']} {r['wall_s']:.0f} s" for r in
                      sorted(runs, key=lambda r: r["strategy"]))
    print(f"  {name:<30} {busy} busy: {seconds:6.1f} s in all ({parts})", flush=True)


def report_launches(busy: int, launches: list[tuple[int, str, float, float]]) -> None:
    for n, worker, seconds, estimate in launches:
        print(f"  Train page, {n} seed{'s' if n > 1 else ''}, worker {worker}: {busy} busy: "
              f"{seconds:6.1f} s, estimated {estimate:.0f} s ({estimate / seconds:.2f}x)",
              flush=True)
    warm = {n: s for n, w, s, _ in launches if w == "warm"}
    if len(warm) > 1:
        one = min(warm)
        print("  warm, against " + f"{one} seed: " + ", ".join(
            f"{n} seeds {warm[n] / warm[one]:.2f}x" for n in sorted(warm) if n != one))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line runs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[3],
                        help="seed counts launched from the Train page (default: its 3)")
    parser.add_argument("--smoke", action="store_true",
                        help="quiet, one seed, a tiny model (a check that it runs)")
    a = parser.parse_args(argv)
    tiny = SMOKE if a.smoke else {}
    if a.smoke:
        a.busy, a.seeds = [0], [1]
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = launch_browser(p)
        for busy in a.busy:
            spinners = [mp.get_context("spawn").Process(target=_spin, daemon=True)
                        for _ in range(busy)]
            for s in spinners:
                s.start()
            try:
                report_launches(busy, dashboard(browser, Path(tmp) / f"app-{busy}", a.seeds,
                                                tiny))
                if not a.no_cli:
                    for n in a.seeds:
                        secs, runs = command_line(Path(tmp) / f"cli-{busy}-{n}", n, tiny)
                        report(f"importance compare, {n} seeds", busy, secs, runs)
            finally:
                for s in spinners:
                    s.kill()
                    s.join()
        browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

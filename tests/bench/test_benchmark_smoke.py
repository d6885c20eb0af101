"""Every benchmark's `--smoke` mode runs and prints the result lines its real mode is read by
(README's "Measured here"), so a renamed button, option or function fails here instead of in
the benchmark. Figures are not checked: only that each line is there with a number in it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `benchmarks` and `ui` are folders, not installed packages
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_allocator import find_tcmalloc  # noqa: E402 - after the path fix
from benchmarks.bench_app import PAGES as APP_PAGES  # noqa: E402
from importance.classical import CLASSICAL_MODELS  # noqa: E402
from importance.models import MODEL_KINDS  # noqa: E402
from tests.fixtures.exports import EXPORTS  # noqa: E402
from ui.devserver import CHROMIUM  # noqa: E402

BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "results"
N = r"[\d.,]+"  # a figure
ALLOCATOR = ([rf"glibc / tcmalloc epoch time: plain {N}x, train_step_with_norms {N}x",
              rf"tcmalloc \(LD_PRELOAD\)\s+{N}\s+{N}\s+{N}\s+{N}"]
             if find_tcmalloc() else ["tcmalloc not found"])

DPET_ROWS = ("Full data \\(early stopping\\)", "RS2 @0.2", "Active learning @0.25",
        "GraNd static top-k @0.25", "CRAIG coreset @0.25", "Glister @0.25",
        "GraphCut coreset @0.25", "DPET")
DPET_SMOKE = [  # bench_dpet_table: the paper's rows, a control at a spent budget, the answer
    *(rf"^\s*{row}\s+1\s+{N}\s" for row in DPET_ROWS),
    rf"^embedded: added rs2 at keep {N} \(seed 0\): the budget craig \{{'keep_ratio': 0.25\}} "
    rf"spent \({N}x full data: {N} backprops \+ {N} selection work, mean over its seeds\)",
    r"^dataset embedded, seed 0: \d+ runs trained",
    r"^embedded: each method against RS2 at the budget it spent",
    r"^answer \(embedded\): (yes|no)"]

# script: the lines (regular expressions, one line each) its smoke output must contain
FAST = {
    "bench_dpet_table.py": DPET_SMOKE,
    "bench_allocator.py": [
        rf"glibc malloc \(no LD_PRELOAD\)\s+{N}\s+{N}\s+{N}\s+{N}", *ALLOCATOR,
        rf"train_step_with_norms / plain step, glibc malloc \(no LD_PRELOAD\): {N}x"],
    "bench_cells_load.py": [
        rf"cells.csv: 20 cells x 168 hours, {N} MiB; cold loads, median of 1",
        *(rf"^\s+{n}\s+{N}\s+{N}\s+{N}\s+{N}$" for n in (10, 20))],
    "bench_classical.py": [
        *(rf"^{name}\s+{h} .*\s{N}\s+{N}\s+{N}  " for name in CLASSICAL_MODELS for h in (1, 6)),
        rf"^\(flat train\+val mean\)\s+1\s+{N}"],
    "bench_compress.py": [
        rf"=== seed 0: run \S+ \(test MAE {N}, trained in {N} s\) ===",
        rf"int8-dynamic\s+ok\s+{N}", rf"structured-50-ft\s+ok\s+{N}",
        rf"machine while measuring: (quiet|loaded): other processes used {N} of \d+ cores",
        rf"goal \(structured-50-ft latency <= 0.6x at MAE <= 1.05x\): latency {N}x, MAE {N}x: "
        r"(met|NOT met)"],
    "bench_contention.py": [
        rf"chosen: importance.runtime \(adaptive\)\s+\[\d+ threads?\]\s+1 busy:\s+{N} s "
        rf"\({N}x\)"],
    "bench_demo.py": [
        rf"dashboard #1: {N} s \(jobs \['done', 'done', 'done'\], runs' own wall {N}, {N}, "
        rf"{N} s\)",
        rf"command line #1: {N} s", rf"dashboard median {N} s, max {N} s; command line median"],
    "bench_loader.py": [
        r"^quiet:$", r"^with one competing CPU-bound process:$",
        rf"long {N} rows: describe \+ load one BS\s+median\s+{N} s",
        *(rf"fixture {name}: describe \+ load\s+median\s+{N} s" for name in EXPORTS)],
    "bench_milan_raw.py": [
        rf"^file: {N} rows", r"read_milan_raw \(all squares, internet\) -> 144 slots x 50 squares",
        rf"seconds over 1 runs: best {N}, median {N}"],
    "bench_models.py": [
        rf"hourly_cell: {N} points, lookback 24; best classical \w+ test MAE {N}",
        *(rf"{kind}\s+revin {on}\s+test MAE\s+{N} \+-\s+{N} \({N}x best classical\)"
          for kind in MODEL_KINDS for on in ("off", "on "))],
    "bench_panels.py": [
        *(rf"^\s+{n}\s+{N}\s+{N}\s+{N}\s+{N}\s+{N}\s+{N}$" for n in (10, 20)),
        rf"importance compare --series all \(12 cells x 168 h\) .* --classical: peak {N} GiB",
        *(rf"^{s}\s+1\s+{N}\s+{N}\s+{N}$" for s in ("full", "rs2 @0.5", "infobatch @0.5",
                                                       "gradnorm @0.5")),
        rf"best classical: .+ pooled MASE {N}, fit \+ forecast {N} s",
        r"verdict: One seed: indicative, names no winner",
        r"kept most by gradnorm @0.5: .+; least: "],
    "bench_plan.py": [
        rf"wall {N} s; file parsed \d+ times, {N} s parsing",
        rf"before the first training: {N} s",
        rf"outside them {N} s = \d+% of the wall time"],
    "bench_scoring.py": [
        rf"naive per-sample loop \(4 samples timed, x8\)\s+{N}x",
        rf"torch.func vmap\+grad \(.+\)\s+{N}x|torch.func vmap: fails",
        rf"Opacus 1.6 GradSampleModule \+ DPLSTM\s+{N}x",
        rf"exact_grad_norms \(this project\)\s+{N}x",
        *(rf"proxy fidelity, LSTM h=8 trained 2 steps \(loss {N}\), horizon {h}, 100 of"
          for h in (1, 24)),
        *(rf"^  {proxy}\s+{N}\s+{N}\s+{N}\s+{N}$" for proxy in ("last_layer", "truncated"))],
    "bench_statsforecast.py": [
        rf"statsforecast import \(once per process, not in the rows\): {N} s",
        *(rf"^{name}\s+statsforecast\s+{N}\s+{N}\s+{N}\s+\S+\s+{N}  "
          for name in ("auto_ets", "auto_theta", "mstl_ets")),
        r"^daily panel: 3 cells x 137 days", r"^hourly panel: 3 live cells x 672 hours"],
    "bench_strategies.py": [
        *(rf"seed 0 {key}\s+MAE\s+{N} wall\s+{N}s scoring\s+{N}s epochs 1"
          for key in ("full", "gradnorm@0.7", "rs2@0.7")),
        r"ratios to full of the same seed, mean±sd over seeds \[0\]",
        rf"^gradnorm@0.7\s+1\s+{N}±{N}"],
    "bench_sweep.py": [
        rf"^\s+2 x 1\s+3\s+{N}\s+{N}\s+{N}x", r'^\[\{"workers": 2'],
}
BROWSER = {
    "bench_app.py": [
        rf"cold start to first chart: median {N} s \(runs: {N}; goal 3 s\)",
        r"script reruns while a job trains, seen in the browser:",
        r"script reruns while a job trains, server-side script time \(AppTest\):",
        *(rf"^  {page}\s+\d+ script runs: median\s+{N} ms" for page in APP_PAGES),
        rf"longest: {N} ms \(goal 300 ms\)",
        rf"watched\s+wall\s+{N} s, energy {N} Wh", rf"unwatched\s+wall\s+{N} s, energy {N} Wh"],
    "bench_dashboard_comparison.py": [
        *(rf"Train page, 1 seed, worker {w}: 0 busy:\s+{N} s, estimated {N} s \({N}x\)"
          for w in ("cold", "warm")),
        rf"importance compare, 1 seeds\s+0 busy:\s+{N} s in all \(full {N} s, gradnorm {N} s, "
        rf"rs2 {N} s\)"],
    "bench_demo.py --browser": [rf"browser #1: {N} s from the click to the verdict",
                                rf"; browser median {N} s"],
}


def results_state() -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in RESULTS.iterdir()}


def run_smoke(command: str, tmp_path: Path, timeout: float) -> str:
    """`python benchmarks/<command> --smoke` from the repository root: its output, after
    checking it exits 0 and leaves benchmarks/results/ as it was."""
    script, *args = command.split()
    before = results_state()
    env = {**os.environ, "IMPORTANCE_RUNS_DIR": str(tmp_path / "runs"),
           "IMPORTANCE_UPLOADS_DIR": str(tmp_path / "uploads"), "CODECARBON_LOG_LEVEL": "error"}
    proc = subprocess.run([sys.executable, f"benchmarks/{script}", "--smoke", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (f"{command} --smoke exited {proc.returncode}:\n"
                                  f"{proc.stderr[-4000:]}")
    assert results_state() == before, f"{command} --smoke wrote into {RESULTS}"
    return proc.stdout


def assert_lines(out: str, expected: list[str]) -> None:
    missing = [e for e in expected if not re.search(e, out, re.M)]
    assert not missing, f"lines missing: {missing}\n--- output:\n{out}"


def test_every_benchmark_has_a_smoke_mode_that_the_suite_runs():
    scripts = sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))
    run = {command.split()[0] for command in (*FAST, *BROWSER)}
    without_flag = [s for s in scripts
                    if not re.search(r"""add_argument\(\s*["']--smoke["']""",
                                     (BENCHMARKS / s).read_text())]
    assert not without_flag, f"benchmarks without a --smoke mode: {without_flag}"
    assert not set(scripts) - run, f"smoke modes this file does not run: {set(scripts) - run}"
    assert not run - set(scripts), f"listed here but gone: {run - set(scripts)}"


@pytest.mark.parametrize("command", FAST)
def test_smoke_mode_runs_and_prints_its_result_lines(command, tmp_path):
    assert_lines(run_smoke(command, tmp_path, timeout=240), FAST[command])


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} missing")
@pytest.mark.parametrize("command", BROWSER)
def test_browser_smoke_mode_runs_and_prints_its_result_lines(command, tmp_path):
    assert_lines(run_smoke(command, tmp_path, timeout=570), BROWSER[command])

"""benchmarks/bench_dpet_table.py (issue 25 point 3): its smoke mode prints the paper's
energy-to-accuracy rows, every method paired with RS2 at the budget it spent and the answer
line; a second pass over a stored dataset and seed trains nothing; cells say '-' for never
reached and how many seeds reached otherwise."""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from test_benchmark_smoke import N, assert_lines, run_smoke  # noqa: E402

from benchmarks.bench_dpet_table import TINY, cell, run_dataset  # noqa: E402
from importance.energy import EnergyMeter  # noqa: E402

ROWS = ("Full data \\(early stopping\\)", "RS2 @0.2", "Active learning @0.25",
        "GraNd static top-k @0.25", "CRAIG coreset @0.25", "Glister @0.25",
        "GraphCut coreset @0.25", "DPET")
DPET_SMOKE = [
    *(rf"^\s*{row}\s+1\s+{N}\s" for row in ROWS),
    rf"^embedded: added rs2 at keep {N} \(seed 0\): the budget craig \{{'keep_ratio': 0.25\}} "
    rf"spent \({N}x full data: {N} backprops \+ {N} selection work, mean over its seeds\)",
    r"^dataset embedded, seed 0: \d+ runs trained",
    r"^embedded: each method against RS2 at the budget it spent",
    r"^answer \(embedded\): (yes|no)"]


def test_smoke_mode_prints_the_table_the_pairs_and_the_answer(tmp_path):
    assert_lines(run_smoke("bench_dpet_table.py", tmp_path, timeout=240), DPET_SMOKE)


def test_a_stored_dataset_and_seed_is_not_trained_again(tmp_path, capsys):
    todo = [("full", {}), ("rs2", {"keep_ratio": 0.2})]
    meter = EnergyMeter("ITA")
    first = run_dataset("embedded", TINY, [0], tmp_path, meter, todo)
    assert "seed 0: 2 runs trained" in capsys.readouterr().out
    again = run_dataset("embedded", TINY, [0], tmp_path, meter, todo)
    assert "seed 0: 0 runs trained" in capsys.readouterr().out
    assert {r.run_id for r in again} == {r.run_id for r in first}


def test_cells_say_never_all_seeds_or_how_many():
    nan = math.nan
    assert cell([nan, nan, nan]) == "-"
    assert cell([1.0, 2.0, 3.0]) == "2 [-0.484, 4.48]"
    assert cell([0.001, nan, 0.003], scale=1000) == "2 [-10.7, 14.7] (2/3 seeds)"
    assert cell([5.0, nan, nan]) == "5 (1/3 seeds)"

"""benchmarks/bench_dpet_table.py (issue 25 point 3; its smoke mode runs with every other
benchmark's, tests/bench/test_benchmark_smoke.py): a second pass over a stored dataset and
seed trains nothing; cells say '-' for never reached and how many seeds reached otherwise."""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_dpet_table import TINY, cell, run_dataset  # noqa: E402
from importance.energy import EnergyMeter  # noqa: E402


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

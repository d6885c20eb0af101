"""`importance compare --series all` (and a pattern) trains ONE model per strategy over every
live cell of a long, wide or transposed file: the stored run's config names those cells, its
summary has each of them per series, and the dead cells are left out and said."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from importance.cli import build_parser, main
from importance.cli_options import MEMBERS_SHOWN, print_members
from importance.data import load_many
from importance.runs.store import RunStore
from tests.fixtures import panels

CELLS = 8  # eNB_31004 (all zeros) and eNB_31006 (constant) are dead
TINY = ["--strategies", "full", "--seed", "0", "--epochs", "1", "--hidden", "4",
        "--no-progress"]
LAYOUTS = {"long": (panels.write_hourly_long, 168, "24"),
           "wide": (panels.write_hourly_wide, 168, "24"),
           "transposed": (panels.write_daily_transposed, 136, "14")}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_compare_series_all_is_one_model_over_every_live_cell(tmp_path: Path, layout: str,
                                                              capsys) -> None:
    write, points, lookback = LAYOUTS[layout]
    path = write(tmp_path / f"{layout}.csv", CELLS, points)
    runs = tmp_path / "runs"
    code = main(["compare", "--data", str(path), "--series", "all", *TINY, "--lookback",
                 lookback, "--runs-dir", str(runs)])
    assert code == 0
    printed = capsys.readouterr().out
    live = panels.live_cells(CELLS)
    assert (f"series: {len(live)} cells (all); left out 2 with nothing to forecast: eNB_31004 "
            "(constant: every value is 0), eNB_31006 (constant: every value is 5)") in printed
    assert f"one model per strategy on these {len(live)} series" in printed
    assert re.search(r"This panel \(.+\) fits: about [\d.]+ [GM]B of memory at its peak", printed)
    store = RunStore(runs)
    (run_id,) = store.ids()
    run = store.load(run_id)
    assert run.config.data.series == tuple(live)  # one run: one model over all of them
    assert [part["series"] for part in run.summary["per_series"]] == live
    assert all(part["test_mae"] > 0 for part in run.summary["per_series"])


def test_compare_with_a_pattern_trains_on_its_matches(tmp_path: Path, capsys) -> None:
    path = panels.write_hourly_long(tmp_path / "long.csv", CELLS, 168)
    runs = tmp_path / "runs"
    assert main(["compare", "--data", str(path), "--series", "eNB_3100[1-5]", *TINY,
                 "--lookback", "24", "--runs-dir", str(runs)]) == 0
    assert "series: 4 cells (eNB_3100[1-5]); left out 1" in capsys.readouterr().out
    (run_id,) = RunStore(runs).ids()
    assert RunStore(runs).load(run_id).config.data.series == (
        "eNB_31001", "eNB_31002", "eNB_31003", "eNB_31005")


def test_a_large_panel_prints_a_few_series_and_a_summary(tmp_path: Path, capsys) -> None:
    path = panels.write_hourly_long(tmp_path / "long.csv", 40, 48)
    loaded = load_many(path, panels.live_cells(40))
    print_members(loaded)
    printed = capsys.readouterr().out
    assert printed.count("data: BS ") == MEMBERS_SHOWN
    rest = loaded[MEMBERS_SHOWN:]
    filled = [len(one.filled) for one in rest]
    assert (f"and {len(rest)} more series: 48 points each at a 1 h step; {sum(filled)} filled "
            f"in {sum(1 for f in filled if f)} of them") in printed
    gaps = sum(n.count for one in rest for n in one.notes if n.issue.startswith("missing time"))
    assert f"  note: missing timestamps: {gaps} in " in printed
    print_members(loaded[:2])
    assert capsys.readouterr().out.count("data: BS ") == 2  # few: each in full


def test_sweep_series_all_says_which_cells_it_left_out(tmp_path: Path, capsys) -> None:
    """The sweep chooses cells as compare does: one run per live cell, the dead ones said."""
    from importance.sweep.cli import plan

    path = panels.write_hourly_long(tmp_path / "long.csv", CELLS, 168)
    args = build_parser().parse_args(["sweep", "--data", str(path), "--series", "all",
                                      "--strategies", "full", "--seeds", "0", "--epochs", "1",
                                      "--lookback", "24", "--runs-dir", str(tmp_path / "runs")])
    planned = plan(args)
    assert "series: 6 cells (all); left out 2 with nothing to forecast" in capsys.readouterr().out
    assert [c.series for c in planned.cells] == panels.live_cells(CELLS)


def test_classical_over_budget_on_a_panel_is_skipped_and_said(tmp_path: Path, capsys) -> None:
    """--classical on many cells: a model whose first fit times the cells exceeds
    --classical-budget is skipped, named with the figures; the cheap ones still run."""
    path = panels.write_hourly_long(tmp_path / "long.csv", CELLS, 168)
    out = tmp_path / "out.json"
    assert main(["compare", "--data", str(path), "--series", "all", *TINY, "--lookback", "24",
                 "--classical", "--classical-models", "seasonal_naive_daily,holt_winters",
                 "--classical-budget", "0.02", "--json", str(out),
                 "--runs-dir", str(tmp_path / "runs")]) == 0
    err = capsys.readouterr().err
    assert re.search(r"skipped holt_winters: [\d.]+ s on the first series, about [\d,]+ s for "
                     r"all 6: over the 0.02 s asked for each model", err), err
    records = json.loads(out.read_text())["runs"]
    assert [r["strategy"] for r in records if r.get("seed") is None] == ["seasonal_naive_daily"]


def test_classical_models_names_unknown_models(tmp_path: Path, capsys) -> None:
    path = panels.write_hourly_long(tmp_path / "long.csv", CELLS, 168)
    runs = tmp_path / "runs"
    assert main(["compare", "--data", str(path), "--series", "all", *TINY, "--classical",
                 "--classical-models", "prophet", "--runs-dir", str(runs)]) == 2
    assert "unknown classical model 'prophet'; allowed: " in capsys.readouterr().err
    assert not runs.exists() or not list(runs.iterdir())  # refused before any training

"""Which cells matter (issue 22, point 5): the per-cell kept shares, the cells never or always
kept, the score quantiles per cell and the Milan map positions, on hand-built cases; and
`importance compare` on a tiny 4-cell panel prints and writes the most and least kept cells."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from importance.aggregates.cells import (
    QUANTILES,
    cell_selection,
    cells_text,
    mean_kept,
    ranked_cells,
    ranked_records,
    run_cells,
    square_map,
)
from importance.cli import main
from importance.runs.store import RunStore
from tests.fixtures.daily_panel import cell_ids, write_daily_panel

NAMES = ("a", "b", "c")
OWNER = np.array([0, 0, 1, 1, 1, 2])  # a: 2 windows, b: 3, c: 1
# epoch 1: warm-up, every window; epochs 2-3 by score: a keeps 1 then 2 of 2, b none, c all
SELECTED = np.array([[1, 1, 1, 1, 1, 1],
                     [1, 0, 0, 0, 0, 1],
                     [1, 1, 0, 0, 0, 1]], dtype=bool)
SCORES = np.array([[np.nan] * 6,
                   [4.0, 1.0, 0.5, 0.2, 0.1, 9.0],
                   [5.0, 2.0, np.nan, 0.3, 0.4, 8.0]])
BY_SCORE = np.array([False, True, True])


def test_kept_share_per_cell_per_epoch_and_overall():
    cells = cell_selection(SCORES, SELECTED, OWNER, NAMES, BY_SCORE)
    assert cells.names == NAMES
    assert cells.windows.tolist() == [2, 3, 1]
    assert cells.per_epoch.tolist() == [[1, 1, 1], [0.5, 0, 1], [1, 0, 1]]
    assert cells.counted.tolist() == [False, True, True]
    assert cells.kept.tolist() == [0.75, 0, 1]  # warm-up not counted: b kept then
    assert cells.never() == ["b"] and cells.always() == ["c"]
    # without the stored flag: inferred from the scores (epoch 1 has none), the same
    assert cell_selection(SCORES, SELECTED, OWNER, NAMES).kept.tolist() == [0.75, 0, 1]
    # no epoch selected by score: every epoch counts
    plain = cell_selection(SCORES, SELECTED, OWNER, NAMES, np.zeros(3, dtype=bool))
    assert plain.kept == pytest.approx([5 / 6, 1 / 3, 1])
    assert plain.never() == [] and plain.always() == ["c"]


def test_window_order_does_not_matter_and_quantiles_are_numpy_s():
    cells = cell_selection(SCORES, SELECTED, OWNER, NAMES, BY_SCORE)
    latest = np.array([5.0, 2.0, 0.5, 0.3, 0.4, 8.0])  # each window's last finite score
    for k in range(3):
        assert cells.quantiles[k] == pytest.approx(np.quantile(latest[OWNER == k], QUANTILES))
    perm = np.array([5, 2, 0, 4, 1, 3])
    shuffled = cell_selection(SCORES[:, perm], SELECTED[:, perm], OWNER[perm], NAMES, BY_SCORE)
    assert shuffled.per_epoch.tolist() == cells.per_epoch.tolist()
    assert shuffled.kept.tolist() == cells.kept.tolist()
    assert shuffled.quantiles == pytest.approx(cells.quantiles)


def test_quantiles_of_equal_and_unequal_cells_with_unscored_windows():
    rng = np.random.default_rng(0)
    unequal = np.repeat(np.arange(5), [10, 50, 3, 1, 36])
    lopsided = np.repeat(np.arange(5), [1, 1, 1, 1, 200])  # sorted by value, then by cell
    for owner in (np.repeat(np.arange(5), 40), unequal, rng.permutation(unequal), lopsided,
                  rng.permutation(lopsided)):
        scores = rng.lognormal(size=(2, owner.size))
        scores[:, rng.random(owner.size) < 0.2] = np.nan  # never scored
        selected = rng.random(scores.shape) < 0.5
        cells = cell_selection(scores, selected, owner, list("vwxyz"))
        for k in range(5):
            mine = scores[1, owner == k]
            mine = mine[np.isfinite(mine)]
            want = np.quantile(mine, QUANTILES) if mine.size else np.full(len(QUANTILES),
                                                                         np.nan)
            np.testing.assert_allclose(cells.quantiles[k], want)
            assert cells.kept[k] == pytest.approx(selected[:, owner == k].mean())


def test_a_cell_without_windows_and_a_run_that_names_too_few_series():
    cells = cell_selection(SCORES, SELECTED, OWNER, (*NAMES, "d"), BY_SCORE)
    assert cells.windows[3] == 0 and np.isnan(cells.kept[3]) and np.isnan(cells.quantiles[3]).all()
    assert cells.table()["series"].tolist() == ["c", "a", "b", "d"]  # most kept first
    with pytest.raises(ValueError, match="series index 2 but the run names 2 series"):
        cell_selection(SCORES, SELECTED, OWNER, NAMES[:2], BY_SCORE)


def test_table_ranking_and_words():
    cells = cell_selection(SCORES, SELECTED, OWNER, NAMES, BY_SCORE)
    table = cells.table()
    assert list(table.columns) == ["series", "windows", "kept", "epoch 1", "epoch 2", "epoch 3",
                                   *(f"score p{round(100 * q)}" for q in QUANTILES)]
    assert table["series"].tolist() == ["c", "a", "b"]
    assert table["epoch 2"].tolist() == [1, 0.5, 0]
    most, least = cells.ranked()
    assert most["series"].tolist() == ["c", "a"] and least["series"].tolist() == ["b"]
    text = cells_text(cells)
    assert "Over 3 cells and the epochs that selected by score (epochs 2-3)" in text
    assert "kept 75% of the time at the median, from 0% to 100%" in text
    assert "Never kept (1): b." in text and "Always kept (1): c." in text
    nearly = cell_selection(SCORES[:, :2], np.array([[1, 1], [1, 1], [1, 0]], dtype=bool),
                            np.zeros(2, dtype=int), ("a",), BY_SCORE)
    assert "from 75% to 75%" in cells_text(nearly) and "No cell was always kept" in \
        cells_text(nearly)
    many = np.zeros((1, 1000), dtype=bool)
    many[0, 0] = True  # 1 window of 1,000: 0.1%, not 0%
    assert "from 0.1% to 0.1%" in cells_text(cell_selection(np.ones((1, 1000)), many,
                                                            np.zeros(1000, dtype=int), ("a",)))


def test_ten_most_and_least_of_many_cells():
    names = [f"cell{k}" for k in range(25)]
    kept = np.linspace(0, 1, 25)
    kept[3] = np.nan  # no window: left out
    most, least = ranked_cells(names, kept, 10)
    assert most["series"].tolist() == [f"cell{k}" for k in range(24, 14, -1)]
    assert least["series"].tolist() == ["cell0", "cell1", "cell2", *(f"cell{k}"
                                                                    for k in range(4, 11))]
    assert least["kept"].tolist() == pytest.approx(kept[[0, 1, 2, *range(4, 11)]])
    record = ranked_records(names, kept, 2)
    assert record["most_kept"] == [{"series": "cell24", "kept": 1.0},
                                   {"series": "cell23", "kept": pytest.approx(23 / 24)}]
    assert [r["series"] for r in record["least_kept"]] == ["cell0", "cell1"]


def test_seeds_average_per_cell_and_other_cells_are_refused():
    one = cell_selection(SCORES, SELECTED, OWNER, NAMES, BY_SCORE)
    other = cell_selection(SCORES, ~SELECTED, OWNER, NAMES, BY_SCORE)
    assert mean_kept([one, other]).tolist() == [0.5, 0.5, 0.5]
    renamed = cell_selection(SCORES, SELECTED, OWNER, ("x", "b", "c"), BY_SCORE)
    with pytest.raises(ValueError, match="different series"):
        mean_kept([one, renamed])


def test_milan_squares_sit_on_the_grid_and_other_ids_get_no_map():
    squares = ("1", "100", "101", "5060", "10000")
    owner = np.arange(5)
    selected = np.array([[1, 0, 1, 0, 1]], dtype=bool)
    cells = cell_selection(np.ones((1, 5)), selected, owner, squares)
    grid = square_map(cells)
    assert grid.to_dict("list") == {"square": list(squares), "col": [0, 99, 0, 59, 99],
                                    "row": [0, 0, 1, 50, 99], "kept": [1.0, 0, 1, 0, 1]}
    for names in (("eNB_1", "eNB_2"), ("0", "1"), ("1", "10001")):
        cells = cell_selection(np.ones((1, 2)), np.ones((1, 2), dtype=bool), np.arange(2),
                               names)
        assert square_map(cells).empty


@pytest.fixture
def panel_csv(tmp_path):
    return write_daily_panel(tmp_path / "enb_daily.csv", cells=4, days=120)


def test_compare_on_a_panel_prints_and_writes_the_most_and_least_kept_cells(
        tmp_path, panel_csv, capsys):
    ids = cell_ids(4)
    out, runs = tmp_path / "out.json", tmp_path / "runs"
    assert main(["compare", "--data", str(panel_csv), "--series", ",".join(ids),
                 "--column", "DL_Volume_GB", "--strategies", "full,gradnorm",
                 "--keep-ratio", "0.5", "--epochs", "3", "--hidden", "4", "--lookback", "14",
                 "--stride", "2", "--seed", "0", "--country", "none", "--no-progress",
                 "--json", str(out), "--runs-dir", str(runs)]) == 0
    printed = capsys.readouterr().out
    head = ("cells kept most and least by gradnorm keep 0.5 (share of each cell's training "
            "windows kept in the epochs that selected by score (epoch 3), seed 0):")
    assert head in printed and "by full" not in printed
    # the rs2 control added at the budget gradnorm spent (its scoring forwards counted)
    assert re.search(r"cells kept most and least by rs2 keep 0\.\d+ \(share of each cell's "
                     r"training windows kept in every epoch \(none selected by score\), seed 0\):",
                     printed), printed
    lines = printed.split(head)[1].splitlines()[1:4]
    assert lines[0].split() == ["rank", "most", "kept", "kept%", "least", "kept", "kept%"]

    store = RunStore(runs)
    data = json.loads(out.read_text())
    (grad,) = [store.load(r["run_id"]) for r in data["runs"] if r["strategy"] == "gradnorm"]
    a = grad.arrays
    # the stored windows' series follow the config's ids: each window's first target is
    # that cell's value at that time in the file
    frame = pd.read_csv(panel_csv, parse_dates=["Date"])
    for k, cell in enumerate(ids):
        mine = a["train_series"] == k
        values = frame[frame["eNodeB"] == cell].set_index("Date")["DL_Volume_GB"]
        at = pd.to_datetime(a["train_time_ns"][mine])
        known = values.reindex(at).notna().to_numpy()  # the file's empty days are filled
        np.testing.assert_allclose(a["train_actual"][mine][known],
                                   values.reindex(at).to_numpy()[known], rtol=1e-5)
    # the shares printed are the run's, counted over the epoch that selected by score
    assert [e["selected_by_score"] for e in grad.summary["epochs"]] == [False, False, True]
    want = {cell: a["selected"][2, a["train_series"] == k].mean()
            for k, cell in enumerate(ids)}
    cells = run_cells(grad, a)
    assert dict(zip(cells.names, cells.kept, strict=True)) == pytest.approx(want)
    most, least = cells.ranked()
    assert [ln.split()[1] for ln in lines[1:3]] == most["series"].tolist()
    assert [ln.split()[3] for ln in lines[1:3]] == least["series"].tolist()
    assert [float(ln.split()[2]) for ln in lines[1:3]] == pytest.approx(
        (100 * most["kept"]).round(1).tolist())
    # gradnorm, then the control compare added at its budget (rs2): never full data
    assert [g["strategy"] for g in data["kept_cells"]] == ["gradnorm", "rs2"]
    group = data["kept_cells"][0]
    assert group["keep_ratio"] == 0.5
    assert group["seeds"] == [0] and group["epochs"] == "the epochs that selected by score " \
        "(epoch 3)"
    assert [c["series"] for c in group["most_kept"]] == most["series"].tolist()
    assert [c["kept"] for c in group["least_kept"]] == pytest.approx(least["kept"].tolist())

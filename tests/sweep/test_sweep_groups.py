"""Sweeps over cell groups (issue 22, past one machine): `--groups` and `--groups-file` parsed
and checked, each group a series of the grid whose runs train one global model over its live
cells (as `compare --series` would), planned, guarded and estimated as a panel, and a tiny
sweep over two groups on a local Dask cluster of one worker."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from importance.cli import build_parser, main
from importance.cli_options import data_from_args
from importance.config import DataConfig
from importance.plan import plan_comparison, sweep_estimate, time_estimate
from importance.runs.memory import MAX_EPOCH_ENV, ScaleGuardError
from importance.runs.store import RunStore
from importance.runs.tasks import DONE
from importance.sweep.cli import plan
from importance.sweep.grid import Axes, sweep_id
from importance.sweep.groups import parse_groups, read_groups_file
from importance.sweep.store import SweepStore
from importance.sweep.view import runs_frame, sweep_lines, sweep_verdict
from tests.fixtures.panels import cell_ids, dead_cells, write_hourly_long, write_hourly_wide

CELLS = 8
IDS = cell_ids(CELLS)  # eNB_31001 ... eNB_31008; eNB_31004 and eNB_31006 have nothing to forecast
NORTH, SOUTH = IDS[:4], IDS[4:]
GROUPS = "north=eNB_3100[1-4];south=eNB_3100[5-8]"
TINY = ["--epochs", "1", "--lookback", "24", "--hidden", "4", "--no-progress"]


def _live(ids: list[str]) -> tuple[str, ...]:
    dead = set(dead_cells(CELLS))
    return tuple(c for c in ids if c not in dead)


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    return write_hourly_long(tmp_path_factory.mktemp("groups") / "cells.csv", cells=CELLS,
                             hours=336)


@pytest.fixture
def data(panel):
    return DataConfig(path=str(panel))


def _table(path, rows: list[str]):
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _sweep(panel, *options: str):
    return build_parser().parse_args(["sweep", "--data", str(panel), "--strategies", "full,rs2",
                                      "--keep-ratios", "0.5", "--seeds", "0", *options, *TINY])


# --- parsing and checking ---------------------------------------------------------------------

def test_groups_take_every_series_choice_and_leave_dead_cells_out_per_group(data):
    north, south, top = parse_groups(" north = eNB_3100[1-4] ; south=eNB_31005,eNB_31007;"
                                     "big=top:1", data)
    assert (north.name, north.cells.ids) == ("north", _live(NORTH))
    assert north.cells.left_out[0][0] == "eNB_31004"  # all zeros
    assert north.words().startswith("group north: 3 cells (eNB_3100[1-4]); left out 1")
    assert south.cells.ids == ("eNB_31005", "eNB_31007") and not south.cells.left_out
    assert top.name == "big" and len(top.cells.ids) == 1


@pytest.mark.parametrize("text, match", [
    ("north", r"'north' is not name=choice"),
    ("north=", r"'north=' is not name=choice"),
    ("north=eNB_31001;;south=eNB_31002", "has an empty item"),
    ("no rth=eNB_31001", r"group name 'no rth' must be letters, digits"),
    ("3=eNB_31001", r"group name '3' must be .* with a letter .* write cluster3"),
    ("a=eNB_31001;a=eNB_31002", "group a given more than once"),
    ("a=eNB_3100[1-3];b=eNB_31003", "cell eNB_31003 is in groups a and b"),
    ("a=eNB_31001;b=eNB_9*", r"--groups, group b: .*the pattern 'eNB_9\*' matches no id"),
    ("a=eNB_31001,eNB_99", r"--groups, group a: .*eNB_99 not in"),
    ("a=eNB_31001;dead=eNB_3100[46]", r"--groups, group dead: .*every cell it names has "
                                      r"nothing to forecast: eNB_31004 \(constant"),
])
def test_bad_groups_say_what_is_wrong(data, text, match):
    with pytest.raises(ValueError, match=match):
        parse_groups(text, data)


def test_a_groups_file_is_a_cell_to_group_table(data, tmp_path):
    path = _table(tmp_path / "regions.csv", [
        "eNodeB;Region", "eNB_31008;south", "eNB_31001;north", "", "eNB_31004;north",
        "eNB_31005;south", "eNB_31002;north", "eNB_31002;north"])  # a repeated row: once
    found = read_groups_file(path, data)
    assert [g.name for g in found] == ["south", "north"]  # in the order they first appear
    groups = {g.name: g for g in found}
    assert groups["north"].cells.ids == ("eNB_31001", "eNB_31002")  # file order of the data
    assert groups["north"].cells.left_out[0][0] == "eNB_31004"
    assert groups["south"].cells.ids == ("eNB_31005", "eNB_31008")
    assert "regions.csv" in groups["north"].words()


@pytest.mark.parametrize("rows, match", [
    ([], r"groups.csv is empty"),
    (["cell,group"], r"groups.csv has no rows after its header"),
    (["eNB_31001,north", "eNB_31002,north"],
     r"groups.csv row 1: 'eNB_31001' is a cell id, but the first row must name the columns"),
    (["cell,group", "eNB_31001,north,x"], r"groups.csv row 2: expected 2 values .* got 3"),
    (["cell,group", "eNB_31001,"], r"groups.csv row 2: empty group name"),
    (["cell,group", "eNB_31001,north", ",south"], r"groups.csv row 3: empty cell id"),
    (["cell,group", "eNB_31001,north;x"], r"groups.csv row 2: group name 'north;x' must be"),
    (["cell,group", "eNB_31001,north", "eNB_9,north", "x,south"],
     r"groups.csv: cell ids not in .*cells.csv \(8 cells, e.g. eNB_31001.*\): "
     r"row 3: 'eNB_9'; row 4: 'x'"),
    (["cell,group", "eNB_31001,north", "eNB_31002,north", "eNB_31001,south"],
     r"groups.csv rows 2 and 4: cell eNB_31001 is in two groups \(north and south\)"),
    (["cell,group", "eNB_31004,dead", "eNB_31006,dead"],
     r"groups.csv: every cell of group dead has nothing to forecast: eNB_31004"),
])
def test_a_bad_groups_file_names_the_file_row_and_value(data, tmp_path, rows, match):
    with pytest.raises(ValueError, match=match):
        read_groups_file(_table(tmp_path / "groups.csv", rows), data)


def test_a_missing_groups_file_is_named(data, tmp_path):
    with pytest.raises(ValueError, match=r"--groups-file .*nothere.csv: cannot be read"):
        read_groups_file(tmp_path / "nothere.csv", data)


def test_groups_series_and_the_groups_file_are_exclusive(panel, tmp_path, capsys):
    for extra in (["--series", "eNB_31001"], ["--groups-file", str(tmp_path / "g.csv")]):
        assert main(["sweep", "--data", str(panel), "--groups", GROUPS, *extra, *TINY]) == 2
        assert "are exclusive" in capsys.readouterr().err


# --- the grid: keys, configs, sweep id, guard, estimate ----------------------------------------

def test_each_group_is_a_series_of_the_grid_training_compares_panel(panel, tmp_path):
    planned = plan(_sweep(panel, "--groups", GROUPS))
    axes = planned.axes
    assert axes.series == ("north", "south")
    assert axes.groups == (("north", _live(NORTH)), ("south", _live(SOUTH)))
    assert axes.to_dict()["groups"] == {"north": list(_live(NORTH)), "south": list(_live(SOUTH))}
    assert [c.key for c in planned.cells] == ["full-s0-north", "rs2-k0.5-s0-north",
                                              "full-s0-south", "rs2-k0.5-s0-south"]
    # a group's run is `compare --series <its live cells>`'s, the data's column named
    c = build_parser().parse_args(["compare", "--data", str(panel), "--series",
                                   ",".join(_live(SOUTH)), "--strategies", "rs2",
                                   "--keep-ratio", "0.5", "--seed", "0", *TINY])
    expected = plan_comparison(c, data_from_args(c)).configs[0]
    got = planned.cells[3].config
    assert got.data.series == _live(SOUTH) and got.data.is_panel
    assert got == replace(expected, data=replace(expected.data, column="Energy"))
    # the same grid from a groups file: the same sweep (resume); other cells: another one
    table = _table(tmp_path / "g.csv", ["cell,group", *(f"{s},north" for s in NORTH),
                                        *(f"{s},south" for s in SOUTH)])
    from_file = plan(_sweep(panel, "--groups-file", str(table)))
    assert from_file.axes == axes
    assert sweep_id(from_file.cells) == sweep_id(planned.cells)
    other = plan(_sweep(panel, "--groups", "north=eNB_3100[1-2];south=eNB_3100[5-8]"))
    assert sweep_id(other.cells) != sweep_id(planned.cells)


def test_the_sweep_pages_form_plans_groups_too(data):
    """The Sweep page plans from its form (`LaunchForm`) through the same `plan_sweep`."""
    from importance.launch import LaunchForm
    from importance.plan import plan_sweep

    form = LaunchForm.defaults({"epochs": 1, "lookback": 24, "hidden": 4, "series": []})
    groups = (("north", _live(NORTH)), ("south", ("eNB_31007",)))
    planned = plan_sweep(form, data, Axes(("full",), (0.5,), (0, 1), ("north", "south"),
                                          groups), workers=1)
    assert [(c.key, c.config.data.series) for c in planned.cells] == [
        ("full-s0-north", _live(NORTH)), ("full-s1-north", _live(NORTH)),
        ("full-s0-south", "eNB_31007"), ("full-s1-south", "eNB_31007")]  # a group of one cell
    assert planned.cells[0].config.window.lookback == 24


def test_a_wide_files_cells_each_train_on_their_own_column(tmp_path):
    """A wide file's cells are its columns: a grid's series and groups name no column, so each
    cell loads its own (a named default column made every cell load the first one)."""
    wide = write_hourly_wide(tmp_path / "wide.csv", cells=CELLS, hours=336)
    by_series = plan(_sweep(wide, "--series", "eNB_31001,eNB_31002"))
    grouped = plan(_sweep(wide, "--groups", "x=eNB_31001,eNB_31002"))
    c = build_parser().parse_args(["compare", "--data", str(wide), "--series",
                                   "eNB_31001,eNB_31002", "--strategies", "full", "--seed", "0",
                                   *TINY])
    expected = plan_comparison(c, data_from_args(c))
    for planned in (by_series, grouped):
        assert planned.loaded["eNB_31001"].values.mean() < planned.loaded[
            "eNB_31002"].values.mean()
        assert all(cell.config.data.column is None for cell in planned.cells)
    assert [s.values.mean() for s in expected.loaded] == [
        grouped.loaded[s].values.mean() for s in ("eNB_31001", "eNB_31002")]
    assert grouped.cells[0].config == expected.configs[0]


def test_single_series_grids_are_as_before(panel):
    planned = plan(_sweep(panel, "--series", "eNB_31001,eNB_31002"))
    assert planned.axes == Axes(("full", "rs2"), (0.5,), (0,), ("eNB_31001", "eNB_31002"))
    assert "groups" not in planned.axes.to_dict()
    assert [c.config.data.series for c in planned.cells] == ["eNB_31001"] * 2 + ["eNB_31002"] * 2


def test_a_groups_runs_meet_the_panels_scale_guard_here_not_on_a_cluster(panel, monkeypatch):
    monkeypatch.setenv(MAX_EPOCH_ENV, "0.000001")  # no epoch may take that little
    with pytest.raises(ScaleGuardError, match=r"This panel \(3 series x .* per epoch here"):
        plan(_sweep(panel, "--groups", GROUPS, "--workers", "1"))
    # a cluster's workers train them: nothing is refused here
    assert plan(_sweep(panel, "--groups", GROUPS, "--address", "tcp://127.0.0.1:1")).cells
    # one model per cell: the memory guard alone, as before (no epoch limit)
    assert plan(_sweep(panel, "--series", "eNB_31001", "--workers", "1")).cells


def test_a_groups_estimate_counts_the_windows_of_its_cells(panel):
    planned = plan(_sweep(panel, "--groups", GROUPS, "--workers", "1"))
    est = sweep_estimate(planned, [], parallel=1, start_s=0.0)
    for s in planned.axes.series:
        values = [one.values for one in planned.series_of(s)]
        assert len(values) == 3
        one = time_estimate(planned.configs(s), values, [], sweep=True)
        alone = time_estimate(planned.configs(s), values[:1], [], sweep=True)
        assert sum(one.runs) > sum(alone.runs)
    assert est.seconds == pytest.approx(sum(
        sum(time_estimate(planned.configs(s), [o.values for o in planned.series_of(s)], [],
                          sweep=True).runs) for s in planned.axes.series))


# --- a sweep over two groups on a local Dask cluster ---------------------------------------------

def test_a_sweep_over_two_groups_stores_one_global_run_per_group_strategy_and_seed(
        panel, tmp_path, capsys):
    runs, out = tmp_path / "runs", tmp_path / "sweep.json"
    args = ["sweep", "--data", str(panel), "--groups", GROUPS, "--strategies", "full,rs2",
            "--keep-ratios", "0.5", "--seeds", "0", "--workers", "1", *TINY,
            "--runs-dir", str(runs), "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "group north: 3 cells (eNB_3100[1-4]); left out 1 with nothing to forecast: " \
           "eNB_31004" in printed
    assert "sweep: 4 runs = 2 strategies x 1 keep ratio x 1 seed x 2 groups" in printed
    doc = json.loads(out.read_text())
    assert doc["axes"]["groups"] == {"north": list(_live(NORTH)), "south": list(_live(SOUTH))}
    rows = doc["runs"]
    assert [(r["key"], r["series"], r["status"]) for r in rows] == [
        ("full-s0-north", "north", DONE), ("rs2-k0.5-s0-north", "north", DONE),
        ("full-s0-south", "south", DONE), ("rs2-k0.5-s0-south", "south", DONE)]
    store = RunStore(runs)
    assert sorted(store.ids()) == sorted(r["run_id"] for r in rows)
    stored = [store.load(r["run_id"]) for r in rows]
    for r, run in zip(rows, stored, strict=True):
        assert f"done      {r['key']}  test MAE" in printed
        members = _live(NORTH if r["series"] == "north" else SOUTH)
        assert run.config.data.series == members  # one global model on the group's cells
        assert run.summary["sweep_group"] == r["series"]
        assert run.summary["sweep_cell"] == r["key"] and r["test_mae"] > 0
    # the view: the group names, in the runs table, the settings and the verdict's units
    record = SweepStore(store).load(doc["sweep_id"])
    frame = runs_frame(record, [run.summary for run in stored])
    assert list(frame["series"]) == ["north", "north", "south", "south"]
    assert "groups (one model each) north (3 cells), south (3 cells)" in sweep_lines(
        record, stored)[0]
    assert doc["verdict"]["headline"].startswith("2 group-seed pairs: indicative")
    assert sweep_verdict(stored).to_json() == doc["verdict"]
    assert main(args) == 0  # the same groups again: the same sweep, nothing left to train
    assert f"sweep {doc['sweep_id']}: 4 runs done before, 0 to train" in capsys.readouterr().out

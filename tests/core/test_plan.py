"""The launch plan (`importance.plan`): a 50-series panel's file is read once however many
series, checks and surfaces ask for it; refusals name what is wrong; the command line, the
Train page's Launch and the sweeps go through it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance import plan as planning
from importance.cli import build_parser, main
from importance.config import DataConfig
from importance.data import DataError, describe, load_members
from importance.estimate import cost_basis
from importance.experiment import prepare
from importance.launch import LaunchForm
from importance.plan import plan_comparison, plan_sweep, sweep_estimate, time_estimate
from importance.runs import footprint, memory
from importance.runs.store import RunStore
from importance.sweep.grid import Axes
from tests.fixtures.daily_panel import cell_ids, write_daily_panel

IDS = cell_ids(50)


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def panel_csv(tmp_path: Path) -> Path:
    return write_daily_panel(tmp_path / "enb_daily.csv", cells=50, days=120)


class Spy:
    """Wraps a function, recording each call's keyword arguments."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        self.calls.append(kwargs)
        return self.fn(*args, **kwargs)


def form(**changes) -> LaunchForm:
    return LaunchForm.defaults({"epochs": 1, "lookback": 14, "hidden": 8, "strategies": ["full"],
                                "seeds": [0], "series": IDS, **changes})


def test_a_50_series_panel_is_read_once_through_the_plan_and_after_it(panel_csv, reads):
    data = DataConfig(path=str(panel_csv))
    info = describe(data)  # the sidebar, before the plan
    plan = plan_comparison(form(strategies=["full", "gradnorm"], seeds=[0, 1]), data)
    assert reads == ["enb_daily.csv"]
    assert info.series == IDS and [s.series for s in plan.loaded] == IDS
    assert len(plan.configs) == 4 and plan.seeds == (0, 1)
    assert all(c.data.series == tuple(IDS) for c in plan.configs)
    assert [c.train.strategy for c in plan.by_seed()[1]] == ["full", "gradnorm"]
    assert plan.memory.total > footprint.PROCESS_OVERHEAD
    # planned again (Launch after the caption), and a run's own loaders and windows: no read
    plan_comparison(form(), data)
    assert all(a is b for a, b in zip(load_members(plan.data), plan.loaded, strict=True))
    prepare(plan.data, plan.configs[0].window)
    assert reads == ["enb_daily.csv"]


def test_an_edited_file_is_planned_from_its_new_content(panel_csv, reads):
    data = DataConfig(path=str(panel_csv))
    before = plan_comparison(form(series=IDS[:3]), data)
    text = panel_csv.read_text()
    panel_csv.write_text(text.replace("eNB_31002,", "eNB_31002,1", 1))  # one value changed
    after = plan_comparison(form(series=IDS[:3]), data)
    assert reads == ["enb_daily.csv", "enb_daily.csv"]
    assert not after.loaded[1].values.equals(before.loaded[1].values)
    assert after.loaded[0].values.equals(before.loaded[0].values)


def test_importance_compare_plans_once_and_reads_its_file_once_for_the_whole_comparison(
        panel_csv, reads, tmp_path, monkeypatch, capsys):
    from importance import compare_cli

    spy = Spy(compare_cli.plan_comparison)
    monkeypatch.setattr(compare_cli, "plan_comparison", spy)
    code = main(["compare", "--data", str(panel_csv), "--series", ",".join(IDS),
                 "--strategies", "full", "--seed", "0", "--epochs", "1", "--lookback", "14",
                 "--hidden", "8", "--no-progress", "--runs-dir", str(tmp_path / "runs")])
    assert code == 0, capsys.readouterr().err
    assert len(spy.calls) == 1
    assert reads == ["enb_daily.csv"]  # the describe, the plan, the run: one parse
    store = RunStore(tmp_path / "runs")
    (run_id,) = store.ids()
    run = store.load(run_id)
    assert run.config.data.series == tuple(IDS)
    assert len(run.summary["per_series"]) == 50
    assert "one model per strategy on these 50 series" in capsys.readouterr().out


def test_the_train_page_launch_queues_the_plan_with_the_managers_lanes(panel_csv, reads,
                                                                       monkeypatch):
    from ui import launch as ui_launch
    from ui.data import Dataset

    class Manager:
        lanes, warm, submitted = 2, True, None

        def submit(self, configs, estimates):
            self.submitted = (configs, estimates)
            return [f"job-{k}" for k in range(len(configs))]

    mgr = Manager()
    monkeypatch.setattr(ui_launch.runs, "manager", lambda: mgr)
    monkeypatch.setattr(ui_launch.runs, "all_runs", lambda: [])
    spy = Spy(ui_launch.plan_comparison)
    monkeypatch.setattr(ui_launch, "plan_comparison", spy)
    data = DataConfig(path=str(panel_csv), column="DL_Volume_GB")
    dataset = Dataset(data, describe(data), panel_csv.name)
    chosen = form(strategies=["full", "rs2"], seeds=[0, 1, 2])
    ids = ui_launch.launch(chosen, dataset)
    assert spy.calls == [{"lanes": 2}]
    configs, estimates = mgr.submitted
    assert configs == list(plan_comparison(chosen, data).configs) and len(ids) == 6
    assert len(estimates) == 6 and all(s > 0 for s in estimates)
    assert reads == ["enb_daily.csv"]


# --- refusals ---------------------------------------------------------------------------------

def test_a_column_the_file_lacks_is_refused_naming_the_file_and_its_columns(panel_csv):
    with pytest.raises(DataError, match=r"^enb_daily\.csv: no value column 'Volume'; the columns "
                                        r"are: Date, eNodeB, DL_Volume_GB, UL_Volume_GB$"):
        plan_comparison(form(), DataConfig(path=str(panel_csv), column="Volume"))


def test_an_unknown_series_id_is_refused_naming_it_and_the_ids(panel_csv):
    with pytest.raises(DataError, match=r"unknown series 'eNB_9' in column 'eNodeB'; it has 50: "
                                        r"eNB_31001, eNB_31002"):
        plan_comparison(form(series=["eNB_31001", "eNB_9"]), DataConfig(path=str(panel_csv)))


def test_a_series_too_short_for_the_window_is_refused_naming_it(panel_csv):
    with pytest.raises(ValueError, match=r"^eNodeB eNB_31001 · DL_Volume_GB \(enb_daily\.csv\) "
                                         r"has 120 points \(120 days at a 1 day step\): too short "
                                         r"for lookback 98 steps = 14 weeks .* the largest "
                                         r"lookback that fits is 17 steps"):
        plan_comparison(form(lookback=98), DataConfig(path=str(panel_csv)))


def test_a_constant_series_is_refused_naming_it_and_its_value(tmp_path):
    days = pd.date_range("2023-01-01", periods=150, freq="D").strftime("%Y-%m-%d")
    rows = [f"{d},{cell},{v}" for cell, values in (("A", np.arange(150.0)), ("B", [5.0] * 150))
            for d, v in zip(days, values, strict=True)]
    path = tmp_path / "flat.csv"
    path.write_text("Date,cell,volume\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"cell B · volume \(flat\.csv\): the series is constant "
                                        r"\(every value is 5\)"):
        plan_comparison(form(series=["A", "B"]), DataConfig(path=str(path)))


def test_the_memory_guard_refuses_with_the_estimate_and_counts_the_lanes(panel_csv):
    data = DataConfig(path=str(panel_csv))
    worst = plan_comparison(form(), data).memory.total
    with pytest.raises(memory.MemoryGuardError, match=r"^This run \(full\) would need about "
                                                      r"[\d.,]+ [MG]B of memory at its peak"):
        plan_comparison(form(), data, available=worst)  # its limit: half of it
    room = 3 * worst  # a limit of 1.5 runs: one fits, two at once do not
    assert plan_comparison(form(seeds=[0, 1]), data, available=room).memory.total == worst
    with pytest.raises(memory.MemoryGuardError, match=r"^These runs train 2 at once here .* "
                                                      r"IMPORTANCE_LANES=1"):
        plan_comparison(form(seeds=[0, 1]), data, lanes=2, available=room)


# --- sweeps and estimates ---------------------------------------------------------------------

def test_a_sweep_over_50_series_reads_the_file_once_and_checks_each_series(panel_csv, reads):
    axes = Axes(("full", "gradnorm"), (0.5, 0.7), (0,), tuple(IDS))
    plan = plan_sweep(form(series=[]), DataConfig(path=str(panel_csv)), axes)
    assert reads == ["enb_daily.csv"]
    assert len(plan.cells) == 50 * 3 and list(plan.loaded) == IDS
    assert plan.paths == [str(panel_csv.resolve())]
    assert plan.data.column == "DL_Volume_GB"  # named: one grid, one sweep id
    assert {c.config.data.series for c in plan.cells} == set(IDS)
    with pytest.raises(ValueError, match=r"^eNodeB eNB_31001 · DL_Volume_GB .* too short"):
        plan_sweep(form(series=[], lookback=98), DataConfig(path=str(panel_csv)), axes)


def test_importance_sweep_plans_each_series_window_from_one_read(panel_csv, reads):
    a = build_parser().parse_args(["sweep", "--data", str(panel_csv), "--series", "all",
                                   "--strategies", "full,gradnorm", "--seeds", "0,1",
                                   "--epochs", "1"])
    from importance.sweep.cli import plan

    planned = plan(a)
    assert reads == ["enb_daily.csv"]
    assert planned.axes.series == tuple(IDS) and len(planned.cells) == 50 * 2 * 2
    # each series' default window, as compare gives it: four weeks of a daily series, cut to fit
    compare = build_parser().parse_args(["compare", "--data", str(panel_csv), "--series",
                                         IDS[7], "--strategies", "gradnorm", "--seed", "1",
                                         "--epochs", "1"])
    expected = plan_comparison(compare, DataConfig(path=str(panel_csv), series=IDS[7])).configs
    cell = next(c for c in planned.cells if c.key == f"gradnorm-k0.7-s1-{IDS[7]}")
    assert cell.config.window == expected[0].window
    assert cell.config.train == expected[0].train


def test_a_sweeps_estimate_is_its_series_comparisons_run_side_by_side(panel_csv):
    data = DataConfig(path=str(panel_csv))
    one = plan_sweep(form(series=[]), data, Axes(("full", "rs2"), (0.7,), (0, 1), (IDS[0],)))
    alone = sweep_estimate(one, [], parallel=1, start_s=0.0)
    compared = time_estimate(one.configs(IDS[0]), [one.loaded[IDS[0]].values], [], sweep=True)
    assert alone.seconds == pytest.approx(compared.seconds)  # one estimator for both
    axes = Axes(("full",), (0.7,), (0,), tuple(IDS[:4]))  # one run per series, alike
    grid = planning.sweep_grid(form(series=[]), data, axes)
    (run,) = time_estimate(grid.configs(IDS[0]), [grid.loaded[IDS[0]].values], [],
                           sweep=True).runs
    serial = sweep_estimate(grid, [], parallel=1, start_s=12.0)
    assert serial.seconds == pytest.approx(12.0 + 4 * run)
    assert sweep_estimate(grid, [], parallel=2, start_s=12.0).seconds == pytest.approx(
        12.0 + 2 * run)
    assert re.search(r"first guess", cost_basis(serial.costs))


def test_a_local_sweeps_workers_are_counted_together_by_the_memory_guard(panel_csv,
                                                                         monkeypatch):
    data = DataConfig(path=str(panel_csv))
    worst = plan_comparison(form(series=[IDS[0]]), data).memory.total
    monkeypatch.setattr(memory, "available_bytes", lambda: 3 * worst)  # room for 1.5 runs
    axes = Axes(("full", "rs2"), (0.7,), (0,), tuple(IDS[:2]))
    assert len(plan_sweep(form(series=[]), data, axes, workers=1).cells) == 4
    with pytest.raises(memory.MemoryGuardError, match=r"train 2 at once here \(the sweep's "
                                                      r"workers\).*fewer workers"):
        plan_sweep(form(series=[]), data, axes, workers=2)
    assert plan_sweep(form(series=[]), data, axes, workers=2, guard_memory=False).cells

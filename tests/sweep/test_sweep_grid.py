"""The sweep's grid, its parsing and its record: no Dask, no training."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest

from importance.cli import build_parser
from importance.cli_options import data_from_args
from importance.config import DataConfig, RunConfig, TrainConfig
from importance.plan import plan_comparison
from importance.runs.store import RunStore
from importance.sweep.cli import plan
from importance.sweep.grid import (
    Axes,
    cell_key,
    check_axes,
    expand,
    grid_size,
    parse_keep_ratios,
    parse_seeds,
    parse_strategies,
    resolve_series,
    sweep_id,
)
from importance.sweep.store import SweepRecord, SweepStore


def make_config(strategy: str, keep: float, seed: int, series: str | None) -> RunConfig:
    from importance.strategies import accepted_params

    return RunConfig(data=DataConfig(series=series),
                     train=TrainConfig(strategy=strategy, seed=seed, epochs=1,
                                       strategy_params=accepted_params(strategy,
                                                                       keep_ratio=keep)))


AXES = Axes(("full", "gradnorm", "dpet"), (0.5, 0.7), (0, 1), ("5060", "4259"))


def test_expand_makes_one_cell_per_run_and_one_per_seed_for_strategies_without_keep():
    cells = expand(AXES, make_config)
    # gradnorm: 2 keeps; full and dpet take none -> (1 + 2 + 1) x 2 seeds x 2 series
    assert len(cells) == grid_size(AXES) == 16
    keys = [c.key for c in cells]
    assert len(set(keys)) == 16
    assert keys[:4] == ["full-s0-5060", "gradnorm-k0.5-s0-5060", "gradnorm-k0.7-s0-5060",
                        "dpet-s0-5060"]
    g = cells[2]
    assert (g.strategy, g.keep_ratio, g.seed, g.series) == ("gradnorm", 0.7, 0, "5060")
    assert g.config.train.strategy_params == {"keep_ratio": 0.7}
    assert g.config.train.seed == 0 and g.config.data.series == "5060"
    assert cells[0].keep_ratio is None and cells[0].config.train.strategy_params == {}


def test_infobatch_takes_the_keep_ratio_as_its_target_budget():
    cells = expand(Axes(("infobatch",), (0.5, 0.7), (0,), ("5060",)), make_config)
    assert [c.key for c in cells] == ["infobatch-k0.5-s0-5060", "infobatch-k0.7-s0-5060"]
    assert cells[1].config.train.strategy_params == {"target_budget": 0.7}


def test_cell_keys_and_sweep_id_are_stable_and_follow_the_configs():
    assert cell_key("rs2", 0.25, 3, "4456") == "rs2-k0.25-s3-4456"
    assert cell_key("full", None, 0, None) == "full-s0-default"
    a, b = expand(AXES, make_config), expand(AXES, make_config)
    assert sweep_id(a) == sweep_id(b)
    assert sweep_id(a).startswith("sweep-")

    def longer(*args):
        cfg = make_config(*args)
        return RunConfig(cfg.data, cfg.window, cfg.model,
                         TrainConfig(**{**cfg.train.__dict__, "epochs": 2}))

    assert sweep_id(expand(AXES, longer)) != sweep_id(a)


@pytest.mark.parametrize(("axes", "match"), [
    (Axes((), (0.7,), (0,), ("5060",)), "at least one of strategies"),
    (Axes(("full", "full"), (0.7,), (0,), ("5060",)), "strategies full given more than once"),
    (Axes(("nope",), (0.7,), (0,), ("5060",)), r"unknown strategies \['nope'\]; allowed: full"),
    (Axes(("full",), (1.5,), (0,), ("5060",)), r"keep ratios must be in \(0, 1\]"),
    (Axes(("full",), (0.7,), (-1,), ("5060",)), "non-negative"),
])
def test_check_axes_says_what_is_wrong(axes, match):
    with pytest.raises(ValueError, match=match):
        check_axes(axes)


def test_parsers_accept_lists_and_ranges_and_name_bad_items():
    assert parse_strategies("full, gradnorm") == ("full", "gradnorm")
    assert parse_keep_ratios("0.5,0.7,1") == (0.5, 0.7, 1.0)
    assert parse_seeds("0-2,7") == (0, 1, 2, 7)
    with pytest.raises(ValueError, match=r"--strategies: unknown \['grad'\]; allowed"):
        parse_strategies("full,grad")
    with pytest.raises(ValueError, match="empty item"):
        parse_seeds("0,,1")
    with pytest.raises(ValueError, match="'x' is not a number"):
        parse_keep_ratios("0.5,x")
    with pytest.raises(ValueError, match=r"--keep-ratios: 0 is outside \(0, 1\]"):
        parse_keep_ratios("0")
    with pytest.raises(ValueError, match="range 3-1 ends before it starts"):
        parse_seeds("3-1")
    with pytest.raises(ValueError, match="neither a non-negative integer nor a range"):
        parse_seeds("-1")


def test_resolve_series_ids_all_and_top_by_volume_on_the_embedded_data():
    data = DataConfig()
    assert resolve_series(None, data).ids == ("5060",)
    assert resolve_series("5060,4259", data).ids == ("5060", "4259")
    assert len(resolve_series("all", data).ids) == 9
    # the embedded squares' internet totals: 5060 > 4456 > 4259 > the rest
    assert resolve_series("top:3", data).ids == ("5060", "4456", "4259")
    with pytest.raises(ValueError, match=r"--series: 1234 not in .* \(it has 9: 1001, 2100"):
        resolve_series("5060,1234", data)
    with pytest.raises(ValueError, match="top:N needs N >= 1"):
        resolve_series("top:0", data)
    with pytest.raises(ValueError, match="write top:N"):
        resolve_series("top50", data)


def test_sweep_shares_compare_options_and_builds_compare_configs():
    parser = build_parser()
    args = ["--epochs", "2", "--lookback", "24", "--hidden", "8", "--patience", "3"]
    a = parser.parse_args(["sweep", "--strategies", "full,gradnorm", "--keep-ratios", "0.5",
                           "--seeds", "3", "--series", "4259", *args])
    planned = plan(a)
    assert planned.axes == Axes(("full", "gradnorm"), (0.5,), (3,), ("4259",))
    c = parser.parse_args(["compare", "--strategies", "gradnorm", "--keep-ratio", "0.5",
                           "--seed", "3", "--series", "4259", *args])
    expected = plan_comparison(c, data_from_args(c)).configs[0]
    # the sweep names the data's default column, as the Sweep page does
    assert planned.cells[1].config == replace(expected,
                                              data=replace(expected.data, column="internet"))
    named = parser.parse_args(["sweep", "--strategies", "full,gradnorm", "--keep-ratios", "0.5",
                               "--seeds", "3", "--series", "4259", "--column", "internet",
                               *args])
    assert sweep_id(plan(named).cells) == sweep_id(planned.cells)  # one grid, one sweep id
    # one definition of each run option (importance.cli_options), the same in both commands
    sweep_options = _options(_subparser(parser, "sweep"))
    compare_options = _options(_subparser(parser, "compare"))
    for dest in ("data", "column", "tz", "epochs", "model", "lookback", "scoring", "runs_dir",
                 "country", "grid_country", "no_progress"):
        assert sweep_options[dest] == compare_options[dest], dest


def test_series_says_in_each_command_what_it_trains():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {name: next(a.help for a in sub.choices[name]._actions if a.dest == "series")
             for name in ("compare", "sweep", "data")}
    assert "one model per strategy trained on all of them" in helps["compare"]
    assert "each series is a cell of its own and trains its own models" in helps["sweep"]
    for command in ("compare", "sweep"):  # one cell chooser (importance.data.cells) in both
        assert "'all'" in helps[command] and "'eNB_31*'" in helps[command], command
    assert "'all'" not in helps["data"]
    assert "comma-separated" not in helps["data"]  # importance data describes one series


def _options(parser: argparse.ArgumentParser) -> dict[str, tuple]:
    return {a.dest: (a.option_strings, a.default, a.type, a.choices, a.help, a.nargs)
            for a in parser._actions}


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def test_sweep_record_round_trips_and_finished_needs_a_readable_run(tmp_path):
    cells = expand(Axes(("full",), (0.7,), (0, 1), ("5060",)), make_config)
    runs = RunStore(tmp_path / "runs")
    store = SweepStore(runs)
    record = SweepRecord.new(sweep_id(cells), Axes(("full",), (0.7,), (0, 1), ("5060",)), cells)
    record.mark("full-s0-5060", "done", run_id="20260101-000000-full-abcdef")
    path = store.save(record)
    assert path == tmp_path / "runs" / ".sweeps" / record.sweep_id / "sweep.json"
    back = store.load(record.sweep_id)
    assert back.cells == record.cells and back.axes == record.axes
    assert store.ids() == [record.sweep_id]
    assert store.finished(back) == {}  # the run it names is not in the store
    assert runs.scan().unreadable == []  # .sweeps is not taken for a run folder
    path.write_text("{")
    with pytest.raises(ValueError, match="cannot be read .* remove it"):
        store.load(record.sweep_id)

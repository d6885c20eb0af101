import json

import numpy as np
import pandas as pd
import pytest
import torch

from importance.cli import build_parser, main
from importance.cli_options import grid_from_args, holidays_from_args, seeds_from_args
from importance.compare import JSON_FIELDS
from importance.data import LoadedSeries
from importance.data.types import DEFAULT_SOURCE
from importance.grid import GRID_ENV, GridCountry
from importance.runs.store import RunStore
from tests.conftest import machine_cpu_words, make_series

FAST = ["--epochs", "3", "--hidden", "4", "--lookback", "12", "--stride", "4", "--no-progress"]
ONE = ["--seed", "0"]  # one seed: fast (the default is three)


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "cell.csv"
    s = make_series(days=6)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(path, index=False)
    return path


def test_compare_end_to_end_writes_json_and_stores_runs(tmp_path, csv_path, capsys):
    out = tmp_path / "out.json"
    runs = tmp_path / "runs"
    code = main(["compare", "--data", str(csv_path), *FAST, *ONE, "--json", str(out),
                 "--runs-dir", str(runs)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "gradnorm" in printed and machine_cpu_words() in printed
    whole = json.loads(out.read_text(), parse_constant=_no_nan)
    data = whole["runs"]
    # the comparison, then an rs2 control when gradnorm spent more than rs2 (its scoring
    # forwards count: importance.budget, importance.controls)
    assert [r["strategy"] for r in data][:3] == ["full", "gradnorm", "rs2"]
    assert [r["strategy"] for r in data][3:] in ([], ["rs2"])
    for r in data:
        assert set(r) == {*JSON_FIELDS, "seed", "keep_ratio", "test_mase"} and r["seed"] == 0
        assert r["test_mase"] > 0  # one series: its MAE over its seasonal naive's in-sample MAE
        assert r["test_mae"] > 0 and r["energy_kwh"] > 0 and r["wall_s"] >= r["scoring_s"]
    reached = whole["energy_to_accuracy"]
    assert [(r["strategy"], r["run_id"], r["baseline"]) for r in reached] == \
        [(r["strategy"], r["run_id"], r["strategy"] == "full") for r in data]
    full_row = reached[0]
    assert [t["target_pct"] for t in whole["energy_to_accuracy_targets"]] == [90, 95, 99, 100]
    assert isinstance(full_row["reach_100_epoch"], int) and full_row["reach_100_energy_kwh"] > 0
    assert full_row["reach_100_backprops"] <= full_row["backprops"] == data[0]["samples_backprop"]
    for r in reached:  # never reached: null in every cost, never a made-up number
        for t in (90, 95, 99, 100):
            if r[f"reach_{t}_epoch"] is None:
                assert r[f"reach_{t}_energy_kwh"] is None and r[f"reach_{t}_wall_s"] is None
    assert "energy to reach accuracy, seed 0 (one seed: indicative); baseline: full" in printed
    assert whole["energy_to_accuracy_seed"] == 0
    assert "first epoch whose validation MAE <= the baseline's best validation MAE / t" in printed
    assert "is an estimate" in printed
    assert [r["keep_ratio"] for r in data][:3] == [None, 0.7, 0.7]
    full, grad, rand = data[:3]
    assert grad["samples_backprop"] <= 0.71 * full["samples_backprop"]
    assert grad["samples_backprop"] == rand["samples_backprop"]
    assert grad["scoring_s"] > 0 and full["scoring_s"] == 0
    store = RunStore(runs)
    assert sorted(store.ids()) == sorted(r["run_id"] for r in data)
    run = store.load(grad["run_id"])
    assert run.arrays["scores"].shape == run.arrays["selected"].shape
    assert run.arrays["selected"].sum(axis=1).tolist() == [e["n_selected"]
                                                           for e in run.summary["epochs"]]
    preds = run.predictions()
    assert len(preds) == run.summary["n_test"] and np.isfinite(preds["forecast"]).all()
    state = run.state_dict()
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    assert grad["run_id"] in capsys.readouterr().out


def _no_nan(name: str):
    raise ValueError(f"{name} in the JSON output")


def test_compare_with_classical_adds_rows_without_backprop(tmp_path, csv_path, capsys):
    out = tmp_path / "out.json"
    code = main(["compare", "--data", str(csv_path), *FAST, *ONE, "--strategies", "full",
                 "--classical", "--json", str(out), "--runs-dir", str(tmp_path / "r")])
    assert code == 0
    whole = json.loads(out.read_text(), parse_constant=_no_nan)
    rows = whole["runs"]
    names = [r["strategy"] for r in rows]
    assert names[0] == "full" and "holt_winters" in names and "seasonal_naive_daily" in names
    # the classical fits are rows of the energy-to-accuracy table too, after the neural runs
    reached = [r["strategy"] for r in whole["energy_to_accuracy"]]
    assert reached[0] == "full" and set(reached[1:]) == set(names[1:])
    # six days are too short for the weekly models: skipped with the reason, not a crash
    assert "seasonal_naive_weekly" not in names
    captured = capsys.readouterr()
    assert "skipped seasonal_naive_weekly: " in captured.err
    for r in rows[1:]:
        assert r["samples_backprop"] == 0 and r["run_id"] is None and r["wall_s"] > 0
        assert r["seed"] is None  # fitted once: a classical model has no seed
    best = min(r["test_mae"] for r in rows[1:])
    assert rows[0]["mae_vs_classical_pct"] == pytest.approx(100 * (rows[0]["test_mae"] / best - 1))
    printed = captured.out
    assert "vs best classical%" in printed
    # the engine's one claim against the best classical model: one seed names no winner
    (claim,) = [c for c in whole["verdict"]["claims"] if c["against"] != "full data"]
    assert claim["winner"] is None and claim["seeds"] == 1
    assert claim["mean_change_pct"] == pytest.approx(rows[0]["mae_vs_classical_pct"])
    assert f"against the best classical model fitted, {claim['against']}" in printed
    assert " beats " not in printed and " beat " not in printed


def test_bad_input_is_reported_with_the_file_name(tmp_path, capsys):
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    assert main(["compare", "--data", str(bad), *FAST, "--runs-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "importance: error:" in err and "empty.csv" in err


def test_unknown_strategy_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--strategies", "full,psychic"])
    assert "unknown strategies ['psychic']" in capsys.readouterr().err


def test_every_command_has_help_with_an_example():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {"compare", "data", "runs", "sweep", "report", "compress"}
    for name, p in sub.choices.items():
        assert p.description and p.epilog.startswith(f"example: importance {name}")


def test_seeds_are_a_range_a_list_or_one_and_a_bad_spec_is_named(capsys):
    def seeds(*extra: str) -> tuple[int, ...]:
        return seeds_from_args(build_parser().parse_args(["compare", *extra]))

    assert seeds() == (0, 1, 2)  # three by default: the fewest that give an interval
    assert seeds("--seeds", "3-5") == (3, 4, 5)
    assert seeds("--seeds", "0,3,7") == (0, 3, 7)
    assert seeds("--seeds", "7") == (7,)
    assert seeds("--seeds", "0-1, 9") == (0, 1, 9)
    assert seeds("--seed", "4") == (4,)
    for bad in ("2-0", "a", "0,,1", "-1", "1.5", "0,0-2", ""):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["compare", "--seeds", bad])
        err = capsys.readouterr().err
        assert "argument --seeds: " in err and repr(bad) in err
    with pytest.raises(SystemExit):  # one seed or several, not both
        build_parser().parse_args(["compare", "--seed", "1", "--seeds", "0-2"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_scoring_option_reaches_the_gradnorm_run(tmp_path, csv_path):
    runs = tmp_path / "runs"
    assert main(["compare", "--data", str(csv_path), *FAST, *ONE, "--strategies", "gradnorm",
                 "--scoring", "exact", "--lr-schedule", "constant", "--runs-dir", str(runs)]) == 0
    (run_id,) = RunStore(runs).ids()
    run = RunStore(runs).load(run_id)
    assert run.config.train.strategy_params == {"keep_ratio": 0.7, "scoring": "exact"}
    assert [e["score_method"] for e in run.summary["epochs"]] == ["", "", "exact"]
    assert run.config.train.lr_schedule == "constant"


def test_holidays_follow_the_series_unless_given(monkeypatch):
    def args(*extra: str):
        return build_parser().parse_args(["compare", *extra])

    def series(tz: str | None, source: str = "cell.csv") -> LoadedSeries:
        index = pd.date_range("2024-03-01", periods=4, freq="h", tz=tz, name="time")
        return LoadedSeries(pd.Series(1.0, index), pd.Timedelta(hours=1), index[:0], "", source,
                            "cell")

    madrid, naive, milan = series("Europe/Madrid"), series(None), series(None, DEFAULT_SOURCE)
    assert holidays_from_args(args(), madrid) == (
        "ESP", "the country of the series' time zone Europe/Madrid")
    assert holidays_from_args(args(), milan)[0] == "ITA"  # the embedded Milan data
    code, why = holidays_from_args(args(), naive)  # an upload on wall-clock time: none, said
    assert code is None and "no time zone" in why
    assert holidays_from_args(args("--country", "FRA"), madrid) == ("FRA", "set by --country")
    assert holidays_from_args(args("--country", "de"), naive)[0] == "DE"
    assert holidays_from_args(args("--country", "none"), madrid)[0] is None
    # the grid is the machine's: --grid-country, else the environment variable, said
    monkeypatch.setenv(GRID_ENV, "esp")
    assert grid_from_args(args()) == GridCountry("ESP", f"set by {GRID_ENV}")
    assert grid_from_args(args("--grid-country", "FRA")) == GridCountry(
        "FRA", "set by --grid-country")
    with pytest.raises(ValueError, match="--grid-country.*'XY'"):
        grid_from_args(args("--grid-country", "XY"))


def _input_width(run) -> int:
    return next(v for k, v in run.state_dict().items() if k.endswith("weight_ih_l0")).shape[1]


def test_holidays_come_from_the_choice_and_the_grid_from_the_machine(tmp_path, csv_path,
                                                                      capsys, monkeypatch):
    """A UTC file names no country: no holiday feature unless one is chosen (said); the
    grid is the machine's setting, stated in the stored run's energy method."""
    monkeypatch.setenv(GRID_ENV, "ESP")
    for extra, holidays, width in (([], None, 5), (["--country", "ITA"], "ITA", 6),
                                   (["--country", "none"], None, 5)):
        runs = tmp_path / f"{holidays}{len(extra)}"
        assert main(["compare", "--data", str(csv_path), *FAST, *ONE, "--strategies", "full",
                     *extra, "--runs-dir", str(runs)]) == 0
        (run_id,) = RunStore(runs).ids()
        run = RunStore(runs).load(run_id)
        assert run.config.window.holidays == holidays and _input_width(run) == width
        assert run.config.train.country == "ESP"
        assert run.config.train.grid_source == f"set by {GRID_ENV}"
        assert f"Spain grid average; set by {GRID_ENV}" in run.summary["energy_method"]
    out = capsys.readouterr().out
    assert "names no country with a holiday table; choose one for a holiday feature" in out
    assert "public holidays of Italy (set by --country)" in out


def test_an_unknown_holiday_country_is_refused_with_the_way_out(tmp_path, csv_path, capsys):
    assert main(["compare", "--data", str(csv_path), *FAST, "--country", "XYZ",
                 "--runs-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "country 'XYZ'" in err and "--country none" in err
    assert not RunStore(tmp_path).ids()


def test_compare_on_several_series_trains_one_model_each_and_prints_them(tmp_path, capsys):
    from tests.fixtures.exports import EXPORTS

    path = EXPORTS["bs_energy_hourly_long"].write(tmp_path)
    out, runs = tmp_path / "out.json", tmp_path / "runs"
    assert main(["compare", "--data", str(path), "--series", "B_0, B_1,B_3", *FAST, *ONE,
                 "--epochs", "1", "--country", "none", "--json", str(out),
                 "--runs-dir", str(runs)]) == 0
    printed = capsys.readouterr().out
    assert "one model per strategy on these 3 series" in printed
    table = printed.split("test MAE per series")[1].splitlines()[1:]
    assert table[0].split() == ["series", "full", "gradnorm", "rs2"]
    assert [row.split()[0] for row in table[1:5]] == ["B_0", "B_1", "B_3", "pooled"]
    data = json.loads(out.read_text())["runs"]
    store = RunStore(runs)
    for r in data:
        run = store.load(r["run_id"])
        assert run.config.data.series == ("B_0", "B_1", "B_3")
        assert r["per_series"] == run.summary["per_series"]
        assert len(run.predictions()) == sum(p["n_test"] for p in r["per_series"])
    pooled = table[4].split()[1:]
    assert pooled == [f"{r['test_mae']:,.3f}" for r in data]


def test_several_series_are_refused_where_one_is_meant(tmp_path, capsys):
    assert main(["data", "--series", "5060,4259"]) == 2
    assert "importance data describes one series" in capsys.readouterr().err
    assert main(["compare", "--series", "5060,,4259", *FAST, "--runs-dir", str(tmp_path)]) == 2
    assert "--series '5060,,4259' has an empty id" in capsys.readouterr().err
    assert main(["compare", "--series", "5060,9999", *FAST, "--runs-dir", str(tmp_path)]) == 2
    assert "9999" in capsys.readouterr().err
    assert not RunStore(tmp_path).ids()


def test_compare_says_when_readings_failed_and_when_scores_played_no_part(
        tmp_path, csv_path, capsys, monkeypatch):
    import importance.energy
    from tests.conftest import unmeasured_meter

    meter = unmeasured_meter()
    monkeypatch.setattr(importance.energy, "EnergyMeter", lambda country, source: meter)
    out, runs = tmp_path / "out.json", tmp_path / "runs"
    # two epochs: both are gradnorm's random warm-up, so its best epoch is one of them
    assert main(["compare", "--data", str(csv_path), *FAST, *ONE, "--epochs", "2",
                 "--strategies", "full,gradnorm", "--json", str(out), "--runs-dir",
                 str(runs)]) == 0
    printed = capsys.readouterr().out
    table = printed.split("gradnorm: its best epoch")[0]
    assert "added rs2 at keep " in printed  # no control asked: one at gradnorm's budget
    assert table.count("not measured") == 9  # kWh, saved%, gCO2e of the three runs
    assert "100.0" not in table
    assert ("warm-up epoch): the importance scores played no part in this result"
            in printed)
    # full and rs2 use no scores: nothing to say of them
    assert printed.count("the importance scores played no part in this result") == 1
    whole = json.loads(out.read_text(), parse_constant=_no_nan)
    data = whole["runs"]
    assert all(r["energy_kwh"] is None and r["emissions_kg"] is None for r in data)
    for r in whole["energy_to_accuracy"]:  # reached, but its energy not measured: not 0
        assert r["energy_kwh"] is None and r["energy_saved_pct"] is None
        assert r["reach_100_epoch"] is None or r["reach_100_energy_kwh"] is None
    full_row = whole["energy_to_accuracy"][0]
    assert full_row["reach_100_epoch"] >= 1 and full_row["reach_100_wall_s"] > 0
    reached = printed.split("energy to reach accuracy")[1]
    assert "not measured" in reached
    store = RunStore(runs)
    full, grad, _ = (store.load(r["run_id"]).summary for r in data)
    raw = json.loads((runs / grad["run_id"] / "summary.json").read_text())
    assert raw["energy_kwh"] is None and raw["epochs"][0]["energy_kwh"] is None
    assert grad["best_epoch_by_score"] is False and full["best_epoch_by_score"] is False
    assert [e["selected_by_score"] for e in grad["epochs"]] == [False, False]

"""The budget a run spent (issue 25 point 2, `importance.budget`): backprops plus selection
work at the run's own measured cost of a backprop; controls are added at it, the verdict
pairs by it and the comparison table states it in words. Runs without phase timings spend
their backprops only."""

from __future__ import annotations

import pytest

from importance import verdict as vd
from importance.budget import describe, spent, spent_budget
from importance.compare import compare_table
from importance.config import RunConfig, TrainConfig
from importance.controls import budget_controls
from importance.runs.identity import RunInfo


def epoch(trained: int, training_s: float, scoring_s: float = 0.0, forwards: int = 0,
          scoring_bp: int = 0, in_pass_s: float = 0.0) -> dict:
    return {"samples_backprop": trained, "training_s": training_s, "scoring_s": scoring_s,
            "samples_forward": forwards, "samples_scoring_backprop": scoring_bp,
            "in_pass_scoring_s": in_pass_s, "eval_s": 0.1, "val_mae": 1.0,
            "wall_s": training_s + scoring_s + 0.1}


def summary(strategy: str, epochs: list[dict], mae: float = 1.0) -> dict:
    return {"strategy": strategy, "test_mae": mae, "wall_s": 1.0, "energy_kwh": None,
            "samples_backprop": sum(e["samples_backprop"] for e in epochs),
            "samples_scoring_backprop": sum(e["samples_scoring_backprop"] for e in epochs),
            "samples_forward": sum(e["samples_forward"] for e in epochs), "epochs": epochs,
            "n_test": 500, "best_epoch": 1, "best_epoch_by_score": True}


FULL = [epoch(1000, 1.0)] * 4  # 1 ms per backprop, 4,000 backprops
# CRAIG-like: 250 trained per epoch at 1 ms each, plus 0.5 s of forwards and greedy passes
# over 1,000 windows per epoch: 500 backprop-equivalents of selection work an epoch
HEAVY = [epoch(250, 0.25, scoring_s=0.5, forwards=1000)] * 4


def test_selection_work_is_converted_at_the_runs_own_cost_of_a_backprop():
    s = spent(summary("craig", HEAVY))
    assert s.backprops == 1000 and s.per_backprop_s == pytest.approx(0.001)
    assert s.selection == pytest.approx(2000) and s.total == pytest.approx(3000)
    assert s.forward_cost == pytest.approx(0.5)  # per forwarded window, greedy included
    assert spent_budget(summary("full", FULL)) == 4000  # no scoring: backprops only
    words = describe(summary("craig", HEAVY), summary("full", FULL))
    assert words.startswith("0.75x full data: 0.25 backprops + 0.50 selection work")
    assert "0.5 of a backprop per forwarded window" in words.replace("0.50", "0.5")
    assert "1 ms per backprop, measured" in words


def test_counted_scoring_backprops_and_in_pass_arithmetic_are_not_counted_twice():
    # 100 exact-norm backprops at 1 ms = 0.1 s of the 0.3 s scoring: 0.2 s left (200)
    e = epoch(500, 0.5, scoring_s=0.3 + 0.05, scoring_bp=100, in_pass_s=0.05)
    s = spent(summary("gradnorm", [e]))
    assert s.backprops == 600 and s.selection == pytest.approx(200)


def test_runs_without_timings_spend_their_backprops_only():
    old = {"strategy": "el2n", "samples_backprop": 500, "samples_scoring_backprop": 900,
           "epochs": [{"samples_backprop": 500, "val_mae": 1.0}]}
    assert spent_budget(old) == 1400 and spent(old).selection == 0
    assert spent_budget({"strategy": "seasonal_naive", "kind": "classical"}) == 0
    assert describe(summary("rs2", [epoch(250, 0.25)] * 4), summary("full", FULL)) == \
        "0.25x full data: backprops only (no selection passes measured)"


def _run(strategy: str, epochs: list[dict], seed: int = 0, mae: float = 1.0,
         **params) -> RunInfo:
    cfg = RunConfig(train=TrainConfig(strategy=strategy, strategy_params=params, seed=seed))
    s = summary(strategy, epochs, mae) | {"run_id": f"{strategy}-{params}-{seed}"}
    return RunInfo(s["run_id"], s, cfg)


def test_heavy_selection_gets_its_rs2_control_at_the_larger_share():
    runs = [_run("full", FULL), _run("craig", HEAVY, keep_ratio=0.25),
            _run("rs2", [epoch(250, 0.25)] * 4, keep_ratio=0.25)]
    (cfg, line), = budget_controls(runs, "last_layer")  # rs2 at 0.25 is not its budget
    assert cfg.train.strategy == "rs2" and cfg.train.strategy_params == {"keep_ratio": 0.75}
    assert line.startswith("added rs2 at keep 0.75: the budget craig spent (0.75x full data: "
                           "0.25 backprops + 0.50 selection work")
    at = _run("rs2", [epoch(750, 0.75)] * 4, keep_ratio=0.75)
    assert budget_controls([*runs, at], "last_layer") == []


def test_the_verdict_pairs_by_the_spent_budget_and_table_states_it():
    runs = []
    for seed, (craig, low, high) in enumerate([(1.00, 1.10, 0.99), (1.01, 1.12, 1.00),
                                                (0.99, 1.09, 0.98)]):
        runs += [_run("full", FULL, seed, 0.98), _run("craig", HEAVY, seed, craig,
                                                      keep_ratio=0.25),
                 _run("rs2", [epoch(250, 0.25)] * 4, seed, low, keep_ratio=0.25),
                 _run("rs2", [epoch(750, 0.75)] * 4, seed, high, keep_ratio=0.75)]
    found = vd.conclude(runs)
    craig = next(r for r in found.results if r.strategy == "craig")
    assert craig.budget == pytest.approx(0.75)
    assert craig.vs_control.against == "RS2 at keep 0.75"  # not the 0.25 it asked for
    assert craig.vs_control.budgets == pytest.approx((0.75, 0.75))
    assert "budget_mismatch" not in {c.code for c in craig.vs_control.caveats}
    assert craig.vs_control.change.mean > 0  # loses to RS2 at its own budget
    table = compare_table([r.summary for r in runs[:4]]).set_index("strategy")
    assert table.loc["craig", "spent_share"] == pytest.approx(0.75)
    assert table.loc["craig", "backprops_all"] == 1000
    assert table.loc["craig", "budget"].startswith("0.75x full data: 0.25 backprops + 0.50")


def test_the_energy_to_accuracy_table_states_the_spent_share():
    from importance.energy_to_accuracy import energy_to_accuracy

    full, craig = summary("full", FULL), summary("craig", HEAVY)
    table = energy_to_accuracy([full, craig], baseline=full).set_index("strategy")
    assert table.loc["craig", "spent_share"] == pytest.approx(0.75)
    assert table.loc["full", "spent_share"] == 1.0


def test_controls_over_seeds_sit_at_the_mean_spent_share_on_every_seed():
    from importance.controls import seeds_controls

    light = [epoch(250, 0.25, scoring_s=0.1, forwards=1000)] * 4  # 100 per epoch: 0.35
    runs = [_run("full", FULL, 0), _run("full", FULL, 1), _run("craig", HEAVY, 0,
                                                               keep_ratio=0.25),
            _run("craig", light, 1, keep_ratio=0.25)]
    out = seeds_controls(runs, "last_layer")  # mean of 0.75 and 0.35
    assert [(c.train.strategy, c.train.strategy_params, c.train.seed) for c, _ in out] == [
        ("rs2", {"keep_ratio": 0.55}, 0), ("rs2", {"keep_ratio": 0.55}, 1)]
    assert out[0][1] == ("added rs2 at keep 0.55 (seed 0): the budget craig {'keep_ratio': "
                         "0.25} spent (0.55x full data: 0.25 backprops + 0.30 selection work, "
                         "mean over its seeds)")
    at = [_run("rs2", [epoch(550, 0.55)] * 4, s, keep_ratio=0.55) for s in (0, 1)]
    assert seeds_controls([*runs, *at], "last_layer") == []  # matched on every seed
    assert seeds_controls([*runs, at[0]], "last_layer") != []  # one seed is not enough

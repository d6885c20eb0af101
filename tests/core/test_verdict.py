"""The verdict: savings against full data, the control comparison, and how strongly a
difference in test MAE may be stated with one seed or several."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from importance import verdict as vd
from importance.config import DataConfig, RunConfig, TrainConfig, WindowConfig
from importance.evidence import SEED_SPREAD_PCT
from importance.views import RunInfo

ESTIMATED = "CPU energy estimated from CPU load (no hardware energy counters on this machine)"


def run(strategy: str, mae: float, *, seed: int = 0, energy: float | None = 1.0,
        wall: float = 10.0, backprop: int = 1000, scoring_backprop: int = 0,
        keep: float | None = 0.7, lookback: int = 144, method: str = ESTIMATED,
        run_id: str | None = None, **params) -> RunInfo:
    if keep is not None and strategy != "full":
        params["keep_ratio"] = keep
    cfg = RunConfig(window=WindowConfig(lookback=lookback),
                    train=TrainConfig(strategy=strategy, strategy_params=params, seed=seed))
    rid = run_id or f"{strategy}-{seed}-{lookback}-{len(params)}-{mae}"
    summary = {"run_id": rid, "strategy": strategy, "test_mae": mae, "energy_kwh": energy,
               "wall_s": wall, "samples_backprop": backprop,
               "samples_scoring_backprop": scoring_backprop, "energy_method": method,
               "epochs": []}
    return RunInfo(rid, summary, cfg)


def comparison(grad_mae: float, rs2_mae: float, seed: int = 0, base: float = 100.0,
               **kw) -> list[RunInfo]:
    return [run("full", base, seed=seed, **kw),
            run("gradnorm", grad_mae, seed=seed, energy=0.7, wall=7.0, backprop=700,
                scoring_backprop=50, **kw),
            run("rs2", rs2_mae, seed=seed, energy=0.6, wall=6.0, backprop=700, **kw)]


def by_strategy(runs, store=()):
    return {v.strategy: v for v in vd.strategy_verdicts(runs, store)}


def test_savings_against_full_count_scoring_and_say_energy_is_estimated():
    v = by_strategy(comparison(103.6, 100.5))
    g = v["gradnorm"]
    assert g.energy_saved_pct == pytest.approx(30)
    assert g.wall_saved_pct == pytest.approx(30)
    assert g.backprop_saved_pct == pytest.approx(25)  # 700 + 50 scoring of 1000
    assert g.mae_change_pct == pytest.approx(3.6)
    assert g.energy_estimated
    assert "30% less energy (estimated)" in vd.savings_sentence(g)
    assert "25% fewer backpropagated samples" in vd.savings_sentence(g)
    assert set(v) == {"gradnorm", "rs2"}  # full data is the reference, not a verdict
    assert v["rs2"].is_control and vd.control_sentence(v["rs2"]) is None


def test_energy_read_from_counters_alone_is_not_called_an_estimate():
    assert not vd.energy_estimated("CPU energy RAPL counters (hardware energy counters)")
    assert vd.energy_estimated("RAM energy from a constant 10 W model")
    runs = comparison(103.6, 100.5, method="RAPL counters")
    g = by_strategy(runs)["gradnorm"]
    assert not g.energy_estimated
    text = vd.savings_sentence(g)
    assert "30% less energy, " in text and "estimated" not in text


def test_one_seed_within_the_spread_names_no_winner():
    g = by_strategy(comparison(103.6, 100.5))["gradnorm"]
    assert g.outcome == vd.SPREAD
    text = vd.control_sentence(g)
    assert vd.SPREAD_WORDS in text and "beats" not in text
    assert "3.1% higher" in text
    # the numbers: the control saved more energy, said next to the MAE
    assert "Energy saved against full data (estimated): " in text and "40%" in text
    assert vd.SPREAD_WORDS in vd.savings_sentence(g)  # +3.6% against full: within too


@pytest.mark.parametrize(("grad", "outcome", "words"), [
    (90.0, vd.BEATS, "beats its control"),
    (112.0, vd.LOSES, "The control"),
])
def test_one_seed_beyond_the_spread_names_a_winner_for_that_seed(grad, outcome, words):
    g = by_strategy(comparison(grad, 100.0))["gradnorm"]
    assert g.outcome == outcome
    text = vd.control_sentence(g)
    assert words in text and "on seed 0" in text and vd.SPREAD_WORDS not in text


def test_the_spread_threshold_is_the_evidence_modules():
    just_inside = 100 * (1 + (SEED_SPREAD_PCT - 0.01) / 100)
    assert by_strategy(comparison(just_inside, 100.0))["gradnorm"].outcome == vd.SPREAD
    assert by_strategy(comparison(106.0, 100.0))["gradnorm"].outcome == vd.LOSES
    # never "5.0% higher, within the ±5% spread": rounded down inside the spread
    g = by_strategy(comparison(104.96, 100.0))["gradnorm"]
    assert g.outcome == vd.SPREAD and "4.9% higher" in vd.control_sentence(g)
    tone, (text,) = vd.classical_verdict({"Grad": 104.96}, {"Holt-Winters": 100.0})
    assert "4.9% higher" in text and vd.SPREAD_WORDS in text


def test_several_seeds_give_an_interval_and_a_winner_only_when_it_excludes_zero():
    store = comparison(97, 100, seed=1) + comparison(96, 100, seed=2)
    focus = comparison(98, 100, seed=0)
    g = by_strategy(focus, store)["gradnorm"]
    s = g.vs_control
    assert s.seeds == 3 and s.mean == pytest.approx(-3.0)
    assert s.high < 0 and g.outcome == vd.BEATS  # -2, -3, -4: every seed lower
    text = vd.control_sentence(g)
    assert "over 3 seeds" in text and "95% interval" in text and "beats its control" in text

    mixed = comparison(104, 100, seed=1) + comparison(97, 100, seed=2)
    g = by_strategy(focus, mixed)["gradnorm"]
    assert g.vs_control.seeds == 3 and g.vs_control.low < 0 < g.vs_control.high
    assert g.outcome == vd.NO_WINNER
    assert "includes 0: no winner" in vd.control_sentence(g)


def test_only_runs_on_the_same_data_count_as_seeds_and_the_focus_run_is_used():
    other_data = comparison(80, 100, seed=1, lookback=36)  # another window: not a seed
    # an older gradnorm run of seed 0: the focus run replaces it for that seed
    older_same_seed = [run("gradnorm", 70, seed=0, run_id="old-gradnorm")]
    focus = comparison(103, 100, seed=0)
    g = by_strategy(focus, other_data + older_same_seed)["gradnorm"]
    assert g.vs_control.seeds == 1 and g.mae_change_pct == pytest.approx(3.0)
    assert g.outcome == vd.SPREAD


def test_a_static_strategy_is_paired_with_the_fixed_random_subset():
    runs = [run("full", 100), run("el2n", 110), run("random", 100.0), run("rs2", 90.0)]
    e = by_strategy(runs)["el2n"]
    assert e.control == "random" and e.vs_control.mean == pytest.approx(10.0)
    assert e.outcome == vd.LOSES


def test_no_control_and_no_full_run_are_said_plainly():
    g = by_strategy([run("full", 100), run("gradnorm", 99)])["gradnorm"]
    assert g.outcome == vd.NO_CONTROL
    assert "cannot be compared with its random control" in vd.control_sentence(g)
    g = by_strategy([run("gradnorm", 99), run("rs2", 99)])["gradnorm"]
    assert g.full_id is None and math.isnan(g.energy_saved_pct)
    assert "no saving can be stated" in vd.savings_sentence(g)
    assert vd.best([g]) is None


def test_unmeasured_energy_is_not_a_saving():
    runs = comparison(99, 100)
    runs[1] = run("gradnorm", 99, energy=None, wall=7.0, backprop=700)
    g = by_strategy(runs)["gradnorm"]
    assert math.isnan(g.energy_saved_pct)
    assert "energy not measured" in vd.savings_sentence(g)


def test_best_is_the_largest_saving_within_the_spread_else_the_lowest_error():
    v = vd.strategy_verdicts(comparison(103.6, 100.5))
    assert vd.best(v).strategy == "rs2"  # saved 40% at +0.5%: more than gradnorm's 30%
    v = vd.strategy_verdicts(comparison(120, 110))
    assert vd.best(v).strategy == "rs2"  # neither within the spread: the lower error
    v = vd.strategy_verdicts(comparison(101, 108))
    assert vd.best(v).strategy == "gradnorm"  # rs2 lost too much accuracy


def test_the_verdicts_tone_and_headline():
    within = vd.verdict(comparison(103.6, 100.5))
    assert within.tone == "info"
    assert within.headline.startswith("Best trade-off: **RS2")
    assert "40% less energy (estimated)" in within.headline
    assert "+0.5%, within the ±5% spread measured across seeds" in within.headline
    assert vd.verdict(comparison(90, 100)).tone == "success"
    assert vd.verdict(comparison(112, 100)).tone == "warning"
    assert vd.verdict([run("full", 100)]).headline.startswith("Only full data")
    assert vd.verdict([]).sentences == ()


def test_classical_runs_are_left_out_of_the_verdict():
    runs = comparison(99, 100)
    classical = RunInfo("hw", {"kind": "classical", "strategy": "holt_winters",
                               "test_mae": 1.0}, RunConfig())
    assert len(vd.strategy_verdicts([*runs, classical])) == 2


def test_the_classical_verdict_uses_the_best_fitted_and_the_spread():
    fitted = {"Seasonal naive (daily)": 60.0, "Holt-Winters": 49.1}
    tone, (text,) = vd.classical_verdict({"Full": 47.7, "Grad": 48.0}, fitted)
    assert tone == "info" and "Holt-Winters (test MAE 49.10)" in text
    assert "best of the 2 classical models fitted" in text and vd.SPREAD_WORDS in text
    tone, (text,) = vd.classical_verdict({"Full": 40.0}, fitted)
    assert tone == "success" and "it beats it" in text and "18.5% lower" in text
    tone, (text,) = vd.classical_verdict({"Full": 55.0}, fitted)
    assert tone == "warning" and "classical model is better" in text
    assert vd.classical_verdict({"Full": 1.0}, {}) == ("info", [])


def test_leaderboard_sorts_by_mae_and_ranks():
    table = pd.DataFrame({"model": ["a", "b", "c"], "MAE": [3.0, math.nan, 1.0]})
    board = vd.leaderboard(table)
    assert board["model"].tolist() == ["c", "a", "b"]
    assert board["rank"].iloc[:2].tolist() == [1, 2] and board["rank"].isna().iloc[2]


def test_setup_key_ignores_strategy_params_and_seed_only():
    a = run("gradnorm", 1, seed=0).config
    b = run("rs2", 1, seed=5, scoring="exact").config
    c = RunConfig(data=DataConfig(series="4259"))
    assert vd.setup_key(a) == vd.setup_key(b) != vd.setup_key(c)

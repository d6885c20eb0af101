"""The one evidence engine (`importance.verdict`): claims paired by seed with t-intervals from
3 seeds, caveats for thin evidence, controls at the budget spent, kept accuracy, the best
trade-off and its headline, the JSON contract."""

from __future__ import annotations

import math

import numpy as np
import pytest

from importance import verdict as vd
from importance.config import RunConfig, TrainConfig, WindowConfig, comparison_key
from importance.evidence import improvement, interval, seeds_to_decide
from importance.runs.identity import RunInfo

ESTIMATED = "CPU energy estimated from CPU load (no hardware energy counters on this machine)"
WINNER_WORDS = ("Best trade-off", "is better", "beats")


def run(strategy: str, mae: float, *, seed: int = 0, wall: float = 10.0,
        energy: float | None = 1.0, backprop: int = 1000, scoring_backprop: int = 0,
        keep: float | None = 0.7, lookback: int = 144, n_test: int = 500,
        by_score: bool = True, **params) -> RunInfo:
    if keep is not None and strategy != "full":
        params["keep_ratio"] = keep
    cfg = RunConfig(window=WindowConfig(lookback=lookback),
                    train=TrainConfig(strategy=strategy, strategy_params=params, seed=seed))
    rid = f"{strategy}-{keep}-{seed}-{lookback}-{mae}"
    summary = {"run_id": rid, "strategy": strategy, "test_mae": mae, "energy_kwh": energy,
               "wall_s": wall, "samples_backprop": backprop,
               "samples_scoring_backprop": scoring_backprop, "energy_method": ESTIMATED,
               "n_test": n_test, "best_epoch": 5, "best_epoch_by_score": by_score,
               "epochs": []}
    return RunInfo(rid, summary, cfg)


def seeds(n: int = 3, *, grad=(100.5, 99.8, 100.2), rs2=(101.0, 100.9, 101.3),
          wall=(10.0, 10.4, 9.8), grad_wall=(5.2, 5.5, 5.0), **kw) -> list[RunInfo]:
    """A comparison over `n` seeds: full at MAE 100, gradnorm at keep 0.5 keeping accuracy at
    half the backprops and wall time, rs2 at keep 0.5 the same budget."""
    out = []
    for s in range(n):
        out += [run("full", 100.0, seed=s, wall=wall[s], energy=wall[s] / 10, **kw),
                run("gradnorm", grad[s], seed=s, keep=0.5, wall=grad_wall[s],
                    energy=grad_wall[s] / 10, backprop=500, **kw),
                run("rs2", rs2[s], seed=s, keep=0.5, wall=grad_wall[s] * 0.95,
                    energy=grad_wall[s] / 10.5, backprop=500, **kw)]
    return out


def result(v: vd.Verdict, strategy: str) -> vd.StrategyResult:
    return next(r for r in v.results if r.strategy == strategy)


def all_text(v: vd.Verdict) -> str:
    return "\n".join([v.headline, *v.sentences])


# --- statistics ---------------------------------------------------------------------------------

def test_interval_is_student_t_over_seeds_and_needs_three():
    i = interval([1.0, 2.0, 3.0])
    assert (i.mean, i.n) == (2.0, 3)
    assert i.low == pytest.approx(2 - 4.302653 / math.sqrt(3)) and not i.excludes_zero
    two = interval([1.0, 2.0])
    assert two.mean == 1.5 and not two.known and two.as_list() is None


def test_probability_of_improvement_has_a_clopper_pearson_interval():
    share, lo, hi = improvement([-1.0, -2.0, -3.0, 1.0])
    assert share == 0.75 and 0.19 < lo < 0.2 and 0.99 < hi <= 1.0


def test_seeds_to_decide_grow_with_the_spread_and_give_up_on_a_tie():
    assert seeds_to_decide(3.0, 1.0) == 3 and seeds_to_decide(2.0, 1.0) == 4
    assert seeds_to_decide(1.0, 2.0) > seeds_to_decide(1.0, 1.0)
    assert seeds_to_decide(0.0, 1.0) is None


# --- claims -------------------------------------------------------------------------------------

def test_claims_pair_each_seed_with_full_and_count_scoring():
    runs = seeds()
    runs[1] = run("gradnorm", 100.5, keep=0.5, wall=5.2, energy=0.52, backprop=500,
                  scoring_backprop=100)
    g = result(vd.conclude(runs), "gradnorm")
    assert g.seeds == 3 and g.strategy == "gradnorm"
    bp = g.vs_full["backprops"].change
    assert bp.mean == pytest.approx(-100 * (0.4 + 0.5 + 0.5) / 3)  # 600 of 1000 on seed 0
    mae = g.vs_full["test_mae"].change
    assert mae.mean == pytest.approx((0.5 - 0.2 + 0.2) / 3)
    assert g.energy_estimated
    assert g.vs_full["energy_kwh"].change.n == 3


def test_a_comparison_spans_its_seeds_the_key_leaves_the_seed_out():
    a, b = run("full", 1.0, seed=0), run("full", 1.0, seed=7)
    assert comparison_key(a.config) == comparison_key(b.config)
    assert comparison_key(run("full", 1.0, lookback=12).config) != comparison_key(a.config)


def test_three_seeds_that_keep_accuracy_at_a_saving_name_the_best_trade_off():
    v = vd.conclude(seeds())
    assert v.best is not None and v.best.strategy == "gradnorm" and v.tone == "success"
    assert v.headline.startswith("Best trade-off: **Gradient-norm top-k**")
    assert "95% interval" in v.headline and "3 seeds" in v.headline
    g = result(v, "gradnorm")
    assert g.kept_accuracy and g.saves_time
    c = g.vs_control
    assert c.against == "RS2" and c.winner == "Gradient-norm top-k"  # lower on every seed
    assert c.budgets == (pytest.approx(0.5), pytest.approx(0.5))


def test_one_seed_names_no_winner_anywhere():
    v = vd.conclude(seeds(1, grad=(80.0,), rs2=(120.0,)))  # a huge one-seed difference
    assert v.best is None and v.tone == "info"
    assert v.headline.startswith("One seed: indicative, names no winner")
    assert all(c.winner is None for c in v.claims)
    assert all(c["winner"] is None for c in v.to_json()["claims"])
    assert not any(w in all_text(v) for w in WINNER_WORDS), all_text(v)


def test_two_seeds_give_no_interval_and_say_so():
    v = vd.conclude(seeds(2))
    assert v.best is None and v.headline.startswith("2 seeds: indicative")
    assert all(c.change.as_list() is None and c.winner is None for c in v.claims)
    assert any(cv.code == "few_seeds" for c in v.claims for cv in c.caveats)


def test_no_strategy_kept_accuracy_says_so_neutrally_with_the_seeds_to_decide():
    v = vd.conclude(seeds(grad=(108.0, 112.0, 109.0), rs2=(109.0, 111.0, 110.0)))
    assert v.best is None and v.tone == "info"
    assert v.headline.startswith("No strategy kept accuracy at a saving over 3 seeds")
    assert not any(w in v.headline for w in WINNER_WORDS)


def test_an_undecided_interval_says_how_many_seeds_would_decide():
    v = vd.conclude(seeds(grad=(99.0, 103.0, 101.0)))
    g = result(v, "gradnorm")
    assert not g.kept_accuracy  # interval reaches beyond +2%
    assert "seeds would decide it at this spread" in vd.savings_sentence(g)


def test_few_test_windows_block_accuracy_verdicts():
    v = vd.conclude(seeds(n_test=2))
    assert v.best is None
    assert v.headline.startswith("No winner: the evidence is too thin")
    assert "only 2 test windows per series" in v.headline
    assert all(c.winner is None for c in v.claims if c.metric == "test_mae")


def test_sub_second_runs_block_time_and_energy_verdicts():
    v = vd.conclude(seeds(wall=(0.12, 0.1, 0.11), grad_wall=(0.06, 0.07, 0.06)))
    assert v.best is None and "below the energy meter's 1 s sampling interval" in v.headline
    g = result(v, "gradnorm")
    assert g.vs_full["wall_s"].winner is None and g.vs_full["energy_kwh"].winner is None
    assert not any(w in all_text(v) for w in WINNER_WORDS)


def test_a_best_epoch_before_any_selection_by_score_is_a_caveat():
    runs = seeds()
    runs[1] = run("gradnorm", 100.5, keep=0.5, wall=5.2, energy=0.52, backprop=500,
                  by_score=False)
    v = vd.conclude(runs)
    g = result(v, "gradnorm")
    assert any(cv.code == "scores_unused" for cv in g.vs_full["test_mae"].caveats)
    assert g.vs_control.winner is None and not g.kept_accuracy
    assert v.best is None or v.best.strategy != "gradnorm"


def test_a_control_at_another_budget_decides_nothing_and_states_both_budgets():
    runs = [r for r in seeds() if r.strategy != "rs2"]
    runs += [run("rs2", 110.0, seed=s, keep=0.25, wall=3.0, backprop=257) for s in range(3)]
    g = result(vd.conclude(runs), "gradnorm")
    c = g.vs_control
    assert c.winner is None and c.budgets == (pytest.approx(0.5), pytest.approx(0.257))
    assert any(cv.code == "budget_mismatch" for cv in c.caveats)
    assert "50% and 26% of full data's backprops" in vd.control_sentence(g)


def test_the_control_nearest_the_budget_spent_is_chosen():
    runs = seeds()
    runs += [run("rs2", 90.0, seed=s, keep=0.25, wall=3.0, backprop=250) for s in range(3)]
    c = result(vd.conclude(runs), "gradnorm").vs_control
    assert c.against == "RS2 at keep 0.5" and c.budgets[1] == pytest.approx(0.5)


def test_perturbing_energy_and_wall_time_by_30_percent_never_changes_the_named_strategy():
    # two strategies keep accuracy; gradnorm at keep 0.3 saves the most backprops, and
    # rs2 at 0.7 has the larger energy saving on some draws: the pick must not follow energy
    base = []
    for s in range(3):
        base += [run("full", 100.0, seed=s, wall=10.0, energy=1.0),
                 run("gradnorm", 100.3 - 0.2 * s, seed=s, keep=0.3, wall=3.2, energy=0.32,
                     backprop=300),
                 run("rs2", 100.1, seed=s, keep=0.3, wall=3.0, energy=0.30, backprop=300),
                 run("rs2", 99.9 + 0.1 * s, seed=s, keep=0.7, wall=7.0, energy=0.2,
                     backprop=700)]
    named = vd.conclude(base).best
    assert named is not None
    rng = np.random.default_rng(0)
    for _ in range(200):
        shaken = []
        for r in base:
            f_wall, f_energy = rng.uniform(0.7, 1.3, 2)
            s = {**r.summary, "wall_s": r.summary["wall_s"] * f_wall,
                 "energy_kwh": r.summary["energy_kwh"] * f_energy}
            shaken.append(RunInfo(r.run_id, s, r.config))
        v = vd.conclude(shaken)
        assert v.best is not None and v.best.variant == named.variant, v.headline


def test_store_runs_add_seeds_of_the_same_setup_but_never_of_another():
    focus = seeds(1)
    store = seeds(3) + seeds(3, lookback=12)
    v = vd.conclude(focus, store)
    assert v.seeds == 3 and len(v.results) == 2  # gradnorm and rs2 on lookback 144 only


def test_against_the_best_classical_model_pairs_every_seed():
    v = vd.conclude(seeds(), classical={"Holt-Winters": 104.0, "seasonal naive": 130.0})
    c = v.classical
    assert c.against == "Holt-Winters" and c.change.n == 3
    assert c.strategy == "Full data"  # the lowest mean test MAE of the batch
    assert c.winner == "Full data"
    assert "The best neural strategy" in v.sentences[-1]
    one = vd.conclude(seeds(1), classical={"Holt-Winters": 104.0})
    assert one.classical.winner is None and "is better" not in one.sentences[-1]


def test_json_contract():
    j = vd.conclude(seeds()).to_json()
    assert set(j) >= {"seeds", "headline", "claims"} and j["seeds"] == 3
    claim = next(c for c in j["claims"] if c["against"] == "RS2")
    assert set(claim) >= {"strategy", "against", "metric", "mean_change_pct", "interval_pct",
                          "p_improvement", "winner", "caveats"}
    assert len(claim["interval_pct"]) == 2 and claim["p_improvement"] == 1.0


def test_only_full_data_and_no_full_data():
    assert vd.conclude([run("full", 1.0)]).headline.startswith("Only full data")
    v = vd.conclude([run("gradnorm", 1.0), run("rs2", 1.1)])
    assert v.headline.startswith("No full-data run") and v.best is None

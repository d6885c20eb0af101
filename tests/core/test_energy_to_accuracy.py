import json
import math

import pytest

from importance.aggregates.energy import (
    energy_to_accuracy_caption,
    energy_to_accuracy_display,
    energy_to_accuracy_verdict,
)
from importance.compare import compare_table, reach
from importance.energy_to_accuracy import (
    TARGETS,
    column,
    energy_to_accuracy,
    target_mae,
    targets_words,
    to_records,
)

ONE_SEED = "Each row is one run (one seed): its costs to a target name no cheapest strategy."


def run(strategy, val, energy, *, test_mae=5.0, run_id=None, backprop=100, wall=1.0, **extra):
    """A stored run's summary: one epoch per validation MAE, `energy` kWh per epoch (a list:
    each epoch's own, None = not measured)."""
    energy = energy if isinstance(energy, list) else [energy] * len(val)
    epochs = [{"epoch": i, "val_mae": v, "energy_kwh": e, "wall_s": wall,
               "samples_backprop": backprop, "samples_forward": backprop}
              for i, (v, e) in enumerate(zip(val, energy, strict=True))]
    total = None if any(e is None for e in energy) else sum(energy)
    return {"strategy": strategy, "label": strategy, "run_id": run_id or strategy,
            "test_mae": test_mae, "energy_kwh": total, "wall_s": wall * len(val),
            "samples_backprop": backprop * len(val), "epochs": epochs,
            "energy_method": "CPU energy estimated from CPU load"} | extra


# full: best validation MAE 10 at epoch 4, then one patience epoch before early stopping
FULL = dict(val=[20, 12, 10.5, 10, 10.2], energy=1.0, test_mae=5.0, stopped_early=True)


def full():
    return run("full", **FULL)


def test_a_target_is_the_baselines_best_validation_mae_over_t():
    assert target_mae(10, 100) == 10
    assert target_mae(10, 90) == pytest.approx(11.111, abs=1e-3)
    assert target_mae(10, 99) == pytest.approx(10.101, abs=1e-3)


def test_reached_95_at_epoch_2_never_100_and_the_costs_are_cumulative():
    # 95%: MAE <= 10.526, first at epoch 2; 99% (<= 10.101) and 100% (<= 10) never
    sel = run("gradnorm", [30, 10.4, 10.3, 10.2], 0.5, test_mae=5.5, backprop=70, wall=0.8)
    t = energy_to_accuracy([full(), sel]).set_index("strategy")
    g = t.loc["gradnorm"]
    for target in (90, 95):
        assert g[column(target, "epoch")] == 2
        assert g[column(target, "energy_kwh")] == pytest.approx(1.0)
        assert g[column(target, "wall_s")] == pytest.approx(1.6)
        assert g[column(target, "backprops")] == 140
    for target in (99, 100):
        assert all(math.isnan(g[column(target, m)])
                   for m in ("epoch", "energy_kwh", "wall_s", "backprops"))
    assert g["mae_change_pct"] == pytest.approx(10)
    assert g["energy_saved_pct"] == pytest.approx(60)  # 2 kWh against full's 5
    shown = energy_to_accuracy_display(t.reset_index(), {}, 1000, "Wh")
    block = shown.iloc[4:8].set_index("to reach")
    assert block.loc["energy Wh", "95%"] == "1,000"
    assert block.loc["epoch", "95%"] == "2" and block.loc["backprops", "95%"] == "140"
    assert (block[["99%", "100%"]] == "-").all().all()
    rec = to_records(t.reset_index())[1]
    assert rec[column(95, "epoch")] == 2 and isinstance(rec[column(95, "backprops")], int)
    assert rec[column(99, "epoch")] is None and rec[column(100, "energy_kwh")] is None


def test_full_reaches_100_at_its_best_epoch_and_its_totals_include_the_patience_epochs():
    t = energy_to_accuracy([full()]).iloc[0]
    assert bool(t["baseline"]) and t["stopped_early"]
    assert t[column(100, "epoch")] == 4 and t[column(100, "energy_kwh")] == pytest.approx(4)
    assert t[column(90, "epoch")] == 3  # 10.5 <= 11.11
    assert t["energy_kwh"] == pytest.approx(5) and t["epochs_run"] == 5
    assert t["energy_saved_pct"] == 0 and t["mae_change_pct"] == 0
    shown = energy_to_accuracy_display(energy_to_accuracy([full()]), {}, 1, "kWh")
    assert shown.loc[3, "whole run"] == "5 (stopped early)"
    assert shown.loc[0, "MAE vs baseline %"] == "baseline"


def classical(name, test_mae, energy=0.002, wall=3.0):
    """A classical model's summary, as `importance.experiment.run_classical` returns it."""
    return {"run_id": None, "strategy": name, "label": name, "kind": "classical",
            "test_mae": test_mae, "energy_kwh": energy, "wall_s": wall, "epochs": [],
            "samples_backprop": 0, "energy_method": "CPU energy estimated from CPU load"}


def test_the_baseline_is_always_a_row_and_classical_models_come_after_the_neural_runs():
    base = full()
    hw = classical("holt_winters", 6.0)
    sel = run("rs2", [11, 10.6], 1.0)
    t = energy_to_accuracy([hw, sel], baseline=base)
    assert t["strategy"].tolist() == ["full", "rs2", "holt_winters"]
    assert t["baseline"].tolist() == [True, False, False]
    assert t["kind"].tolist() == ["neural", "neural", "classical"]
    t = energy_to_accuracy([sel, base, hw])  # the baseline picked: the newest full run
    assert t["strategy"].tolist() == ["rs2", "full", "holt_winters"]


def test_a_classical_model_reaches_a_target_by_its_test_mae_at_its_whole_cost():
    """full's test MAE is 5: 90% allows 5.556, 99% 5.051, 100% 5 (auto_ets: 5.02)."""
    ets, theta = classical("auto_ets", 5.02, energy=0.002, wall=3.0), classical("auto_theta", 7.0)
    t = energy_to_accuracy([full(), ets, theta]).set_index("strategy")
    e = t.loc["auto_ets"]
    for target in (90, 95, 99):
        assert e[column(target, "epoch")] == 0 and e[column(target, "backprops")] == 0
        assert e[column(target, "energy_kwh")] == pytest.approx(0.002)
        assert e[column(target, "wall_s")] == pytest.approx(3.0)
    assert math.isnan(e[column(100, "energy_kwh")]) and math.isnan(e[column(100, "epoch")])
    assert e["mae_change_pct"] == pytest.approx(0.4) and e["backprops"] == 0
    assert e["energy_saved_pct"] == pytest.approx(100 * (1 - 0.002 / 5))
    assert all(math.isnan(t.loc["auto_theta", column(target, "epoch")]) for target in TARGETS)
    shown = energy_to_accuracy_display(t.reset_index(), {}, 1000, "Wh")
    block = shown.iloc[4:8].set_index("to reach")  # auto_ets, after full
    assert shown.iloc[4]["run"] == "auto_ets (classical)"
    assert block.loc["energy Wh", "99%"] == "2" and block.loc["wall s", "99%"] == "3"
    assert block.loc["epoch", "99%"] == "fit" and block.loc["epoch", "whole run"] == "fit"
    assert block.loc["backprops", "99%"] == "0" and block.loc["energy Wh", "100%"] == "-"
    assert shown.iloc[4]["MAE vs baseline %"] == "+0.4"
    verdict = energy_to_accuracy_verdict(t.reset_index(), {}, 1000, "Wh")
    assert verdict == ("Reached 99%: full at epoch 4 (4,000 Wh, 4 s, stopped early after "
                       "epoch 5); auto_ets (classical) by its fit (2 Wh, 3 s). Never reached "
                       f"99%: auto_theta (classical). {ONE_SEED}")
    rec = to_records(t.reset_index())[1]
    assert rec["kind"] == "classical" and rec[column(90, "epoch")] == 0
    assert rec[column(100, "epoch")] is None
    assert "Classical rows: a classical model (fitted once, no epochs) reaches t% when its " \
        "test MAE <= the baseline's test MAE / t" in energy_to_accuracy_caption(classical=True)
    assert "Classical" not in energy_to_accuracy_caption()


def test_without_a_baseline_there_is_no_table():
    t = energy_to_accuracy([run("gradnorm", [3, 2], 1.0)])
    assert t.empty and to_records(t) == []
    assert "no accuracy to reach" in energy_to_accuracy_verdict(t, {}, 1, "kWh")


@pytest.mark.parametrize("unmeasured", [None, math.nan], ids=["null", "read back as NaN"])
def test_an_unmeasured_epoch_leaves_the_energy_not_measured_never_zero(unmeasured):
    sel = run("gradnorm", [10.6, 10.4, 10.0], [0.2, unmeasured, 0.2])
    sel["energy_kwh"] = unmeasured
    t = energy_to_accuracy([full(), sel]).set_index("strategy")
    g = t.loc["gradnorm"]
    assert g[column(90, "epoch")] == 1 and g[column(90, "energy_kwh")] == pytest.approx(0.2)
    assert g[column(95, "epoch")] == 2 and g[column(95, "wall_s")] == pytest.approx(2)
    assert math.isnan(g[column(95, "energy_kwh")])  # reached, energy not measured
    assert math.isnan(g[column(100, "energy_kwh")]) and g[column(100, "epoch")] == 3
    assert math.isnan(g["energy_kwh"]) and math.isnan(g["energy_saved_pct"])
    shown = energy_to_accuracy_display(t.reset_index(), {}, 1, "kWh")
    energy = shown.iloc[4]
    assert energy["to reach"] == "energy kWh"
    assert energy["90%"] == "0.2"
    assert [energy[c] for c in ("95%", "99%", "100%", "whole run", "energy saved %")] == \
        ["not measured"] * 5
    rec = to_records(t.reset_index())[1]
    assert rec[column(95, "energy_kwh")] is None and rec[column(95, "epoch")] == 2
    verdict = energy_to_accuracy_verdict(t.reset_index(), {}, 1, "kWh")
    assert verdict == ("Reached 99%: full at epoch 4 (4 kWh, 4 s, stopped early after epoch 5); "
                       f"gradnorm at epoch 3 (energy not measured, 3 s). {ONE_SEED}")


def test_records_are_strict_json():
    sel = run("gradnorm", [30, 10.4], [None, 0.5])
    text = json.dumps(to_records(energy_to_accuracy([full(), sel])), allow_nan=False)

    def refuse(name):
        raise ValueError(f"{name} in JSON")

    rows = json.loads(text, parse_constant=refuse)
    assert [r["strategy"] for r in rows] == ["full", "gradnorm"]
    assert rows[1]["energy_kwh"] is None and rows[1]["energy_saved_pct"] is None
    assert rows[0]["baseline"] is True and rows[0]["epochs_run"] == 5


def test_scoring_backprops_count_towards_the_backprops():
    sel = run("gradnorm", [10.0, 9.0], 0.1, backprop=50)
    sel["epochs"][0]["samples_scoring_backprop"] = 30
    g = energy_to_accuracy([full(), sel]).iloc[1]
    assert g[column(100, "backprops")] == 80 and g["backprops"] == 130
    assert reach(sel, 9.0) == {"epoch": 2, "energy_kwh": pytest.approx(0.2),
                               "wall_s": pytest.approx(2.0), "backprops": 130}
    assert reach(sel, 1.0) is None and reach({"epochs": []}, 1.0) is None


def test_the_sentence_states_who_reached_the_target_when_and_at_what_cost_and_no_winner():
    """One seed's runs: a cheaper run is stated with its epoch and cost, never named the
    cheapest or said to beat another."""
    quick = run("gradnorm", [11, 10.05], 0.5, test_mae=5.5)
    never = run("random", [30, 20], 0.1, test_mae=9.0)
    t = energy_to_accuracy([full(), quick, never])
    verdict = energy_to_accuracy_verdict(t, {"full": "Full data"}, 1000, "Wh")
    assert verdict == ("Reached 99%: Full data at epoch 4 (4,000 Wh, 4 s, stopped early after "
                       "epoch 5); gradnorm at epoch 2 (1,000 Wh, 2 s). Never reached 99%: "
                       f"random. {ONE_SEED}")
    for word in ("least", "beat", "better", "less than"):
        assert word not in verdict


def test_without_a_99_percent_target_the_highest_target_reached_is_stated():
    base = run("full", [12, 10], [None, 1.0])
    sel = run("gradnorm", [10.8, 10.7], 0.3)
    t = energy_to_accuracy([base, sel], targets=(90, 95))
    assert energy_to_accuracy_verdict(t, {}, 1, "kWh") == (
        "Reached 95%: full at epoch 2 (energy not measured, 2 s). Never reached 95%: "
        f"gradnorm. {ONE_SEED}")


def test_targets_are_stated_in_the_datas_original_units():
    """The validation MAE the trainer stores is in original units (the scaler inverted), as
    the test MAE: the targets are too."""
    assert targets_words(43.733) == (
        "Targets in the data's original units, as the test MAE: 90% = validation MAE at most "
        "48.59, 95% = at most 46.03, 99% = at most 44.17, 100% = at most 43.73")
    caption = energy_to_accuracy_caption(True, 0.08)
    assert "100% = at most 0.08." in caption and "estimate" in caption
    assert "original units" not in energy_to_accuracy_caption(False)


def test_compare_to_target_is_the_same_reach_with_its_tolerance():
    sel = run("gradnorm", [30, 10.15, 10.0], 0.5)
    row = compare_table([full(), sel]).set_index("strategy").loc["gradnorm"]
    assert row["energy_to_target_kwh"] == pytest.approx(1.0)  # 10.15 within 2% of 10
    assert row["time_to_target_s"] == pytest.approx(2.0)
    t = energy_to_accuracy([full(), sel]).set_index("strategy")
    assert t.loc["gradnorm", column(100, "epoch")] == 3  # no tolerance in the table


def test_full_is_not_said_to_beat_runs_that_never_reached_the_target():
    never = run("random", [30, 20], 0.1, test_mae=9.0)
    verdict = energy_to_accuracy_verdict(energy_to_accuracy([full(), never]), {}, 1, "kWh")
    assert verdict == ("Reached 99%: full at epoch 4 (4 kWh, 4 s, stopped early after epoch 5)."
                       f" Never reached 99%: random. {ONE_SEED}")

import math

import pytest

from importance.compare import JSON_FIELDS, compare_table


def summary(strategy, backprop, wall, energy, mae, val_curve, run_id):
    epochs = [{"val_mae": v, "energy_kwh": energy / len(val_curve), "wall_s": wall / len(val_curve)}
              for v in val_curve]
    return {"strategy": strategy, "label": strategy, "test_mae": mae, "test_rmse": mae * 1.5,
            "test_smape": 10.0, "samples_backprop": backprop, "samples_forward": backprop,
            "wall_s": wall, "scoring_s": 0.0, "energy_kwh": energy, "emissions_kg": energy * 0.3,
            "energy_method": "estimated", "run_id": run_id, "epochs": epochs}


def test_savings_are_against_the_full_run_and_include_everything():
    full = summary("full", 1000, 10.0, 2.0, 5.0, [9, 6, 5, 5], "a")
    grad = summary("gradnorm", 700, 8.0, 1.5, 5.1, [8, 5.05, 5, 5], "b")
    t = compare_table([full, grad]).set_index("strategy")
    assert set(JSON_FIELDS) <= set(t.reset_index().columns)
    assert t.loc["full", "backprop_saved_pct"] == 0
    assert t.loc["gradnorm", "backprop_saved_pct"] == pytest.approx(30)
    assert t.loc["gradnorm", "wall_saved_pct"] == pytest.approx(20)
    assert t.loc["gradnorm", "energy_saved_pct"] == pytest.approx(25)
    assert t.loc["gradnorm", "mae_change_pct"] == pytest.approx(2)
    # baseline best val MAE is 5; gradnorm reaches 5.05 (within 2%) at epoch 2 of 4
    assert t.loc["gradnorm", "energy_to_target_kwh"] == pytest.approx(0.75)
    assert t.loc["full", "time_to_target_s"] == pytest.approx(7.5)


def test_without_a_full_run_there_are_no_savings_columns():
    t = compare_table([summary("random", 1, 1.0, 1.0, 1.0, [1], "x")])
    assert "energy_saved_pct" not in t.columns
    assert not math.isnan(t.loc[0, "test_mae"])


def test_every_row_is_measured_against_the_best_classical_baseline():
    full = summary("full", 1000, 10.0, 2.0, 48.0, [9, 6], "a")
    hw = {**summary("holt_winters", 0, 0.5, 0.01, 50.0, [], None), "kind": "classical"}
    naive = {**summary("seasonal_naive_daily", 0, 0.0, 0.0, 200.0, [], None), "kind": "classical"}
    t = compare_table([full, hw, naive]).set_index("strategy")
    assert t.loc["full", "mae_vs_classical_pct"] == pytest.approx(-4)
    assert t.loc["holt_winters", "mae_vs_classical_pct"] == pytest.approx(0)
    assert t.loc["seasonal_naive_daily", "mae_vs_classical_pct"] == pytest.approx(300)
    assert "mae_vs_classical_pct" not in compare_table([full]).columns


@pytest.mark.parametrize("unmeasured", [None, math.nan], ids=["null", "read back as NaN"])
def test_an_unmeasured_energy_saves_nothing_not_everything(unmeasured):
    full = summary("full", 1000, 10.0, 2.0, 5.0, [9, 6, 5, 5], "a")
    grad = summary("gradnorm", 700, 8.0, 1.5, 5.1, [8, 5.05, 5, 5], "b")
    grad |= {"energy_kwh": unmeasured, "emissions_kg": unmeasured}
    grad["epochs"][0]["energy_kwh"] = unmeasured
    t = compare_table([full, grad]).set_index("strategy")
    for col in ("energy_saved_pct", "emissions_saved_pct", "energy_to_target_kwh"):
        assert math.isnan(t.loc["gradnorm", col]), col
    assert t.loc["gradnorm", "wall_saved_pct"] == pytest.approx(20)  # time was measured
    t = compare_table([full, grad], baseline=grad).set_index("strategy")
    assert math.isnan(t.loc["full", "energy_saved_pct"])


def test_backprops_saved_count_the_backprops_spent_on_scoring():
    full = summary("full", 1000, 10.0, 2.0, 5.0, [9, 5], "a")
    el2n = summary("el2n", 700, 8.0, 1.5, 5.1, [8, 5], "b") | {"samples_scoring_backprop": 600}
    t = compare_table([full, el2n]).set_index("strategy")
    assert t.loc["el2n", "backprop_saved_pct"] == pytest.approx(-30)  # 1300 vs 1000
    assert t.loc["el2n", "samples_scoring_backprop"] == 600


def test_the_energy_page_texts_break_down_backprops_and_in_pass_scoring():
    from importance.aggregates.energy import backprop_help, scoring_note

    s = {"samples_backprop": 100, "samples_scoring_backprop": 30, "samples_forward": 5,
         "wall_s": 10.0, "scoring_s": 2.0, "in_pass_scoring_s": 0.5}
    assert backprop_help(s).startswith("100 to train + 30 to score")
    assert "5 forward-only" in backprop_help(s)
    assert "0.5 s of it is per-sample norm arithmetic" in scoring_note(s)
    plain = s | {"samples_scoring_backprop": 0, "in_pass_scoring_s": 0.0}
    assert "to score" not in backprop_help(plain)
    assert "inside the training" not in scoring_note(plain)

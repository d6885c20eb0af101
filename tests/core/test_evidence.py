import math

import numpy as np
import pandas as pd
import pytest

from importance.evidence import (
    grid_position,
    interval_table,
    mean_interval,
    paired,
    pareto_front,
)


def run(strategy, keep, seed, series, mae, energy=1.0, wall=10.0, backprops=1000):
    return {"strategy": strategy, "keep_ratio": keep, "seed": seed, "series": series,
            "test_mae": mae, "energy_kwh": energy, "wall_s": wall, "backprops": backprops}


@pytest.fixture
def runs():
    rows = []
    for series in ("5060", "4259"):
        for seed in (0, 1):
            base = 10.0 + seed + (series == "4259")
            rows += [run("full", math.nan, seed, series, base),
                     run("rs2", 0.5, seed, series, base * 1.02, 0.5, 5.0, 500),
                     run("gradnorm", 0.5, seed, series, base * (0.99 if seed else 1.03),
                         0.6, 6.0, 500),
                     run("el2n", 0.5, seed, series, base * 1.05, 1.2, 12.0, 2500),
                     run("random", 0.5, seed, series, base * 1.04, 0.5, 5.0, 500)]
    return pd.DataFrame(rows)


def test_ratios_pair_each_run_with_full_and_its_control_on_the_same_series_and_seed(runs):
    p = paired(runs).set_index(["strategy", "series", "seed"])
    g = p.loc[("gradnorm", "4259", 1)]
    assert g["mae_ratio"] == pytest.approx(0.99)
    assert g["energy_ratio"] == pytest.approx(0.6) and g["backprop_ratio"] == 0.5
    assert g["control"] == "rs2" and g["mae_vs_control"] == pytest.approx(0.99 / 1.02)
    assert g["beats_control"] is True
    e = p.loc[("el2n", "5060", 0)]  # static selection is paired with the fixed subset
    assert e["control"] == "random" and e["mae_vs_control"] == pytest.approx(1.05 / 1.04)
    assert not e["beats_control"]
    assert math.isnan(p.loc[("rs2", "5060", 0)]["mae_vs_control"])  # a control has none


def test_a_run_without_its_full_run_has_no_ratio(runs):
    lonely = pd.concat([runs, pd.DataFrame([run("gradnorm", 0.5, 7, "5060", 3.0)])])
    p = paired(lonely)
    assert p[(p["seed"] == 7)]["mae_ratio"].isna().all()


def test_intervals_over_series_and_seeds_and_the_paired_win_rate(runs):
    t = interval_table(paired(runs)).set_index("strategy")
    assert "full" not in t.index
    g = t.loc["gradnorm"]
    ratios = np.array([1.03, 0.99, 1.03, 0.99])
    assert g["runs"] == 4 and g["mae_ratio"] == pytest.approx(ratios.mean())
    half = 3.182446305284263 * ratios.std(ddof=1) / 2  # t(0.975, 3) x sd / sqrt(4)
    assert g["mae_ratio_low"] == pytest.approx(ratios.mean() - half)
    assert g["energy_saved_pct"] == pytest.approx(40)
    assert (g["wins_vs_control"], g["pairs_vs_control"]) == (2, 4)
    assert t.loc["el2n", "backprop_saved_pct"] == pytest.approx(-150)  # scoring counted


def test_mean_interval_needs_two_finite_values():
    m, lo, hi = mean_interval(np.array([2.0, np.nan]))
    assert m == 2.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in mean_interval(np.array([])))


def test_the_pareto_front_keeps_the_undominated_points():
    x = np.array([1.0, 0.6, 0.5, 0.7, np.nan, 0.5])
    y = np.array([1.0, 1.01, 1.05, 1.04, 0.9, 1.06])
    assert pareto_front(x, y).tolist() == [True, True, True, False, False, False]


def test_grid_positions_follow_the_real_grid():
    assert grid_position("4456") == (55, 44)  # Navigli, north-west of Bocconi (58, 42)
    with pytest.raises(ValueError, match="1..10000, got 0"):
        grid_position(0)


def test_reading_the_evidence_does_not_import_scipy():
    """scipy (~2 s to import) loads only when an interval is computed: a page that shows a
    stored run's cells (ui.cells imports evidence.grid_position) does not pay for it."""
    import subprocess
    import sys

    code = "import sys, importance.evidence; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "False"

import numpy as np
import pytest

from importance.metrics import cost_to_target, forecast_metrics, smape


def test_metrics_match_hand_computation():
    a, p = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    m = forecast_metrics(a, p)
    assert m["mae"] == pytest.approx(1.0)
    assert m["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert m["smape"] == pytest.approx(100 * (2 / 3 + 0 + 4 / 6) / 3)


def test_smape_counts_zero_pairs_as_exact():
    assert smape(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == 0.0
    assert smape(np.array([0.0]), np.array([1.0])) == pytest.approx(200.0)


def test_cost_to_target_picks_first_epoch_within_tolerance():
    val = [10.0, 5.0, 4.05, 4.0]
    cost = [1.0, 2.0, 3.0, 4.0]
    assert cost_to_target(val, cost, target_mae=4.0, tol=0.02) == 3.0
    assert cost_to_target(val, cost, target_mae=4.0, tol=0.0) == 4.0
    assert cost_to_target(val, cost, target_mae=1.0) is None

"""proxy_fidelity: keys, ranges, the sample size, and the rank statistics it is built on."""

from __future__ import annotations

import math

import numpy as np
import pytest

from importance.aggregates.importance import spearman  # the rank statistic fidelity uses
from importance.scoring import proxy_fidelity
from importance.scoring.fidelity import top_overlap


def test_keys_and_ranges(make_model, make_windows):
    model = make_model("lstm", 2)
    x, y = make_windows(b=40)
    res = proxy_fidelity(model, x, y, n=30, seed=3)
    assert set(res) == {"last_layer", "truncated", "loss"}
    for stats in res.values():
        assert set(stats) == {"spearman", "top10_overlap", "top30_overlap", "seconds_ratio"}
        assert -1 <= stats["spearman"] <= 1
        assert 0 <= stats["top10_overlap"] <= 1 and 0 <= stats["top30_overlap"] <= 1
        assert stats["seconds_ratio"] > 0


def test_exact_against_itself_and_sample_larger_than_set(make_model, make_windows):
    model = make_model("gru")
    x, y = make_windows(b=12)
    res = proxy_fidelity(model, x, y, n=1000, methods=("exact", "truncated"))
    assert res["exact"]["spearman"] == pytest.approx(1.0)
    assert res["exact"]["top10_overlap"] == 1.0 and res["exact"]["top30_overlap"] == 1.0
    with pytest.raises(ValueError, match="unknown score method"):
        proxy_fidelity(model, x, y, methods=("grand",))
    with pytest.raises(ValueError, match="at least one"):
        proxy_fidelity(model, x[:0], y[:0])


def test_spearman_and_overlap():
    a = np.arange(10.0)
    assert spearman(a, a ** 3) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert math.isnan(spearman(a, np.ones(10)))
    b = a.copy()
    b[[9, 0]] = b[[0, 9]]  # the proxy misses the exact top window
    assert top_overlap(a, b, 0.1) == 0.0
    assert top_overlap(a, b, 0.3) == pytest.approx(2 / 3)
    assert top_overlap(a, a, 0.3) == 1.0


def test_same_seed_same_sample(make_model, make_windows):
    model = make_model("mlp")
    x, y = make_windows(b=50)
    r1 = proxy_fidelity(model, x, y, n=20, seed=1, methods=("loss",))
    r2 = proxy_fidelity(model, x, y, n=20, seed=1, methods=("loss",))
    assert r1["loss"]["spearman"] == r2["loss"]["spearman"]

"""README's "Measured here" strategy claims are generated from the committed benchmark results
through the verdict engine (`benchmarks.measured`), and say what those results support."""

from __future__ import annotations

import pytest

from benchmarks import measured


def claim(v, strategy: str, against: str):
    return next(c for c in v.claims if c.strategy == strategy and c.against == against)


def test_readme_agrees_with_the_committed_results():
    readme = measured.README.read_text()
    assert measured.render(readme) == readme, (
        "README.md's measured blocks are stale: run python -m benchmarks.measured")


def test_the_engine_names_rs2_over_gradient_norm_at_keep_07():
    v = measured.strategies_verdict()
    c = claim(v, "Gradient-norm top-k at keep 0.7", "RS2 at keep 0.7")
    assert c.winner == "RS2 at keep 0.7" and c.change.n == 5
    assert (round(c.change.low, 1), round(c.change.high, 1)) == (0.5, 3.4)


def test_no_winner_for_infobatch_against_rs2_at_keep_05():
    v = measured.strategies_verdict()
    c = claim(v, "InfoBatch at keep 0.5", "RS2 at keep 0.5")
    assert c.winner is None and not c.caveats  # matched budgets: the interval decides
    assert (round(c.change.low, 1), round(c.change.high, 1)) == (-3.4, 0.0)
    assert c.budgets[0] == pytest.approx(c.budgets[1], rel=0.01)


def test_controls_at_other_budgets_decide_nothing():
    v = measured.strategies_verdict()
    c = claim(v, "EL2N static top-k at keep 0.7", "Random subset at keep 0.7")
    assert c.winner is None and [cv.code for cv in c.caveats] == ["budget_mismatch"]


def test_a_missing_block_is_named():
    with pytest.raises(ValueError, match="measured:strategies"):
        measured.render("# README without blocks\n")

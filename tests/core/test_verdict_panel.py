"""The evidence engine on runs over several series (one model per panel): judged on the pooled
MASE, not on the pooled MAE in original units that the busiest series drives; test windows
counted across the series; against the best classical model per series too."""

from __future__ import annotations

import numpy as np
import pytest

from importance import verdict as vd
from importance.config import DataConfig, RunConfig, TrainConfig, WindowConfig
from importance.metrics import pooled_mase
from importance.runs.identity import RunInfo

CELLS = ("huge", *(f"small {k}" for k in range(9)), "dead")
# each cell's in-sample seasonal naive MAE (1 for any other): the huge cell's is 100x
SCALE = {"huge": 100.0, **{c: 1.0 for c in CELLS[1:-1]}, "dead": 0.0}


def panel_run(strategy: str, ratios: dict[str, float], *, seed: int, n_test: int = 5,
              wall: float = 10.0, backprop: int = 1000, keep: float = 0.5,
              cells: tuple[str, ...] = CELLS) -> RunInfo:
    """A stored run on `cells` whose test MAE on each is `ratios[cell]` x its scale (so its
    MASE is the ratio; the dead cell has none), pooled as `experiment.train_run` pools."""
    params = {} if strategy == "full" else {"keep_ratio": keep}
    cfg = RunConfig(data=DataConfig(path="cells.csv", series=cells),
                    window=WindowConfig(lookback=24),
                    train=TrainConfig(strategy=strategy, strategy_params=params, seed=seed))
    scale = {c: SCALE.get(c, 1.0) for c in cells}
    rows = [{"series": c, "n_test": n_test,
             "test_mae": ratios.get(c, 1.0) * scale[c] if scale[c] else 0.5,
             "test_mase": ratios.get(c, 1.0) if scale[c] else None} for c in cells]
    rid = f"{strategy}-{seed}-{n_test}-{len(cells)}"
    summary = {"run_id": rid, "strategy": strategy, "wall_s": wall, "energy_kwh": wall / 10,
               "samples_backprop": backprop, "samples_scoring_backprop": 0,
               "energy_method": "measured", "n_test": n_test * len(cells), "best_epoch": 5,
               "best_epoch_by_score": True, "epochs": [], "per_series": rows,
               "test_mae": float(np.mean([r["test_mae"] for r in rows])),  # equal n_test
               **pooled_mase({r["series"]: r["test_mase"] for r in rows})}
    return RunInfo(rid, summary, cfg)


def comparison(n_test: int = 5, cells: tuple[str, ...] = CELLS) -> list[RunInfo]:
    """Three seeds: gradnorm 10% worse than full data on the huge cell and 10% better on
    every small one; rs2 at the same budget as good as full data everywhere."""
    out = []
    for seed in range(3):
        shake = 1 + 0.002 * (seed - 1)
        grad = {"huge": 1.1 * shake, **{c: 0.9 * shake for c in cells[1:]}}
        out += [panel_run("full", {}, seed=seed, n_test=n_test, cells=cells),
                panel_run("gradnorm", grad, seed=seed, n_test=n_test, wall=5.0, backprop=500,
                          cells=cells),
                panel_run("rs2", {"huge": shake}, seed=seed, n_test=n_test, wall=5.0,
                          backprop=500, cells=cells)]
    return out


def test_a_panel_is_judged_on_pooled_mase_where_pooled_mae_says_the_opposite():
    runs = comparison()
    full, grad = runs[0].summary, runs[1].summary
    assert grad["test_mae"] > 1.05 * full["test_mae"]  # the huge cell drives the pooled MAE
    assert grad["test_mase"] < 0.95 * full["test_mase"]  # 9 of 10 cells are better
    assert full["mase_series"] == 10 and full["mase_excluded"]["series"] == ["dead"]
    v = vd.conclude(runs)
    g = next(r for r in v.results if r.strategy == "gradnorm")
    acc = g.accuracy
    assert acc.metric == "test_mase" and "test_mae" not in g.vs_full
    assert acc.change.mean == pytest.approx(-8.0, abs=0.1) and acc.change.high < 0
    assert acc.pool.cells == 10 and acc.pool.excluded == 1 and acc.pool.windows_all == 50
    assert g.kept_accuracy and v.best is g
    assert v.headline.startswith("Best trade-off: **Gradient-norm top-k** kept accuracy, "
                                 "pooled test MASE -8.0% against full data")
    assert g.vs_control.metric == "test_mase" and g.vs_control.winner == "Gradient-norm top-k"
    text = "\n".join(v.sentences)
    assert ("pooled test MASE -8.0% (mean over 10 series, leaving out 1 constant before the "
            "test period; 5 test windows per cell, 10 cells: 50 in all; 95% interval") in text
    j = v.to_json()
    accuracy = [c for c in j["claims"] if c["metric"] in ("test_mae", "test_mase")]
    assert accuracy and all(c["metric"] == "test_mase" for c in accuracy)
    assert accuracy[0]["pool"] == {"series": 10, "series_excluded": 1,
                                   "test_windows_per_series": [5, 5], "test_windows": 50}


def test_a_panels_test_windows_are_counted_across_its_cells():
    thin = vd.conclude(comparison(n_test=2, cells=CELLS[:10]))  # 2 per cell, 10 cells: 20
    assert thin.best is None and thin.headline.startswith("No winner: the evidence is too thin")
    assert ("only 2 test windows per cell, 10 cells: 20 in all, fewer than 30: too few to "
            "judge accuracy") in thin.headline
    dead = vd.conclude(comparison(n_test=2))  # 11 cells, but the dead one is not judged
    assert "2 test windows per cell, 10 cells: 20 in all" in dead.headline
    many = [f"cell {k}" for k in range(20)]  # small cells (scale 1)
    wide = vd.conclude(comparison(n_test=2, cells=("huge", *many)))  # 42 in all: judged
    g = next(r for r in wide.results if r.strategy == "gradnorm")
    assert not any(cv.code == "few_test_windows" for cv in g.accuracy.caveats)
    assert wide.best is g


def test_against_the_best_classical_model_on_mase_with_the_series_it_beats():
    def fit(huge: float, small: float) -> dict:
        rows = [{"series": c, "test_mase": None if c == "dead" else
                 (huge if c == "huge" else small)} for c in CELLS]
        return {"test_mae": 999.0, "per_series": rows,
                **pooled_mase({r["series"]: r["test_mase"] for r in rows})}

    classical = {"AutoETS": fit(1.0, 0.95), "seasonal naive": fit(1.3, 1.2),
                 "Holt-Winters": 1.0}  # a bare MAE: no MASE, not a reference for a panel
    v = vd.conclude(comparison(), classical=classical)
    c = v.classical
    assert c.metric == "test_mase" and c.against == "AutoETS"
    assert c.strategy == "Gradient-norm top-k"  # the lowest pooled MASE, not the lowest MAE
    assert c.change.mean == pytest.approx(100 * (0.92 / 0.955 - 1), abs=0.1)
    assert c.series_better == (9, 10)  # worse on the huge cell only; the dead one not compared
    assert "a lower MASE than AutoETS on 9 of 10 series (90%)" in v.sentences[-1]
    assert v.sentences[-1].startswith("The best neural strategy, **Gradient-norm top-k**, "
                                      "against the best classical model fitted, AutoETS")
    j = next(x for x in v.to_json()["claims"] if x["against"] == "AutoETS")
    assert j["series_better"] == {"series": 9, "of": 10}
    assert vd.conclude(comparison(), classical={"Holt-Winters": 1.0}).classical is None

"""Runs trained at once in the job lanes: the verdict says when runs shared cores, and wall
time then names no best trade-off (importance.verdict.cores_shared)."""

from __future__ import annotations

from importance import verdict as vd
from tests.core.test_verdict import seeds


def with_machine(runs, at_once: float, threads: int, cores: int):
    for r in runs:
        r.summary.update(concurrent_runs=at_once, threads=threads, cores=cores)
    return runs


def test_runs_that_trained_in_lanes_on_their_own_cores_keep_the_best_trade_off():
    v = vd.conclude(with_machine(seeds(), at_once=2.0, threads=1, cores=2))
    assert v.best is not None and v.best.strategy == "gradnorm"
    assert "shared cores" not in "\n".join([v.headline, *v.sentences])


def test_runs_that_shared_cores_say_so_and_name_no_best_trade_off():
    v = vd.conclude(with_machine(seeds(), at_once=3.0, threads=1, cores=2))
    g = next(r for r in v.results if r.strategy == "gradnorm")
    assert v.best is None and g.kept_accuracy and not g.saves_time
    codes = {c.code for c in g.vs_full["wall_s"].caveats}
    assert "shared_cores" in codes
    assert "shared_cores" not in {c.code for c in g.vs_full["test_mae"].caveats}  # accuracy
    wall = next(c for c in v.to_json()["claims"]
                if c["strategy"] == "Gradient-norm top-k" and c["metric"] == "wall_s")
    assert wall["winner"] is None and [c["code"] for c in wall["caveats"]] == ["shared_cores"]
    assert "shared cores" in v.headline  # said where the verdict is read


def test_runs_stored_before_the_machine_fields_are_not_flagged():
    assert not vd.cores_shared({"wall_s": 3.0})
    assert vd.cores_shared({"concurrent_runs": 2.0, "threads": 2, "cores": 2})
    assert not vd.cores_shared({"concurrent_runs": 1.0, "threads": 2, "cores": 2})

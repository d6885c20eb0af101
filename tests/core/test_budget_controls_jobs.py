"""The dashboard's job manager adds a control at the budget a strategy actually spent (issue
20): InfoBatch asked for keep 0.25 spends far more, so after each seed's runs the manager
queues RS2 at that share next in line and the same control for the later seeds, in the same
batch; the verdict then pairs InfoBatch with a control at its own budget."""

from __future__ import annotations

import pytest

from importance import estimate, verdict
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runcard import job_name
from importance.runs.executor import LocalProcessExecutor
from importance.runs.identity import RunInfo, latest_batch
from importance.runs.jobs import DONE, JobManager
from importance.runs.store import RunStore


def _config(strategy: str, seed: int, keep: float | None = None) -> RunConfig:
    params = {} if keep is None else {"target_budget" if strategy == "infobatch"
                                      else "keep_ratio": keep}
    return RunConfig(data=DataConfig(), window=WindowConfig(lookback=24, stride=32),
                     model=ModelConfig(hidden=4),
                     train=TrainConfig(strategy=strategy, strategy_params=params, epochs=3,
                                       seed=seed))


@pytest.mark.slow
def test_the_manager_queues_a_control_at_the_budget_spent_for_every_seed(tmp_path):
    store = RunStore(tmp_path / "runs")
    ex = LocalProcessExecutor()
    mgr = JobManager(store, executor=ex, persist=False)
    try:
        asked = [_config(s, seed, k) for seed in (0, 1)
                 for s, k in (("full", None), ("infobatch", 0.25), ("rs2", 0.25))]
        mgr.submit(asked, [1.0] * len(asked))
        assert mgr.wait(timeout=600)
    finally:
        mgr.close()
        ex.shutdown()
    jobs = mgr.jobs()[::-1]  # oldest first
    assert all(j.status == DONE for j in jobs), [(j.strategy, j.error) for j in jobs]
    added = [j for j in jobs if j.added]
    spent = {j.run_id: store.load(j.run_id).summary["samples_backprop"] for j in jobs}
    full = {j.config.train.seed: spent[j.run_id] for j in jobs if j.strategy == "full"}
    first = added[0]
    share = round(spent[next(j.run_id for j in jobs if j.strategy == "infobatch")] / full[0], 3)
    assert share > 0.3 and first.config.train.seed == 0
    assert first.config.train.strategy_params == {"keep_ratio": share}
    assert first.added == f"added rs2 at keep {share:g}: the budget infobatch spent"
    assert [j for j in added if j.config.train.seed == 1][0].config.train.strategy_params == \
        {"keep_ratio": share}  # carried to the later seed: one variant over the seeds
    for seed in (0, 1):  # every seed ends with a control within the tolerance of the budget
        info = next(spent[j.run_id] for j in jobs
                    if j.strategy == "infobatch" and j.config.train.seed == seed)
        assert any(abs(spent[j.run_id] / info - 1) <= verdict.BUDGET_TOLERANCE for j in added
                   if j.config.train.seed == seed)
    assert {j.batch for j in jobs} == {jobs[0].batch}  # one comparison
    order = sorted(jobs, key=lambda j: j.started)  # seed 0's control before any seed-1 run
    seeds = [j.config.train.seed for j in order]
    assert seeds == sorted(seeds)
    runs = [RunInfo(r.run_id, r.summary, r.config)
            for r in (store.load(i) for i in store.ids())]
    assert len(latest_batch(runs)) == len(jobs)
    found = verdict.conclude(runs)
    info = next(r for r in found.results if r.strategy == "infobatch")
    assert info.vs_control.against.startswith("RS2 at keep ")
    assert "budget_mismatch" not in {c.code for c in info.vs_control.caveats}
    assert "control run added at the budget spent" in estimate.estimate_outcome(jobs) or \
        "control runs added at the budget spent" in estimate.estimate_outcome(jobs)
    assert "added at keep" in job_name(added[0])

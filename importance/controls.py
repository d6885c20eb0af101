"""Controls at the budget a strategy actually spent (issue 20): a strategy is compared with
its control (`importance.evidence.control_of`) at the share of full data's backprops it
spent, scoring included, not at the keep ratio it asked for (InfoBatch asked for 0.25 spends
0.42). When a seed's runs lack such a control, `budget_controls` says which to add: the
command line trains it next, the dashboard's job manager queues it in the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from importance import verdict
from importance.compare import backprops_all
from importance.config import RunConfig
from importance.evidence import control_of
from importance.runs.store import StoredRun
from importance.strategies import accepted_params


def budget_controls(runs: Sequence[StoredRun], scoring: str) -> list[tuple[RunConfig | None, str]]:
    """The control runs one seed's `runs` lack, each with the line that says so: for every
    strategy with a control (`evidence.control_of`) whose realised budget (backprops, scoring
    included) is not within `verdict.BUDGET_TOLERANCE` of a control run's, a config of that
    control at the strategy's realised share of the seed's full-data backprops (3 decimals),
    with the same seed and settings. None (with the reason) where no keep ratio can match it.
    Nothing without a full-data run: it defines the budget."""
    full = next((r for r in runs if r.config.train.strategy == verdict.FULL), None)
    base = backprops_all(full.summary) if full is not None else 0
    if not base:
        return []
    out: list[tuple[RunConfig | None, str]] = []
    planned: set[tuple[str, float]] = set()
    for r in runs:
        strategy = r.config.train.strategy
        if strategy == verdict.FULL or strategy in verdict.CONTROLS:
            continue
        control, spent = control_of(strategy), backprops_all(r.summary)
        budgets = [backprops_all(c.summary) for c in runs
                   if c.config.train.strategy == control]
        if any(b and abs(spent / b - 1) <= verdict.BUDGET_TOLERANCE for b in budgets):
            continue
        share = round(spent / base, 3)
        if (control, share) in planned:
            continue
        planned.add((control, share))
        if not 0 < share <= 1:
            out.append((None, f"no {control} run at the budget {strategy} spent: "
                               f"{spent / base:.2f}x full data's backprops (scoring included), "
                               "which no keep ratio (at most 1) matches"))
            continue
        params = accepted_params(control, keep_ratio=share, scoring=scoring)
        cfg = replace(r.config, train=replace(r.config.train, strategy=control,
                                              strategy_params=params))
        out.append((cfg, f"added {control} at keep {share:g}: the budget {strategy} spent"))
    return out

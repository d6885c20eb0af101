"""Controls at the budget a strategy actually spent (issue 20): a strategy is compared with
its control (`importance.evidence.control_of`) at the share of full data's budget it
spent (`importance.budget.spent_budget`: backprops, scoring included, plus selection work at
its measured cost), not at the keep ratio it asked for (InfoBatch asked for 0.25 spends
0.42). When a seed's runs lack such a control, `budget_controls` says which to add: the
command line trains it next, the dashboard's job manager queues it in the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from importance import verdict
from importance.budget import describe, spent, spent_budget
from importance.config import RunConfig
from importance.evidence import control_of
from importance.runs.store import StoredRun
from importance.strategies import accepted_params


def budget_controls(runs: Sequence[StoredRun], scoring: str) -> list[tuple[RunConfig | None, str]]:
    """The control runs one seed's `runs` lack, each with the line that says so: for every
    strategy with a control (`evidence.control_of`) whose spent budget (`spent_budget`:
    backprops, scoring included, plus selection work) is not within
    `verdict.BUDGET_TOLERANCE` of a control run's, a config of that control at the strategy's
    spent share of the seed's full-data budget (3 decimals), with the same seed and settings.
    None (with the reason) where no keep ratio can match it.
    Nothing without a full-data run: it defines the budget."""
    full = next((r for r in runs if r.config.train.strategy == verdict.FULL), None)
    base = spent_budget(full.summary) if full is not None else 0
    if not base:
        return []
    out: list[tuple[RunConfig | None, str]] = []
    planned: set[tuple[str, float]] = set()
    for r in runs:
        strategy = r.config.train.strategy
        if strategy == verdict.FULL or strategy in verdict.CONTROLS:
            continue
        control, used = control_of(strategy), spent_budget(r.summary)
        budgets = [spent_budget(c.summary) for c in runs
                   if c.config.train.strategy == control]
        if any(b and abs(used / b - 1) <= verdict.BUDGET_TOLERANCE for b in budgets):
            continue
        share = round(used / base, 3)
        if (control, share) in planned:
            continue
        planned.add((control, share))
        if not 0 < share <= 1:
            what = ("budget (backprops and selection work)" if spent(r.summary).selection
                    else "backprops (scoring included)")
            out.append((None, f"no {control} run at the budget {strategy} spent: "
                               f"{used / base:.2f}x full data's {what}, which no keep ratio "
                               "(at most 1) matches"))
            continue
        params = accepted_params(control, keep_ratio=share, scoring=scoring)
        cfg = replace(r.config, train=replace(r.config.train, strategy=control,
                                              strategy_params=params))
        line = f"added {control} at keep {share:g}: the budget {strategy} spent"
        if spent(r.summary).selection:  # its selection work, in words
            line += f" ({describe(r.summary, full.summary)})"
        out.append((cfg, line))
    return out

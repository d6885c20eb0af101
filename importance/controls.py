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

import numpy as np

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


def seeds_controls(runs: Sequence[StoredRun], scoring: str
                   ) -> list[tuple[RunConfig | None, str]]:
    """`budget_controls` over several seeds, for a control the verdict can pair on every
    seed: for each strategy variant with a control, one control variant at the mean of its
    per-seed spent shares (of each seed's full-data budget, 3 decimals), a config for every
    seed that lacks it, each with the line that says so. Nothing for a variant that a
    control variant on all its seeds matches within `verdict.BUDGET_TOLERANCE` (the mean of
    the per-seed budget ratios, as the verdict pairs)."""
    full = {r.config.train.seed: spent_budget(r.summary) for r in runs
            if r.config.train.strategy == verdict.FULL}
    variants: dict[tuple[str, str], dict[int, StoredRun]] = {}
    for r in runs:
        t = r.config.train
        variants.setdefault((t.strategy, repr(sorted(t.strategy_params.items()))), {})[
            t.seed] = r
    out: list[tuple[RunConfig | None, str]] = []
    planned: set[tuple[str, float, int]] = set()
    for (strategy, _), own in variants.items():
        seeds = [s for s in own if full.get(s)]
        if strategy == verdict.FULL or strategy in verdict.CONTROLS or not seeds:
            continue
        control = control_of(strategy)
        if any(set(seeds) <= set(ctrl) and abs(np.mean(
                [spent_budget(own[s].summary) / spent_budget(ctrl[s].summary) for s in seeds])
                - 1) <= verdict.BUDGET_TOLERANCE
               for (name, _), ctrl in variants.items() if name == control):
            continue
        parts = {s: spent(own[s].summary) for s in seeds}
        bp, work = (float(np.mean([getattr(p, k) / full[s] for s, p in parts.items()]))
                    for k in ("backprops", "selection"))
        share, keep = round(bp + work, 3), own[seeds[0]].config.train.strategy_params
        spent_words = (f"{bp + work:.2f}x full data: {bp:.2f} backprops + {work:.2f} "
                       "selection work, mean over its seeds")
        if not 0 < share <= 1:
            out.append((None, f"no {control} run at the budget {strategy} {keep} spent "
                              f"({spent_words}): no keep ratio (at most 1) matches"))
            continue
        params = accepted_params(control, keep_ratio=share, scoring=scoring)
        for s in seeds:
            if (control, share, s) in planned:
                continue
            planned.add((control, share, s))
            cfg = own[s].config
            out.append((replace(cfg, train=replace(cfg.train, strategy=control,
                                                   strategy_params=params)),
                        f"added {control} at keep {share:g} (seed {s}): the budget "
                        f"{strategy} {keep} spent ({spent_words})"))
    return out

"""Which runs are which: a stored run's small parts (`RunInfo`), the newest comparison among
stored runs, and the baseline each run is measured against (the newest full-data run, paired
seed by seed). Every page, the report and the CLI pick their baseline here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from importance import compare
from importance.config import RunConfig, comparison_key
from importance.energy_to_accuracy import energy_to_accuracy

BASELINE = "full"


@dataclass(frozen=True)
class RunInfo:
    """A stored run's small parts: its summary and the config it was trained with."""

    run_id: str
    summary: dict[str, Any]
    config: RunConfig

    @property
    def strategy(self) -> str:
        return str(self.summary.get("strategy", self.config.train.strategy))

    @property
    def label(self) -> str:
        return str(self.summary.get("label", self.strategy))


def latest_batch(runs: Sequence[RunInfo]) -> list[str]:
    """Ids of the newest comparison, every seed of it (a sweep's runs are never one: the Sweep
    page shows them): the runs of the newest run's launch
    (`summary["batch"]`, the job manager's), else the trailing runs (oldest first) of one
    comparison (`importance.config.comparison_key`: all but strategy, parameters and seed).

    Walks back from the newest run until a run of another comparison, a (strategy with its
    parameters, seed) already seen, or a higher seed than the run after it: a launch trains
    its seeds in ascending order (`importance.launch.LaunchForm.configs`), so a higher seed is
    an earlier launch (another seed count ends the batch). `runs` are in the order they
    finished (the store's: run ids start with their time to the microsecond).
    """
    runs = [r for r in runs if not r.summary.get("sweep_id")]  # a sweep's: the Sweep page's
    if not runs:
        return []
    launch = runs[-1].summary.get("batch")
    if launch:  # launched together by the job manager: exactly its runs, in any order
        return [r.run_id for r in runs if r.summary.get("batch") == launch]
    key = comparison_key(runs[-1].config)
    seen: set[tuple[str, str, int]] = set()
    out: list[str] = []
    later_seed = runs[-1].config.train.seed
    for run in reversed(runs):
        t = run.config.train
        variant = (run.strategy, repr(sorted(t.strategy_params.items())), t.seed)
        if comparison_key(run.config) != key or variant in seen or t.seed > later_seed:
            break
        seen.add(variant)
        out.append(run.run_id)
        later_seed = t.seed
    return out[::-1]


def seed_baselines(runs: Sequence[RunInfo], base: RunInfo) -> dict[str, RunInfo]:
    """Each run's baseline, paired by seed: the run of `base`'s comparison, strategy and
    parameters with the run's seed (`base` itself where that seed has none)."""
    def same(r: RunInfo) -> bool:
        return (r.strategy, r.config.train.strategy_params, comparison_key(r.config)) == (
            base.strategy, base.config.train.strategy_params, comparison_key(base.config))

    by_seed = {r.config.train.seed: r for r in runs if same(r)}
    by_seed[base.config.train.seed] = base
    return {r.run_id: by_seed.get(r.config.train.seed, base) for r in runs}


def _by_seed_baseline(runs: Sequence[RunInfo], base: RunInfo
                      ) -> list[tuple[RunInfo, list[RunInfo]]]:
    """`runs` grouped by their baseline of the same seed (`seed_baselines`), in order."""
    refs = seed_baselines(runs, base)
    groups: dict[str, tuple[RunInfo, list[RunInfo]]] = {}
    for r in runs:
        groups.setdefault(refs[r.run_id].run_id, (refs[r.run_id], []))[1].append(r)
    return list(groups.values())


def seed_paired_table(runs: Sequence[RunInfo], base: RunInfo) -> pd.DataFrame:
    """`importance.compare.compare_table` of `runs` (in their order), each row's savings
    against its baseline of the same seed (`seed_baselines`), never another seed's."""
    rows = {}
    for ref, mine in _by_seed_baseline(runs, base):
        table = compare.compare_table([r.summary for r in mine], baseline=ref.summary,
                                      tol=ref.config.train.tol)
        rows.update({r.run_id: row for r, row in zip(mine, table.to_dict("records"),
                                                     strict=True)})
    return pd.DataFrame([rows[r.run_id] for r in runs])


def seed_paired_reach(runs: Sequence[RunInfo], base: RunInfo,
                      classical: Sequence[dict] = ()) -> pd.DataFrame:
    """`importance.energy_to_accuracy` of `runs`, each seed's runs against the baseline of
    that seed (`seed_baselines`): its targets, its costs and savings; the `classical` fits'
    summaries (no seed) as rows after the first seed's runs, against its baseline."""
    parts = [energy_to_accuracy([r.summary for r in mine] + (list(classical) if k == 0 else []),
                                baseline=ref.summary)
             for k, (ref, mine) in enumerate(_by_seed_baseline(runs, base))]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def pick_baseline(runs: Sequence[RunInfo], base_id: str | None = None) -> RunInfo | None:
    """The baseline among `runs`: the run `base_id` when given and there, else the run whose
    summary `importance.compare.pick_baseline` picks (the newest full-data run), else None.
    One rule for the pages, the report and the CLI."""
    chosen = next((r for r in runs if r.run_id == base_id), None) if base_id else None
    if chosen is None:
        picked = compare.pick_baseline([r.summary for r in runs])
        chosen = next((r for r in runs if r.summary is picked), None)
    return chosen

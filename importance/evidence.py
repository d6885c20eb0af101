"""Evidence over many runs: ratios paired with full data and with the controls on the same
series and seed, intervals over seeds and series, Pareto fronts, and the Milan grid's map.

One row per run in, with the columns `strategy`, `keep_ratio` (NaN when the strategy takes
none), `seed`, `series`, `test_mae`, `energy_kwh` (NaN: not measured), `wall_s` and
`backprops` (training and scoring backprops). Every ratio is against the run of the same
series and seed, never against an average: per-seed MAE ratios on the default data spread
as widely as the effects measured, so only paired differences say anything.

The rules every conclusion follows (`../shared/DESIGN.md` 4a, in the spirit of rliable and
criterion.rs): a change is the mean of per-seed paired changes with a 95% Student-t interval
(`Interval`), which needs at least `MIN_SEEDS` seeds; a side wins only when that interval
excludes 0; the probability of improvement is the share of seed pairs that improved, with a
Clopper-Pearson interval (`improvement`); and an interval too wide to decide says how many
seeds would (`seeds_to_decide`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from importance.metrics import number

PAIR = ["series", "seed"]
COSTS = {"energy": "energy_kwh", "wall": "wall_s", "backprop": "backprops"}
# The control a strategy is paired with: per-epoch selection against rs2 (resampled each
# epoch), static selection against a fixed random subset (DESIGN.md section 2)
STATIC = frozenset({"el2n", "grand", "random"})


def control_of(strategy: str) -> str:
    return "random" if strategy in STATIC else "rs2"


def paired(runs: pd.DataFrame) -> pd.DataFrame:
    """`runs` with, per row, its ratios to the full-data run of the same series and seed
    (`mae_ratio`, `energy_ratio`, `wall_ratio`, `backprop_ratio`: NaN without one) and to
    its control at the same keep ratio (`mae_vs_control`, `control`, `beats_control`: NaN /
    None without one)."""
    out = runs.copy()
    full = runs[runs["strategy"] == "full"].drop_duplicates(PAIR, keep="last")
    base = out[PAIR].merge(full, on=PAIR, how="left")
    out["mae_ratio"] = out["test_mae"].to_numpy() / base["test_mae"].to_numpy()
    for name, col in COSTS.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_ratio"] = out[col].to_numpy() / base[col].to_numpy()
    out["control"] = out["strategy"].map(control_of)
    keys = [*PAIR, "strategy", "keep_ratio"]
    ctrl = runs[["test_mae", *keys]].rename(columns={"strategy": "control",
                                                     "test_mae": "control_mae"})
    ctrl = ctrl.drop_duplicates([*PAIR, "control", "keep_ratio"], keep="last")
    joined = out[[*PAIR, "control", "keep_ratio"]].merge(
        ctrl, on=[*PAIR, "control", "keep_ratio"], how="left")
    is_control = out["strategy"].isin({"rs2", "random", "full"})
    out["mae_vs_control"] = np.where(is_control, np.nan,
                                     out["test_mae"].to_numpy() / joined["control_mae"])
    out["beats_control"] = pd.Series(
        np.where(out["mae_vs_control"].notna(), out["mae_vs_control"] < 1, None),
        index=out.index, dtype=object)
    return out


MIN_SEEDS = 3  # fewer seeds give no interval and no winner
KEPT_ACCURACY_PCT = 2.0  # "kept accuracy": the test-MAE interval vs full ends at most +2%
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """The mean of paired per-seed changes (in %) and its 95% Student-t interval; `low` and
    `high` are NaN below `MIN_SEEDS` seeds (no interval, no winner)."""

    mean: float
    low: float
    high: float
    n: int
    sd: float

    @property
    def known(self) -> bool:
        return bool(np.isfinite(self.low) and np.isfinite(self.high))

    @property
    def excludes_zero(self) -> bool:
        return bool(self.known and (self.high < 0 or self.low > 0))

    def as_list(self) -> list[float] | None:
        return [float(self.low), float(self.high)] if self.known else None


def interval(values: pd.Series | np.ndarray | list[float], min_n: int = MIN_SEEDS
             ) -> Interval:
    """`Interval` of the finite `values` (one per seed).

    >>> i = interval([1.0, 2.0, 3.0]); [round(v, 3) for v in (i.mean, i.low, i.high)]
    [2.0, -0.484, 4.484]
    >>> interval([1.0, 2.0]).known
    False
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    sd = float(v.std(ddof=1)) if len(v) > 1 else math.nan
    m, lo, hi = mean_interval(v)
    if len(v) < min_n:
        lo = hi = math.nan
    return Interval(m, lo, hi, len(v), sd)


def improvement(values: pd.Series | np.ndarray | list[float]) -> tuple[float, float, float]:
    """(share, low, high): the share of seed pairs whose change is below 0 (better: lower
    error or cost) and its 95% Clopper-Pearson interval; NaN without pairs.

    >>> [round(v, 3) for v in improvement([-1.0, -2.0, 0.5])]
    [0.667, 0.094, 0.992]
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan, math.nan, math.nan
    from scipy import stats  # here: scipy takes ~2 s to import, and most readers never ask

    wins = int((v < 0).sum())
    ci = stats.binomtest(wins, len(v)).proportion_ci(LEVEL, method="exact")
    return wins / len(v), float(ci.low), float(ci.high)


def seeds_to_decide(mean: float, sd: float, boundary: float = 0.0,
                    most: int = 100) -> int | None:
    """How many seeds a 95% t-interval at the observed spread `sd` needs to leave `boundary`
    on one side of `mean`; None when even `most` would not (a difference too small to tell).

    >>> seeds_to_decide(1.0, 1.0), seeds_to_decide(0.0, 1.0)
    (7, None)
    """
    gap = abs(mean - boundary)
    if not (np.isfinite(gap) and np.isfinite(sd)) or gap == 0:
        return None
    if sd == 0:
        return MIN_SEEDS
    from scipy import stats

    for n in range(MIN_SEEDS, most + 1):
        if stats.t.ppf(0.5 + LEVEL / 2, n - 1) * sd / math.sqrt(n) < gap:
            return n
    return None


def mean_interval(values: pd.Series | np.ndarray, level: float = 0.95
                  ) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval of the mean of the finite `values`; the
    interval is NaN with fewer than two.

    >>> [round(v, 3) for v in mean_interval(np.array([1.0, 2.0, 3.0]))]
    [2.0, -0.484, 4.484]
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if len(v) < 2:
        return m, math.nan, math.nan
    from scipy import stats

    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return m, m - half, m + half


def interval_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per strategy x keep ratio (full excluded): runs, mean and 95% interval over series and
    seeds of the MAE ratio and of each saving (1 - cost ratio, in %), and the paired win
    rate against the control (share of series x seeds with a lower test MAE)."""
    rows = []
    for (strategy, keep), g in pairs[pairs["strategy"] != "full"].groupby(
            ["strategy", "keep_ratio"], dropna=False, sort=True):
        row = {"strategy": strategy, "keep_ratio": keep, "runs": len(g)}
        m, lo, hi = mean_interval(g["mae_ratio"])
        row |= {"mae_ratio": m, "mae_ratio_low": lo, "mae_ratio_high": hi}
        for name in COSTS:
            m, lo, hi = mean_interval(100 * (1 - g[f"{name}_ratio"]))
            row |= {f"{name}_saved_pct": m, f"{name}_saved_low": lo,
                    f"{name}_saved_high": hi}
        wins = g["beats_control"].dropna()
        row["control"] = control_of(strategy)
        row["wins_vs_control"] = int(wins.sum()) if len(wins) else None
        row["pairs_vs_control"] = len(wins)
        rows.append(row)
    return pd.DataFrame(rows)


# --- runs on several series: what a pooled claim stands on ----------------------------------------

def _windows(summary: Mapping[str, Any]) -> dict[str, float]:
    """Test windows of one series (fewest, most) and in all: on several series, of those with a
    MASE (the ones its pooled MASE is over); NaN when not recorded."""
    rows = summary.get("per_series") or []
    judged = [number(p.get("n_test")) for p in rows if p.get("test_mase") is not None]
    parts = judged or [number(p.get("n_test")) for p in rows] or [number(summary.get("n_test"))]
    return {"test_windows": min(parts), "test_windows_most": max(parts),
            "test_windows_all": float(sum(parts))}


POOL_FIELDS = ("test_mase", "series_mase", "mase_excluded", "cells", "test_windows",
               "test_windows_most", "test_windows_all")


def pool_fields(summary: Mapping[str, Any]) -> dict[str, Any]:
    """What a run's accuracy stands on, as evidence-row fields (`POOL_FIELDS`): its test MASE
    (`test_mase`, pooled on several series), each series' (`series_mase`), the series without
    one (`mase_excluded`), its series (`cells`, 1 for one series) and its test windows."""
    return {"test_mase": number(summary.get("test_mase")), "series_mase": series_mase(summary),
            "mase_excluded": number((summary.get("mase_excluded") or {}).get("count", 0)),
            "cells": len(summary.get("per_series") or []) or 1, **_windows(summary)}


def series_mase(summary: Mapping[str, Any]) -> dict[str, float]:
    """Each series' test MASE of a run on several (`summary["per_series"]`; NaN: a series
    without one); {} for a run on one series."""
    return {str(p["series"]): number(p.get("test_mase")) for p in summary.get("per_series") or []}


def series_better(own: Mapping[str, float], ref: Mapping[str, float]) -> tuple[int, int]:
    """(the series where `own` is lower than `ref`, the series both have a figure for): the
    share of series where one model beats another, each series counted alike.

    >>> series_better({"a": 0.8, "b": 1.2, "c": float("nan")}, {"a": 1.0, "b": 1.0, "c": 1.0})
    (1, 2)
    """
    both = [k for k in own if np.isfinite(own[k]) and np.isfinite(number(ref.get(k)))]
    return sum(own[k] < number(ref[k]) for k in both), len(both)


@dataclass(frozen=True)
class Pool:
    """What a claim pooled over several series stands on: the series with a MASE (`cells`),
    those without one (`excluded`: constant or dead before the test period), and the test
    windows of one series (fewest, most) and of all of them."""

    cells: int
    excluded: int
    windows_low: int
    windows_high: int
    windows_all: int

    def to_json(self) -> dict[str, Any]:
        return {"series": self.cells, "series_excluded": self.excluded,
                "test_windows_per_series": [self.windows_low, self.windows_high],
                "test_windows": self.windows_all}


def pool_of(rows: pd.DataFrame) -> Pool | None:
    """What a claim over evidence `rows` (`pool_fields`) on several series stands on (None:
    one series)."""
    cells = rows["cells"].fillna(1)
    if not cells.gt(1).any():
        return None
    excluded = int(rows["mase_excluded"].fillna(0).max())
    return Pool(int(cells.max()) - excluded, excluded, int(rows["test_windows"].min()),
                int(rows["test_windows_most"].max()), int(rows["test_windows_all"].min()))


def accuracy_metric(rows: pd.DataFrame) -> str:
    """What the runs of one setup (evidence `rows`) are judged on: their pooled MASE when
    they trained on several series (stored with one), else their test MAE. On one series the
    two give the same paired changes (both runs' MAE over the same scale), so one-series
    verdicts keep the MAE their figures were always stated in."""
    several = rows["cells"].fillna(1).gt(1).any() and rows["test_mase"].notna().any()
    return "test_mase" if several else "test_mae"


def classical_figure(fit: float | Mapping[str, Any], metric: str) -> float:
    """A classical model's figure on `metric` (NaN without one): from the summary of its fit
    (`experiment.run_classical`), or a bare number, its test MAE."""
    if isinstance(fit, Mapping):
        return number(fit.get(metric))
    return number(fit) if metric == "test_mae" else math.nan


def pareto_front(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask of the points no other point beats on both `x` and `y` (lower is better for
    both; NaN points are never on the front).

    >>> pareto_front(np.array([1.0, 2.0, 3.0, 2.5]), np.array([3.0, 1.0, 0.5, 2.0])).tolist()
    [True, True, True, False]
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    front = np.zeros(len(x), dtype=bool)
    best_y = math.inf
    for i in sorted(np.flatnonzero(ok), key=lambda i: (x[i], y[i])):
        if y[i] < best_y:
            front[i], best_y = True, y[i]
    return front


def grid_position(square_id: int | str) -> tuple[int, int]:
    """(column west to east, row south to north), from 0, of a Milan grid square 1..10000.

    The grid numbers its 100 x 100 squares row by row from the south-west corner: checked
    against the real grid's KML (Bocconi 4259 at column 58, row 42; Duomo 5060 at 59, 50;
    Parco Forlanini 5085 at 84, 50, east of the Duomo).

    >>> grid_position(5060), grid_position(1), grid_position(10000)
    ((59, 50), (0, 0), (99, 99))
    """
    sid = int(square_id)
    if not 1 <= sid <= 10_000:
        raise ValueError(f"a Milan grid square id is 1..10000, got {square_id!r}")
    row, col = divmod(sid - 1, 100)
    return col, row

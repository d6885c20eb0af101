"""The verdict's evidence rows (`importance.verdict`): one row per run, with what pairing and
the caveats need (test error, costs, the setup and device it belongs to, its test windows), and
what a setup's accuracy is judged on: test MAE on one series, the pooled MASE on several."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from importance.compare import backprops_all
from importance.config import RunConfig, comparison_key
from importance.evidence import Pool, series_mase, window_counts
from importance.metrics import number

FULL = "full"


class RunLike(Protocol):
    run_id: str
    summary: dict[str, Any]
    config: RunConfig


# --- evidence rows ------------------------------------------------------------------------------

def _default_param(strategy: str, name: str) -> Any:
    from importance.strategies import STRATEGIES

    cls = STRATEGIES.get(strategy)
    p = inspect.signature(cls).parameters.get(name) if cls is not None else None
    return None if p is None or p.default is inspect.Parameter.empty else p.default


def keep_ratio(strategy: str, params: Mapping[str, Any], default: bool = True) -> float:
    """The share of windows a strategy trains per epoch: its keep parameter (the name its
    class gives it, `keep_param`: InfoBatch's target budget), else its default (`default`);
    NaN for strategies without one."""
    from importance.strategies import STRATEGIES

    if strategy == FULL:
        return math.nan
    name = getattr(STRATEGIES.get(strategy), "keep_param", "keep_ratio")
    v = params.get(name, _default_param(strategy, name) if default else None)
    return math.nan if v is None else float(v)


def short_label(strategy: str) -> str:
    """A strategy's label without its explanation: "RS2", "Gradient-norm top-k"."""
    from importance.strategies import STRATEGIES

    cls = STRATEGIES.get(strategy)
    return (cls.label if cls is not None else strategy).split(" (")[0].split(":")[0]


def energy_estimated(method: str | None) -> bool:
    """Whether an `energy_method` says the energy was estimated or modelled."""
    m = (method or "").lower()
    return any(w in m for w in ("estimat", "constant", "model"))


ROW_COLUMNS = ["run_id", "strategy", "variant", "keep_ratio", "seed", "setup", "test_mae",
               "backprops", "wall_s", "energy_kwh", "test_windows", "partial_last",
               "scores_unused", "estimated", "cores_shared", "test_mase", "series_mase",
               "mase_excluded", "cells", "test_windows_most", "test_windows_all"]


def run_row(run: RunLike) -> dict[str, Any]:
    """One run as an evidence row (`ROW_COLUMNS`)."""
    from importance.stopping import scores_unused_note

    s, t = run.summary, run.config.train
    strategy = str(s.get("strategy", t.strategy))
    return {"run_id": run.run_id, "strategy": strategy,
            "variant": strategy + repr(sorted(t.strategy_params.items())),
            "keep_ratio": keep_ratio(strategy, t.strategy_params), "seed": int(t.seed),
            "setup": f"{comparison_key(run.config)} on {device_key(s)}",
            "test_mae": number(s.get("test_mae")),
            "backprops": float(backprops_all(s)), "wall_s": number(s.get("wall_s")),
            "energy_kwh": number(s.get("energy_kwh")),
            "partial_last": bool(s.get("partial_last_period", False)),
            "scores_unused": scores_unused_note(s, strategy) is not None,
            "estimated": energy_estimated(s.get("energy_method")),
            "cores_shared": cores_shared(s), "test_mase": number(s.get("test_mase")),
            "series_mase": series_mase(s),
            "mase_excluded": number((s.get("mase_excluded") or {}).get("count", 0)),
            **window_counts(s)}


def device_key(summary: Mapping[str, Any]) -> str:
    """The device a run trained on, as pairing sees it: "cpu", or "cuda:<GPU name>" (runs
    stored before the device was recorded trained on the CPU)."""
    device = summary.get("device") or {}
    kind = str(device.get("kind", "cpu"))
    return "cpu" if kind == "cpu" else f"{kind}:{device.get('name', '')}"


def cores_shared(summary: Mapping[str, Any]) -> bool:
    """Whether a run shared cores with other runs: the runs measured at once on its machine
    times its threads exceeded the cores (runs stored before these fields: False)."""
    at_once, threads, cores = (number(summary.get(k))
                               for k in ("concurrent_runs", "threads", "cores"))
    return bool(np.isfinite(at_once * threads * cores) and at_once * threads > cores + 0.05)


def neural(runs: Iterable[RunLike]) -> list[RunLike]:
    return [r for r in runs if r.summary.get("kind") != "classical"
            and np.isfinite(number(r.summary.get("test_mae")))]


def rows_of(runs: Sequence[RunLike]) -> pd.DataFrame:
    return pd.DataFrame([run_row(r) for r in neural(runs)], columns=ROW_COLUMNS)


def accuracy_metric(rows: pd.DataFrame) -> str:
    """What the runs of one setup are judged on: their pooled MASE when they trained on
    several series (stored with one), else their test MAE. On one series the two give the
    same paired changes (both runs' MAE over the same scale), so one-series verdicts keep
    the MAE their figures were always stated in."""
    several = rows["cells"].fillna(1).gt(1).any() and rows["test_mase"].notna().any()
    return "test_mase" if several else "test_mae"


def pool_of(rows: pd.DataFrame) -> Pool | None:
    """What a claim over `rows` on several series stands on (None: one series)."""
    cells = rows["cells"].fillna(1)
    if not cells.gt(1).any():
        return None
    excluded = int(rows["mase_excluded"].fillna(0).max())
    return Pool(int(cells.max()) - excluded, excluded, int(rows["test_windows"].min()),
                int(rows["test_windows_most"].max()), int(rows["test_windows_all"].min()))

"""Classical models' fits stored beside the runs, so that a report of runs can compare with them.

`importance compare --classical` and the dashboard fit classical baselines on the same data and
windows as the neural runs (`importance.experiment.fit_classical`); their summaries go to::

    <runs>/.classical/<key>.json   {"data": ..., "window": ..., "models": {name: summary}}

one file per data + window configuration (`config_key`), the last fit of each model kept (the
run store skips folders whose name starts with a dot). `for_runs` reads back the fits that
every reported run's data and windows share. No streamlit, no torch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from importance.config import DataConfig, WindowConfig
from importance.runs.identity import RunInfo
from importance.runs.store import _finite, write_atomically

FOLDER = ".classical"
TMP = ".tmp-classical-"
# What a report and a verdict read of a fit (its predictions stay out: they are re-fitted)
KEPT = ("strategy", "label", "kind", "test_mae", "test_rmse", "test_smape", "test_mase",
        "mase_series", "per_series", "fit_s", "predict_s", "wall_s", "energy_kwh",
        "emissions_kg", "energy_method")


def config_key(data: DataConfig, window: WindowConfig) -> str:
    """A file name for the fits of one data + window configuration."""
    text = json.dumps({"data": asdict(data), "window": asdict(window)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _path(root: Path, data: DataConfig, window: WindowConfig) -> Path:
    return Path(root) / FOLDER / f"{config_key(data, window)}.json"


def load(root: Path, data: DataConfig, window: WindowConfig) -> dict[str, dict[str, Any]]:
    """The stored fits on `data` with `window`, by model name ({} when none or unreadable:
    a damaged file only loses the comparison, which a new fit writes again)."""
    try:
        stored = json.loads(_path(root, data, window).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    models = stored.get("models") if isinstance(stored, dict) else None
    return {k: v for k, v in models.items() if isinstance(v, dict)} if isinstance(
        models, dict) else {}


def save(root: Path, data: DataConfig, window: WindowConfig,
         summaries: Iterable[Mapping[str, Any]]) -> Path | None:
    """Store the classical `summaries` (`fit_classical`'s) fitted on `data` with `window`,
    replacing earlier fits of the same models; the file's path (None: nothing to store)."""
    fresh = {str(s["strategy"]): {k: s[k] for k in KEPT if k in s} for s in summaries}
    if not fresh:
        return None
    path = _path(root, data, window)
    path.parent.mkdir(parents=True, exist_ok=True)
    whole = {"data": asdict(data), "window": asdict(window),
             "models": {**load(root, data, window), **fresh}}
    write_atomically(path, json.dumps(_finite(whole), indent=1, allow_nan=False).encode(),
                     prefix=TMP)
    return path


def shared_config(runs: Sequence[RunInfo]) -> tuple[DataConfig, WindowConfig] | None:
    """The data + window configuration every run of `runs` has, or None when they differ."""
    configs = {(r.config.data, r.config.window) for r in runs}
    return next(iter(configs)) if len(configs) == 1 else None


def for_runs(root: Path, runs: Sequence[RunInfo]) -> dict[str, dict[str, Any]]:
    """The stored classical fits on the data and windows all `runs` share, by label, lowest
    test MAE first ({} when none is stored or the runs' data or windows differ)."""
    shared = shared_config(runs)
    if shared is None:
        return {}
    fits = [s for s in load(root, *shared).values() if s.get("test_mae") is not None]
    fits.sort(key=lambda s: float(s["test_mae"]))
    return {str(s.get("label") or s["strategy"]): s for s in fits}

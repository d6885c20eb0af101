"""Run store: one folder per run, written atomically (temp folder + rename).

Layout of `<root>/<run_id>/`::

    config.json       RunConfig.to_dict()
    summary.json      test metrics, totals, energy method, per-epoch records
    scores.npz        per-epoch scores (E, N), selections (packed bits), loss weights,
                      train window times and the final model's train errors
    predictions.csv   test forecasts in original units (origin, step, time, actual, forecast);
                      times in UTC for an aware series, wall-clock for a naive one
    model.pt          state_dict (load with weights_only=True)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from importance.config import RunConfig
from importance.timeaxis import stored

if TYPE_CHECKING:
    import torch

DEFAULT_RUNS_DIR = "runs"


def default_runs_dir() -> Path:
    """`$IMPORTANCE_RUNS_DIR` or ./runs."""
    return Path(os.environ.get("IMPORTANCE_RUNS_DIR", DEFAULT_RUNS_DIR))


@dataclass(frozen=True)
class RunArtifacts:
    """Everything a finished run writes."""

    run_id: str
    config: RunConfig
    summary: dict[str, Any]
    arrays: dict[str, np.ndarray]
    predictions: pd.DataFrame
    state_dict: dict[str, torch.Tensor]  # torch is imported lazily: listing runs stays fast


class StoredRun:
    """A run folder; large parts are read on first access."""

    def __init__(self, path: Path):
        self.path = path
        self.run_id = path.name
        self.summary: dict[str, Any] = json.loads((path / "summary.json").read_text())
        self.config = RunConfig.from_dict(json.loads((path / "config.json").read_text()))
        self._arrays: dict[str, np.ndarray] | None = None

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            with np.load(self.path / "scores.npz") as z:
                raw = {k: z[k] for k in z.files}
            n = int(raw["n_train"])
            raw["selected"] = np.unpackbits(raw["selected_bits"], axis=1)[:, :n].astype(bool)
            self._arrays = raw
        return self._arrays

    @property
    def epochs(self) -> pd.DataFrame:
        return pd.DataFrame(self.summary["epochs"])

    def predictions(self) -> pd.DataFrame:
        """Test forecasts; `origin` and `time` in UTC for an aware series, naive wall-clock
        times for a naive one (as written: `importance.timeaxis.stored`)."""
        df = pd.read_csv(self.path / "predictions.csv")
        for col in ("origin", "time"):
            df[col] = stored(pd.to_datetime(df[col], format="ISO8601"))
        return df

    def state_dict(self) -> dict[str, torch.Tensor]:
        import torch

        return torch.load(self.path / "model.pt", weights_only=True)


class RunStore:
    """Runs under one root folder, listable and loadable by id."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_runs_dir()

    def save(self, run: RunArtifacts) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / run.run_id
        if final.exists():
            raise FileExistsError(f"run {run.run_id!r} already exists in {self.root}")
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{run.run_id}-", dir=self.root))
        try:
            (tmp / "config.json").write_text(json.dumps(run.config.to_dict(), indent=1))
            (tmp / "summary.json").write_text(json.dumps(run.summary, indent=1, default=_json))
            np.savez_compressed(tmp / "scores.npz", **run.arrays)
            run.predictions.to_csv(tmp / "predictions.csv", index=False)
            import torch

            torch.save(run.state_dict, tmp / "model.pt")
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def ids(self) -> list[str]:
        """Finished run ids, oldest first (ids start with a UTC timestamp)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith(".")
                      and (p / "summary.json").is_file())

    def load(self, run_id: str) -> StoredRun:
        path = self.root / run_id
        if not (path / "summary.json").is_file():
            known = ", ".join(self.ids()[-5:]) or "none"
            raise KeyError(f"no run {run_id!r} in {self.root} (latest: {known})")
        return StoredRun(path)

    def summaries(self) -> list[dict[str, Any]]:
        """summary.json of every run, oldest first."""
        return [self.load(i).summary for i in self.ids()]


def _json(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

"""A sweep's record: `<runs>/.sweeps/<sweep id>/sweep.json`, beside the runs it made.

    {"sweep_id": "sweep-3f2a...", "created": ..., "updated": ...,
     "axes": {"strategies": [...], "keep_ratios": [...], "seeds": [...], "series": [...]},
              # a sweep over groups of cells adds "groups": {"north": ["eNB_31001", ...]}
     "base_config": {...},            # the first cell's RunConfig (the rest differ by axes)
     "cells": [{"key": "gradnorm-k0.7-s0-5060", "strategy": ..., "keep_ratio": 0.7,
                "seed": 0, "series": "5060", "status": "done", "run_id": "2026...",
                "error": "", "worker": "tcp://..."}, ...]}

The folder starts with "." so the run store does not take it for a run folder (as
`.uploads`). A cell is finished when its status is "done" and its run is still readable in
the run store; running the sweep again (same grid, same id) trains only the others, failed
and cancelled cells included. The file is replaced atomically (`write_atomically`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importance.runs.store import RunStore, UnreadableRun, _dumps, check_run_id, write_atomically
from importance.runs.tasks import DONE
from importance.sweep.grid import Axes, Cell

SWEEPS_DIR = ".sweeps"
SWEEP_FILE = "sweep.json"
PENDING = "pending"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class SweepRecord:
    """What sweep.json holds; `cells` maps each cell's key to its entry (ordered as the
    grid)."""

    sweep_id: str
    axes: dict[str, Any]
    base_config: dict[str, Any]
    cells: dict[str, dict[str, Any]]
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)

    @classmethod
    def new(cls, sweep_id: str, axes: Axes, cells: list[Cell]) -> SweepRecord:
        return cls(sweep_id, axes.to_dict(), cells[0].config.to_dict() if cells else {},
                   {c.key: {**c.labels(), "status": PENDING, "run_id": None, "error": ""}
                    for c in cells})

    def merge(self, cells: list[Cell]) -> None:
        """Add the cells this record lacks (a record written before: every key is stable)."""
        for c in cells:
            self.cells.setdefault(c.key, {**c.labels(), "status": PENDING, "run_id": None,
                                          "error": ""})

    def mark(self, key: str, status: str, *, run_id: str | None = None, error: str = "",
             worker: str = "") -> None:
        entry = self.cells[key]
        entry.update(status=status, run_id=run_id, error=error)
        if worker:
            entry["worker"] = worker
        self.updated = _now()

    def to_dict(self) -> dict[str, Any]:
        return {"sweep_id": self.sweep_id, "created": self.created, "updated": self.updated,
                "axes": self.axes, "base_config": self.base_config,
                "cells": list(self.cells.values())}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepRecord:
        try:
            return cls(d["sweep_id"], d["axes"], d.get("base_config", {}),
                       {c["key"]: dict(c) for c in d["cells"]}, d.get("created", ""),
                       d.get("updated", ""))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a sweep record ({type(exc).__name__}: {exc})") from None


class SweepStore:
    """Sweep records under a run store's root."""

    def __init__(self, runs: RunStore):
        self.runs = runs
        self.root = runs.root / SWEEPS_DIR

    def path(self, sweep_id: str) -> Path:
        return self.root / check_run_id(sweep_id) / SWEEP_FILE

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{SWEEP_FILE}"))

    def load(self, sweep_id: str) -> SweepRecord | None:
        """The record, or None when there is none; ValueError when it cannot be read."""
        path = self.path(sweep_id)
        if not path.exists():
            return None
        try:
            return SweepRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ValueError(f"sweep record {path} cannot be read ({exc}); remove it to start "
                             "the sweep afresh") from None

    def save(self, record: SweepRecord) -> Path:
        path = self.path(record.sweep_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, _dumps(record.to_dict()).encode(), prefix=".tmp-sweep-")
        return path

    def finished(self, record: SweepRecord) -> dict[str, str]:
        """Cell key -> run id of the cells done whose run is still readable."""
        out = {}
        for key, entry in record.cells.items():
            run_id = entry.get("run_id")
            if entry.get("status") != DONE or not run_id:
                continue
            try:
                self.runs.load(run_id)
            except (KeyError, UnreadableRun, ValueError):
                continue  # removed or damaged since: trained again
            out[key] = run_id
        return out

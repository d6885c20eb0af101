"""Compression results stored with their run, and stored variants loaded back.

Beside a run's files (`importance.runs.store`)::

    compress.json        the last measurement of each variant (`variants`, one entry each),
                         with the device, threads, machine load and energy method it ran with
    compress/<name>.pt   the variant's weights: plain tensors, `torch.load(weights_only=True)`

Each file is replaced in one rename (`write_atomically`), weights before the results that name
them; a new measurement of a variant replaces its entry, others are kept. The fp32 reference's
file is the run's own `model.pt`. The run store's own checks ignore these files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from importance.config import ModelConfig
from importance.models import build_model
from importance.runs.store import StoredRun, _finite, write_atomically

RESULTS = "compress.json"
FOLDER = "compress"
TMP = ".tmp-compress-"
FORMATS = ("state_dict", "int8-dynamic")  # how a variant's file is read back


def read_results(run_path: Path) -> dict[str, Any] | None:
    """The run's compress.json, or None when it has none (ValueError when it is damaged)."""
    path = run_path / RESULTS
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} cannot be read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise ValueError(f"{path} does not hold compression results (no 'variants' list)")
    return data


def write_variant(run_path: Path, name: str, data: bytes) -> str:
    """Store a variant's weights file; return its path relative to the run folder."""
    folder = run_path / FOLDER
    folder.mkdir(exist_ok=True)
    write_atomically(folder / f"{name}.pt", data, prefix=TMP)
    return f"{FOLDER}/{name}.pt"


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """`new`'s session fields, with its variants replacing `old`'s of the same name."""
    fresh = {v["name"]: v for v in new["variants"]}
    kept = [v for v in (old or {}).get("variants", []) if v["name"] not in fresh]
    return {**new, "variants": kept + list(fresh.values())}


def write_results(run_path: Path, results: dict[str, Any]) -> dict[str, Any]:
    """Merge `results` into the run's compress.json (written atomically); return the whole."""
    whole = merge(read_results(run_path), results)
    text = json.dumps(_finite(whole), indent=1, allow_nan=False)
    write_atomically(run_path / RESULTS, text.encode("utf-8"), prefix=TMP)
    return whole


def load_variant(run: StoredRun, name: str) -> nn.Module:
    """A stored variant as a model ready to call (eval mode, on the CPU, in its compute
    dtype); KeyError naming it when the run has no such stored variant."""
    from importance.compress.quantize import load_int8

    results = read_results(run.path) or {"variants": []}
    entry = next((v for v in results["variants"] if v["name"] == name and v.get("file")), None)
    if entry is None:
        stored = [v["name"] for v in results["variants"] if v.get("file")]
        raise KeyError(f"run {run.run_id!r} has no stored variant {name!r} (stored: "
                       f"{', '.join(stored) or 'none'})")
    state = torch.load(run.path / entry["file"], weights_only=True)
    shape = results["shape"]
    model = build_model(ModelConfig(**entry["model"]), n_features=shape["n_features"],
                        lookback=shape["lookback"], horizon=shape["horizon"])
    if entry["format"] == "int8-dynamic":
        return load_int8(model, state)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.to(getattr(torch, entry["compute_dtype"])).eval()

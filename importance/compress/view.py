"""Compression results in words and rows: the table, a sentence per variant, the front.

Shared by `importance compress` and the dashboard's Compress page (which only draws them).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from importance.evidence import pareto_front

MEASURED = "measured"  # lab.MEASURED (not imported: this module stays torch-free)
COLUMNS = {  # result key -> (header, how it is shown)
    "name": ("variant", "text"), "status": ("status", "text"),
    "test_mae": ("MAE", "num"), "mae_ratio": ("MAE x", "ratio"),
    "drift_max": ("drift", "num"), "size_bytes": ("KB", "kb"),
    "size_zipped_bytes": ("zipped KB", "kb"), "size_ratio": ("size x", "ratio"),
    "latency_ms_per_1000": ("ms/1k", "num"), "latency_ratio": ("time x", "ratio"),
    "energy_kwh_per_1000": ("mWh/1k", "mwh"), "energy_ratio": ("energy x", "ratio"),
    "finetune_s": ("tune s", "num"), "finetune_kwh": ("tune mWh", "mwh"),
}
NEAR = 0.05  # ratios within 5% of 1 read as "the same"


def measured(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The variants that were measured (not skipped)."""
    return [v for v in results.get("variants", []) if v.get("status") == MEASURED]


def _num(v: Any, kind: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if kind == "text":
        return str(v)
    if kind == "kb":
        return f"{v / 1024:,.1f}"
    if kind == "mwh":
        return f"{v * 1e6:.3g}"
    if kind == "ratio":
        return f"{v:.2f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:,.1f}"


def table_rows(results: dict[str, Any]) -> list[dict[str, str]]:
    """One row per variant, headers as keys, values as text ("-": not measured)."""
    rows = []
    for v in results.get("variants", []):
        skipped = v.get("status") != MEASURED
        row = {}
        for key, (header, kind) in COLUMNS.items():
            if skipped and key not in ("name", "status"):
                row[header] = ""
                continue
            value = v.get(key)
            if key in ("finetune_s", "finetune_kwh") and not v.get("finetune_epochs"):
                value = None
            row[header] = _num(value, kind)
        row["status"] = v["status"] if skipped else "ok" + (" (insisted)" if v.get("reason")
                                                           else "")
        rows.append(row)
    return rows


def _times(ratio: float, more: str, less: str, same: str) -> str:
    if abs(ratio - 1) <= NEAR:
        return same
    return f"{ratio:.1f}x {more}" if ratio > 1 else f"{1 / ratio:.1f}x {less}"


def where(v: dict[str, Any]) -> str:
    """"this CPU" or "this GPU": the device a variant's figures came from."""
    return "this GPU" if v.get("device_type") == "cuda" else "this CPU"


def sentence(v: dict[str, Any], ref_zipped: int | None = None) -> str:
    """A plain sentence: what the variant does to size, speed and accuracy, and where."""
    if v.get("status") != MEASURED:
        return f"{v['name']} ({v['label']}): {v['status']}: {v['reason']}."
    if v.get("family") == "fp32":
        return (f"On {where(v)}, the fp32 reference timed against itself came out "
                f"{_times(v['latency_ratio'], 'slower', 'faster', 'as fast (within 5%)')}: "
                "the noise of these timings.")
    size = _times(v["size_ratio"], "larger", "smaller", "the same size")
    if ref_zipped and abs(v["size_zipped_bytes"] / ref_zipped - v["size_ratio"]) > 0.1:
        size += f" ({_times(v['size_zipped_bytes'] / ref_zipped, 'larger', 'smaller', 'same')}"
        size += " zipped)"
    speed = _times(v["latency_ratio"], "slower", "faster", "as fast (within 5%)")
    mae = v["mae_ratio"]
    acc = ("the same test MAE" if abs(mae - 1) < 0.0005
           else f"test MAE {100 * (mae - 1):+.1f}%")
    text = (f"On {where(v)}, {v['name']} ({v['label']}) makes the model {size} and {speed}, "
            f"with {acc}")
    if v.get("finetune_epochs"):
        kwh = v.get("finetune_kwh")
        energy = "" if kwh is None else f" and {kwh * 1e6:.3g} mWh"
        text += (f"; its {v['finetune_epochs']}-epoch fine-tune cost {v['finetune_s']:.1f} s"
                 f"{energy} once")
    return text + "."


def front(variants: list[dict[str, Any]], x: str = "energy_kwh_per_1000",
          y: str = "test_mae") -> list[str]:
    """Names of the measured variants no other beats on both `x` and `y` (lower is better;
    `importance.evidence.pareto_front`), ordered by `x`; variants measured at the same point
    are all kept."""
    pts = [(v[x], v[y], v["name"]) for v in variants
           if v.get("status") == MEASURED and v.get(x) is not None and v.get(y) is not None]
    on = pareto_front(np.array([p[0] for p in pts], dtype=float),
                      np.array([p[1] for p in pts], dtype=float))
    # pareto_front marks one of identical points; every variant measured there is on the front
    best = {p[:2] for p, keep in zip(pts, on, strict=True) if keep}
    return [name for *xy, name in sorted(pts) if tuple(xy) in best]


def energy_words(results: dict[str, Any]) -> str:
    """How the energy figures were measured, for every table and chart."""
    method = results.get("energy_method") or "energy not measured"
    return (f"inference energy per 1,000 forecasts on {results.get('device', 'this machine')}: "
            f"{method}")

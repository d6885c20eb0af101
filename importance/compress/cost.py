"""What serving a model costs per day, from a measured variant (for the Energy page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAE_TOLERANCE = 1.05  # the cheapest variant shown beside fp32 keeps its test MAE within 5%


@dataclass(frozen=True)
class ServingCost:
    """Daily cost of `forecasts_per_day` forecasts (one window each); None: not measured."""

    forecasts_per_day: float
    seconds_per_day: float | None  # compute time at the measured latency
    kwh_per_day: float | None  # at the measured inference energy (its method: `method`)
    kg_per_day: float | None  # kwh_per_day x the grid's carbon intensity, when given
    method: str


def serving_cost(variant: dict[str, Any], forecasts_per_day: float, *,
                 grid_g_per_kwh: float | None = None, method: str = "") -> ServingCost:
    """Scale a measured variant (a `variants` entry of compress.json) to a day of forecasts.

    `grid_g_per_kwh` and `method` are the results' `energy_method_detail["grid_g_per_kwh"]`
    and `energy_method`: how the energy was measured, shown next to the figure.

    >>> v = {"latency_ms_per_1000": 40.0, "energy_kwh_per_1000": 2e-7}
    >>> c = serving_cost(v, 1_000_000, grid_g_per_kwh=300)
    >>> round(c.seconds_per_day, 3), round(c.kwh_per_day, 6), round(c.kg_per_day, 8)
    (40.0, 0.0002, 6e-05)
    """
    if not forecasts_per_day >= 0:
        raise ValueError(f"forecasts per day must be >= 0, got {forecasts_per_day!r}")
    thousands = forecasts_per_day / 1000
    ms, kwh = variant.get("latency_ms_per_1000"), variant.get("energy_kwh_per_1000")
    seconds = None if ms is None else ms / 1000 * thousands
    energy = None if kwh is None else kwh * thousands
    kg = None if energy is None or grid_g_per_kwh is None else energy * grid_g_per_kwh / 1000
    return ServingCost(forecasts_per_day, seconds, energy, kg, method)


def serving_rows(runs: Sequence[tuple[str, float | None, dict[str, Any]]],
                 forecasts_per_day: float) -> list[dict[str, Any]]:
    """Training beside serving, per run: (name, training kWh with scoring, compress.json)
    -> rows for the uncompressed model and for the measured variant of least inference energy
    whose test MAE stays within `MAE_TOLERANCE` of it: the daily serving time, energy and
    emissions at `forecasts_per_day`, and the days of serving that cost as much energy as
    the training did (None where something was not measured)."""
    rows = []
    for name, train_kwh, results in runs:
        measured = [v for v in results.get("variants", [])
                    if v.get("status") == "measured" and v.get("energy_kwh_per_1000")]
        ref = next((v for v in measured if v.get("name") == "fp32"), None)
        within = [v for v in measured if v.get("name") != "fp32"
                  and (v.get("mae_ratio") or float("inf")) <= MAE_TOLERANCE]
        best = min(within, key=lambda v: v["energy_kwh_per_1000"], default=None)
        grid = (results.get("energy_method_detail") or {}).get("grid_g_per_kwh")
        for v in (ref, best):
            if v is None:
                continue
            c = serving_cost(v, forecasts_per_day, grid_g_per_kwh=grid,
                             method=results.get("energy_method", ""))
            days = (train_kwh / c.kwh_per_day if train_kwh and c.kwh_per_day else None)
            rows.append({"run": name, "variant": v.get("label") or v.get("name"),
                         "mae_ratio": v.get("mae_ratio"), "device": results.get("device", ""),
                         "seconds_per_day": c.seconds_per_day, "kwh_per_day": c.kwh_per_day,
                         "kg_per_day": c.kg_per_day, "train_kwh": train_kwh,
                         "days_to_training_energy": days})
    return rows

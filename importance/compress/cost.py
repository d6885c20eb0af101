"""What serving a model costs per day, from a measured variant (for the Energy page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

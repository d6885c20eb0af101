"""Energy and carbon per phase with CodeCarbon, offline, and how each figure was obtained.

One `OfflineEmissionsTracker` per country is created lazily and reused for the whole
process (the first start costs seconds, later ones milliseconds). Two trackers running
at once would each count the whole machine, so callers measure one phase at a time.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")

log = logging.getLogger(__name__)
_lock = threading.Lock()  # one phase measured at a time in the whole process
_trackers: dict[str, object] = {}


@dataclass(frozen=True)
class EnergyMethod:
    """How energy and carbon were obtained, in words and in numbers."""

    summary: str  # plain words for the dashboard, e.g. "estimated from CPU load ..."
    cpu: str  # "RAPL counters" | "estimated from CPU load" | "CPU TDP constant" | "unavailable"
    cpu_model: str
    ram_watts: float  # CodeCarbon's RAM power model (constant per GB)
    grid_g_per_kwh: float  # carbon intensity used
    country: str
    tool: str  # e.g. "CodeCarbon 3.3.2 OfflineEmissionsTracker"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PhaseEnergy:
    """Filled when the measured block exits; energy and emissions are None when the reading
    failed (CodeCarbon unavailable, raised, or returned nothing): not measured, never 0."""

    seconds: float = 0.0
    energy_kwh: float | None = 0.0
    cpu_kwh: float | None = 0.0
    ram_kwh: float | None = 0.0
    emissions_kg: float | None = 0.0

    def unmeasured(self) -> None:
        self.energy_kwh = self.cpu_kwh = self.ram_kwh = self.emissions_kg = None


def total(values: Iterable[float | None]) -> float | None:
    """Sum of energy readings; None when any is unmeasured (None or not finite).

    >>> total([1.0, 2.0]), total([1.0, None])
    (3.0, None)
    """
    vals = list(values)
    if any(v is None or not math.isfinite(v) for v in vals):
        return None
    return float(sum(vals))


def _tracker(country: str):
    with _lock:
        if country not in _trackers:
            logging.getLogger("codecarbon").setLevel(logging.ERROR)
            from codecarbon import OfflineEmissionsTracker

            _trackers[country] = OfflineEmissionsTracker(
                country_iso_code=country, output_methods=[], log_level="error",
                measure_power_secs=1, tracking_mode="process", allow_multiple_runs=True,
            )
        return _trackers[country]


def _cpu_words(tracker) -> str:
    modes = [getattr(h, "_mode", "") for h in getattr(tracker, "_hardware", [])
             if type(h).__name__ == "CPU"]
    mode = modes[0] if modes else ""
    if mode == "intel_rapl":
        return "RAPL counters"
    if mode == "cpu_load":
        return "estimated from CPU load"
    return "CPU TDP constant" if mode else "unknown"


class EnergyMeter:
    """Measures phases (`with meter.phase("training") as e:`) for one country's grid."""

    def __init__(self, country: str = "ITA"):
        if not (isinstance(country, str) and len(country) == 3 and country.isalpha()):
            raise ValueError(f"country must be an ISO 3166 alpha-3 code like 'ITA', "
                             f"got {country!r}")
        self.country = country.upper()
        self._tracker = None
        self._error: str | None = None
        self.method: EnergyMethod | None = None
        try:
            self._tracker = _tracker(self.country)
        except Exception as exc:  # CodeCarbon missing or broken: keep timing, say so
            self._error = f"{type(exc).__name__}: {exc}"

    @contextmanager
    def phase(self, name: str) -> Iterator[PhaseEnergy]:
        out = PhaseEnergy()
        t0 = time.perf_counter()
        if self._tracker is None:
            yield out
            out.seconds = time.perf_counter() - t0
            out.unmeasured()
            self._note_unavailable()
            return
        with _lock:
            data, started = None, False
            try:
                self._tracker.start_task(name)
                started = True
            except Exception:  # a failed reading is not measured, never 0 kWh
                log.warning("energy of phase %r not measured", name, exc_info=True)
            t0 = time.perf_counter()
            try:
                yield out
            finally:
                out.seconds = time.perf_counter() - t0
                if started:
                    data = self._read(name)
                if data is None:
                    out.unmeasured()
                else:
                    out.energy_kwh = float(data.energy_consumed)
                    out.cpu_kwh = float(data.cpu_energy)
                    out.ram_kwh = float(data.ram_energy)
                    out.emissions_kg = float(data.emissions)
                    self._note(data)

    def _read(self, name: str):
        """The tracker's reading of task `name`, or None when it failed or is not finite."""
        try:
            data = self._tracker.stop_task(name)
        except Exception:
            log.warning("energy of phase %r not measured", name, exc_info=True)
            return None
        ok = data is not None and all(
            math.isfinite(float(getattr(data, k))) for k in ("energy_consumed", "emissions"))
        return data if ok else None

    def _note(self, data) -> None:
        if self.method is not None:
            return
        grid = data.emissions / data.energy_consumed * 1000 if data.energy_consumed else 0.0
        cpu = _cpu_words(self._tracker)
        ram_w = float(data.ram_power)
        hw = "hardware energy counters" if cpu == "RAPL counters" else (
            "no hardware energy counters on this machine")
        self.method = EnergyMethod(
            summary=(f"CPU energy {cpu} ({hw}); RAM energy from a constant {ram_w:g} W model; "
                     f"carbon = energy x {grid:.0f} gCO2e/kWh ({data.country_name} grid average)"),
            cpu=cpu, cpu_model=str(data.cpu_model), ram_watts=ram_w, grid_g_per_kwh=grid,
            country=self.country, tool=f"CodeCarbon {data.codecarbon_version} "
                                       "OfflineEmissionsTracker (offline, tracking_mode=process)",
        )

    def _note_unavailable(self) -> None:
        if self.method is None:
            self.method = EnergyMethod(
                summary=f"energy not measured (CodeCarbon unavailable: {self._error}); "
                        "only time and sample counts are reported",
                cpu="unavailable", cpu_model="", ram_watts=0.0, grid_g_per_kwh=0.0,
                country=self.country, tool="none")

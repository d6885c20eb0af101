"""Energy and carbon per phase with CodeCarbon, offline, and how each figure was obtained.

One `OfflineEmissionsTracker` per country is created lazily and reused for the whole
process (the first start costs seconds, later ones milliseconds); a process measures one
phase at a time.

Runs at once (the job lanes, a sweep's workers). The tracker runs in `tracking_mode=process`:
where the CPU has no energy counters its CPU energy is this process's CPU time share of the
TDP, which two processes do not double-count; its RAM power, though, is a constant of at
least two DIMMs (10 W on x86) per process, and RAPL or GPU readings count the whole machine.
So each measured phase registers its wall-clock interval in a folder shared by the processes
of this machine (`$IMPORTANCE_METER_DIR`, default `<tmp>/importance-meter-<uid>`), and on exit
divides the machine-wide parts of its reading (RAM, and CPU unless it is the process's own
load estimate, GPU) by the mean number of phases measured at once over its interval
(`PhaseEnergy.shared`, itself included): two runs side by side are billed the RAM constant
once between them, not twice.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")

log = logging.getLogger(__name__)
_lock = threading.Lock()  # one phase measured at a time in the whole process
_trackers: dict[str, object] = {}
SHARE_DIR_ENV = "IMPORTANCE_METER_DIR"
STALE_S = 3600.0  # finished phases older than this are forgotten


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
    grid_source: str = ""  # how the grid's country was chosen (importance.grid)
    gpu: str = ""  # "" without a GPU; else how its energy was read, e.g. "NVML counters of ..."

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
    gpu_kwh: float | None = 0.0  # the GPU in use (NVML); 0 without one
    shared: float = 1.0  # mean phases measured at once on this machine (this one included)

    def unmeasured(self) -> None:
        self.energy_kwh = self.cpu_kwh = self.ram_kwh = self.emissions_kg = None
        self.gpu_kwh = None


def total(values: Iterable[float | None]) -> float | None:
    """Sum of energy readings; None when any is unmeasured (None or not finite).

    >>> total([1.0, 2.0]), total([1.0, None])
    (3.0, None)
    """
    vals = list(values)
    if any(v is None or not math.isfinite(v) for v in vals):
        return None
    return float(sum(vals))


def settle() -> None:
    """Wait for the work queued on the GPU in use (a no-op on the CPU, and without torch), so
    a clock read next times the work, not its launch: CUDA kernels run asynchronously."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def _gpu_ids() -> list[int] | None:
    """The GPU this process trains on, for CodeCarbon (None: no GPU in use)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    from importance.device import pick_device

    device = pick_device()
    if device.type != "cuda":
        return None
    return [device.index if device.index is not None else torch.cuda.current_device()]


def share_dir() -> Path:
    """The folder where this machine's measured phases register their intervals."""
    given = os.environ.get(SHARE_DIR_ENV)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(given) if given else Path(tempfile.gettempdir()) / f"importance-meter-{uid}"


def _write(path: Path, doc: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class PhaseShare:
    """One measured phase's entry in `share_dir()`: `open()` at its start, `close()` at its end
    returns the mean number of phases measured at once over its interval (1.0: alone, or the
    folder unusable)."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or share_dir()
        self.path = self.folder / f"{os.getpid()}-{uuid.uuid4().hex[:12]}.json"
        self.start = time.time()
        self.ok = True

    def open(self) -> PhaseShare:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(self.path, {"pid": os.getpid(), "start": self.start, "end": None})
        except OSError as exc:
            log.warning("phases measured at once not counted (%s): %s", self.folder, exc)
            self.ok = False
        return self

    def close(self) -> float:
        """End this phase: its mean phases at once, then forget every finished entry no
        running phase overlapped (this one's too when none is running)."""
        end = time.time()
        if not self.ok:
            return 1.0
        try:
            _write(self.path, {"pid": os.getpid(), "start": self.start, "end": end})
            others = self._others(end)
        except OSError as exc:
            log.warning("phases measured at once not counted (%s): %s", self.folder, exc)
            return 1.0
        running = [s for s, e, _ in others if e is None]
        needed_from = min(running, default=end)  # a finished entry before this concerns no one
        for _, e, path in [*others, (self.start, end, self.path)]:
            if e is not None and e <= needed_from:
                path.unlink(missing_ok=True)
        span = end - self.start
        if span <= 0:
            return 1.0
        overlap = sum(max(0.0, min(end, end if e is None else e) - max(self.start, s))
                      for s, e, _ in others)
        return 1.0 + overlap / span

    def _others(self, now: float) -> list[tuple[float, float | None, Path]]:
        """Every other phase's (start, end or None while it runs, entry); forgets the entries
        of processes that died mid-phase and of phases older than `STALE_S`."""
        spans = []
        for path in self.folder.glob("*.json"):
            if path == self.path:
                continue
            try:
                doc = json.loads(path.read_text())
                start, end, pid = float(doc["start"]), doc["end"], int(doc["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being written, or removed meanwhile
            if (end is None and not _alive(pid)) or (end is not None
                                                     and float(end) < now - STALE_S):
                path.unlink(missing_ok=True)
                continue
            spans.append((start, None if end is None else float(end), path))
        return spans


def apportion(out: PhaseEnergy, shared: float, own_cpu: bool) -> None:
    """Divide `out`'s machine-wide parts by `shared` phases at once: RAM, GPU, and the CPU
    unless `own_cpu` (the process's own CPU-load estimate). Emissions follow the energy."""
    out.shared = shared
    if shared <= 1.0 or out.energy_kwh is None:
        return
    energy, cpu, ram = out.energy_kwh, out.cpu_kwh or 0.0, out.ram_kwh or 0.0
    own = cpu if own_cpu else 0.0
    new = own + (energy - own) / shared
    if out.emissions_kg is not None and energy > 0:
        out.emissions_kg *= new / energy
    out.energy_kwh = new
    out.ram_kwh = ram / shared
    if out.gpu_kwh:
        out.gpu_kwh /= shared
    if not own_cpu and out.cpu_kwh is not None:
        out.cpu_kwh = cpu / shared


def _tracker(country: str):
    with _lock:
        if country not in _trackers:
            logging.getLogger("codecarbon").setLevel(logging.ERROR)
            from codecarbon import OfflineEmissionsTracker

            gpus = _gpu_ids()  # NVML meters only the GPU this process trains on
            _trackers[country] = OfflineEmissionsTracker(
                country_iso_code=country, output_methods=[], log_level="error",
                measure_power_secs=1, tracking_mode="process", allow_multiple_runs=True,
                **({"gpu_ids": gpus} if gpus else {}),
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
    """Measures phases (`with meter.phase("training") as e:`) for one country's grid;
    `grid_source` says how that country was chosen (`importance.grid`)."""

    def __init__(self, country: str = "ITA", grid_source: str = ""):
        if not (isinstance(country, str) and len(country) == 3 and country.isalpha()):
            raise ValueError(f"country must be an ISO 3166 alpha-3 code like 'ITA', "
                             f"got {country!r}")
        self.country = country.upper()
        self.grid_source = grid_source
        self._tracker = None
        self._error: str | None = None
        self.method: EnergyMethod | None = None
        self._seconds = self._shared_s = 0.0
        self._gpu_kwh: float | None = 0.0
        try:
            self._tracker = _tracker(self.country)
        except Exception as exc:  # CodeCarbon missing or broken: keep timing, say so
            self._error = f"{type(exc).__name__}: {exc}"

    @contextmanager
    def phase(self, name: str) -> Iterator[PhaseEnergy]:
        out = PhaseEnergy()
        t0 = time.perf_counter()
        if self._tracker is None:
            share = PhaseShare().open()
            yield out
            out.seconds = time.perf_counter() - t0
            out.unmeasured()
            out.shared = share.close()
            self._account(out)
            self._note_unavailable()
            return
        with _lock:
            data, started = None, False
            try:
                self._tracker.start_task(name)
                started = True
            except Exception:  # a failed reading is not measured, never 0 kWh
                log.warning("energy of phase %r not measured", name, exc_info=True)
            settle()  # the work before this phase is not this phase's
            t0 = time.perf_counter()
            share = PhaseShare().open()
            try:
                yield out
            finally:
                settle()  # ... and this phase's queued work is
                out.seconds = time.perf_counter() - t0
                if started:
                    data = self._read(name)
                out.shared = share.close()
                if data is None:
                    out.unmeasured()
                else:
                    out.energy_kwh = float(data.energy_consumed)
                    out.cpu_kwh = float(data.cpu_energy)
                    out.ram_kwh = float(data.ram_energy)
                    out.gpu_kwh = float(data.gpu_energy)
                    out.emissions_kg = float(data.emissions)
                    self._note(data)
                    apportion(out, out.shared,
                              own_cpu=self.method.cpu == "estimated from CPU load")
                self._account(out)

    @property
    def shared(self) -> float:
        """Mean phases measured at once on this machine over this meter's phases, weighted by
        their seconds (1.0: every phase ran alone)."""
        return self._shared_s / self._seconds if self._seconds > 0 else 1.0

    @property
    def gpu_kwh(self) -> float | None:
        """GPU energy over this meter's phases (0.0 without a GPU; None: a reading failed)."""
        return self._gpu_kwh

    def _account(self, out: PhaseEnergy) -> None:
        self._seconds += out.seconds
        self._shared_s += out.seconds * out.shared
        self._gpu_kwh = total((self._gpu_kwh, out.gpu_kwh))

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
        gpu = (f"NVML energy counters of {data.gpu_model} (the GPU in use only)"
               if _gpu_ids() and float(data.gpu_count or 0) > 0 else "")
        self.method = EnergyMethod(
            summary=(f"CPU energy {cpu} ({hw}); RAM energy from a constant {ram_w:g} W model "
                     "(shared among runs measured at once); "
                     + (f"GPU energy from {gpu}; " if gpu else "")
                     + f"carbon = energy x {grid:.0f} gCO2e/kWh ({data.country_name} grid "
                       "average" + (f"; {self.grid_source}" if self.grid_source else "") + ")"),
            cpu=cpu, cpu_model=str(data.cpu_model), ram_watts=ram_w, grid_g_per_kwh=grid, gpu=gpu,
            country=self.country, tool=f"CodeCarbon {data.codecarbon_version} "
                                       "OfflineEmissionsTracker (offline, tracking_mode=process)",
            grid_source=self.grid_source)

    def _note_unavailable(self) -> None:
        if self.method is None:
            self.method = EnergyMethod(
                summary=f"energy not measured (CodeCarbon unavailable: {self._error}); "
                        "only time and sample counts are reported",
                cpu="unavailable", cpu_model="", ram_watts=0.0, grid_g_per_kwh=0.0,
                country=self.country, tool="none", grid_source=self.grid_source)

"""What a variant costs to serve: forecasts, paired latency, inference energy, file size.

Latency is the median of paired, alternating measurements against the reference in the same
process (ref, variant, then variant, ref, ...: drifts in the machine's load hit both), each
one pass over the same windows; the fp32 rebuild measured this way shows the noise (its
ratio should be ~1). Energy comes from the project's one meter (`importance.energy`), in
phases of repeated passes lasting `min_seconds` each, paired the same way (reference, variant,
variant, reference); without RAPL counters it is an estimate from CPU load plus a RAM
constant, so its ratio follows the time ratio.
"""

from __future__ import annotations

import io
import math
import statistics
import time
import zlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from importance.energy import EnergyMeter

BATCH = 1024  # windows per forward, as the trainer's evaluation (training.EVAL_BATCH)


@dataclass
class Runner:
    """A model ready to serve: on its device, computing in `dtype` (inputs cast to it)."""

    model: nn.Module
    device: torch.device
    dtype: torch.dtype = torch.float32

    def placed(self, x: np.ndarray) -> list[torch.Tensor]:
        """Windows (N, T, F) as batches on the device, in the compute dtype."""
        t = torch.from_numpy(x)
        return [t[i:i + BATCH].to(self.device, self.dtype) for i in range(0, len(t), BATCH)]

    def run(self, batches: list[torch.Tensor]) -> list[torch.Tensor]:
        self.model.eval()
        with torch.no_grad():
            out = [self.model(b) for b in batches]
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return out

    def forecasts(self, x: np.ndarray) -> np.ndarray:
        """Scaled forecasts (N, horizon) as float32 on the CPU."""
        out = self.run(self.placed(x))
        return torch.cat(out).float().cpu().numpy() if out else np.empty((0, 1), np.float32)


@dataclass(frozen=True)
class Latency:
    """Medians over `rounds` pairs: each model's ms per 1,000 windows and the paired ratio."""

    ref_ms_per_1000: float
    ms_per_1000: float
    ratio: float  # median of variant / reference over the pairs
    rounds: int


def _timed(runner: Runner, batches: list[torch.Tensor]) -> float:
    t0 = time.perf_counter()
    runner.run(batches)
    return time.perf_counter() - t0


def paired_latency(ref: Runner, variant: Runner, x: np.ndarray, rounds: int = 7) -> Latency:
    """Alternate passes of `ref` and `variant` over windows `x` (after one warm-up each)."""
    if rounds < 1 or not len(x):
        raise ValueError(f"need rounds >= 1 and some windows, got rounds={rounds}, "
                         f"{len(x)} windows")
    a, b = ref.placed(x), variant.placed(x)
    _timed(ref, a), _timed(variant, b)  # warm-up: first calls build kernels and caches
    t_ref, t_var = [], []
    for i in range(rounds):
        if i % 2 == 0:
            t_ref.append(_timed(ref, a))
            t_var.append(_timed(variant, b))
        else:
            t_var.append(_timed(variant, b))
            t_ref.append(_timed(ref, a))
    per_1000 = 1000 * 1000 / len(x)  # seconds per pass -> ms per 1,000 windows
    return Latency(statistics.median(t_ref) * per_1000, statistics.median(t_var) * per_1000,
                   statistics.median(v / r for v, r in zip(t_var, t_ref, strict=True)),
                   rounds)


@dataclass(frozen=True)
class InferenceEnergy:
    """Energy per 1,000 windows of the variant and of the reference, from phases run in the
    order reference, variant, variant, reference (None: a reading failed, not 0)."""

    kwh_per_1000: float | None
    ref_kwh_per_1000: float | None
    seconds: float  # the variant's two phases
    windows: int  # the variant's windows over its two phases


def _phase(meter: EnergyMeter, runner: Runner, batches: list[torch.Tensor], passes: int
           ) -> tuple[float | None, float]:
    with meter.phase("inference") as e:
        for _ in range(passes):
            runner.run(batches)
    return e.energy_kwh, e.seconds


def paired_energy(meter: EnergyMeter, ref: Runner, variant: Runner, x: np.ndarray,
                  latency: Latency, min_seconds: float = 2.0) -> InferenceEnergy:
    """Meter phases of repeated passes over `x`, each lasting about `min_seconds`, in the order
    ref, variant, variant, ref (so a drift in the machine's load hits both)."""
    runs = {}
    for name, runner, per_pass in (("ref", ref, latency.ref_ms_per_1000),
                                   ("var", variant, latency.ms_per_1000)):
        seconds = per_pass * len(x) / 1e6
        runs[name] = (runner, runner.placed(x), max(1, math.ceil(min_seconds / max(seconds,
                                                                                   1e-6))))
    kwh: dict[str, list[float | None]] = {"ref": [], "var": []}
    secs = 0.0
    for name in ("ref", "var", "var", "ref"):
        runner, batches, passes = runs[name]
        energy, seconds = _phase(meter, runner, batches, passes)
        kwh[name].append(energy)
        secs += seconds if name == "var" else 0.0

    def per_1000(name: str) -> float | None:
        readings = kwh[name]
        if any(e is None for e in readings):
            return None
        return sum(readings) / (2 * runs[name][2] * len(x)) * 1000

    return InferenceEnergy(per_1000("var"), per_1000("ref"), secs, 2 * runs["var"][2] * len(x))


def serialized(state: dict[str, torch.Tensor]) -> bytes:
    """The bytes `torch.save` writes for `state` (the variant's file, exactly)."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def zipped_size(data: bytes) -> int:
    """Bytes of `data` compressed with zlib at level 9 (a zip/gzip of the file, minus headers)."""
    return len(zlib.compress(data, 9))

"""Which device trains and serves: a CUDA GPU when one is present, else the CPU.

`IMPORTANCE_DEVICE=cpu` (or `cuda`, `cuda:1`) overrides the choice. Energy on a GPU comes
from CodeCarbon's NVML reading of it (`importance.energy`); on a CPU without RAPL counters
it is an estimate from CPU load.
"""

from __future__ import annotations

import os
import platform
from functools import cache

import torch

DEVICE_ENV = "IMPORTANCE_DEVICE"
CPUINFO = "/proc/cpuinfo"


def pick_device() -> torch.device:
    """`$IMPORTANCE_DEVICE` when set, else the first CUDA device when present, else the CPU."""
    given = os.environ.get(DEVICE_ENV, "").strip()
    if given:
        try:
            device = torch.device(given)
        except RuntimeError:
            raise ValueError(f"${DEVICE_ENV}={given!r} is not a device (e.g. cpu, cuda, "
                             "cuda:1)") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"${DEVICE_ENV}={given!r} but no CUDA device is present")
        return device
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


@cache
def cpu_flags(path: str = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@cache
def cpu_model(path: str = CPUINFO) -> str:
    """The CPU's model name (platform's words where /proc/cpuinfo has none)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(device: torch.device) -> str:
    """The device in words, e.g. "CPU (Intel Xeon, AVX512)" or "cuda:0 (NVIDIA A100)"."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return f"CPU ({cpu_model()}, {torch.backends.cpu.get_cpu_capability()})"

"""How a training process uses this machine's cores and memory allocator.

Threads. torch runs one intra-op thread per core and its OpenMP threads spin while they wait.
On a quiet machine that is fine, but as soon as another process wants a core the spinning
threads and the other process take turns and an epoch collapses. Measured here (2 cores,
glibc malloc tuned as below; `python -m benchmarks.bench_contention --epochs 4`, median epoch
of the default comparison's model, against the same policy's quiet epoch; 2026-12-06):

    policy                        quiet    1 busy process    2 busy processes
    torch default (2, spinning)   0.75 s   12.94 s (17.3x)   1.84 s (2.5x)
    1 thread                      0.58 s    0.66 s (1.1x)    1.06 s (1.8x)
    2 threads, passive waiting    5.19 s    0.95 s (0.2x)    1.14 s (0.2x)
    adaptive (this module)        0.68 s    0.58 s (0.9x)    1.08 s (1.6x)

Passive waiting is 7x slower on a quiet machine, and a fixed single thread leaves a free core
unused where a second thread helps: a 2-epoch `gradnorm` run with `--hidden 128 --scoring
exact` took 12.8-13.1 s adaptive against 14.8-14.9 s on one thread (the default comparison,
4 epochs: 12.3 s both ways). `ThreadGovernor` therefore decides per moment: between batches,
every `INTERVAL_S`, it reads how much CPU the *other* processes used (from /proc/stat, minus
this process's own time) and trains on every core while they use less than `DOWN_AT` of one
core, on `cores - busy` threads (at least one) once they use more, and on every core again
below `UP_AT`.

Allocator. glibc's malloc returns large freed blocks to the system and maps each new one
afresh, which cost ~45% of an LSTM step in page faults (`benchmarks/bench_allocator.py`).
`configure` sets glibc's mallopt at run time (no mmap per block, no trimming), so this needs
no wrapper script; a preloaded tcmalloc (scripts/env.sh) is left alone.

`configure()` is called by every entry that trains: the `importance` command, job worker
processes, and the benchmarks. `IMPORTANCE_RUNTIME=off` leaves torch and malloc as they are;
`IMPORTANCE_THREADS=N` fixes the thread count.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import time
from dataclasses import dataclass

OFF = "IMPORTANCE_RUNTIME"
THREADS = "IMPORTANCE_THREADS"
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc mallopt parameters (malloc.h)
TRIM_THRESHOLD = 2**31 - 1  # keep freed memory instead of returning it to the system
INTERVAL_S = 0.5  # how often the governor looks at the other processes' CPU use
DOWN_AT = 0.4  # cores used by other processes above which a thread is given up
UP_AT = 0.25  # ... and below which every core is used again
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Runtime:
    """What `configure` applied, for logs and run summaries."""

    threads: str  # "adaptive (1-2)" or a fixed count
    allocator: str


_applied: Runtime | None = None
_governor: ThreadGovernor | None = None


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA GPU (its driver's control device), without
    importing torch."""
    return os.path.exists("/dev/nvidiactl")


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _allocator() -> str:
    """tcmalloc when preloaded; otherwise glibc tuned at run time to keep freed memory."""
    if "tcmalloc" in os.environ.get("LD_PRELOAD", ""):
        return "tcmalloc (preloaded)"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(M_MMAP_MAX, 0) and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    except (OSError, AttributeError):
        return "system malloc (not glibc: left as it is)"
    return "glibc malloc, tuned (no mmap per block, no trimming)" if ok else "glibc malloc"


def fixed_threads() -> int | None:
    """`$IMPORTANCE_THREADS` when set, else None (the governor decides)."""
    given = os.environ.get(THREADS, "").strip()
    return max(1, int(given)) if given else None


def configure() -> Runtime:
    """Apply the allocator settings and the starting thread count, once per process."""
    global _applied, _governor
    if _applied is not None:
        return _applied
    import torch

    if os.environ.get(OFF) == "off":
        _applied = Runtime(f"torch default ({torch.get_num_threads()})", "unchanged")
        return _applied
    fixed = fixed_threads()
    torch.set_num_threads(fixed or cores())
    threads = str(fixed) if fixed else f"adaptive (1-{cores()})"
    _applied = Runtime(threads, _allocator())
    if fixed is None:
        _governor = ThreadGovernor(torch.set_num_threads)
    return _applied


def max_threads() -> int:
    """The most torch threads a run of this process trains on: the fixed count, else every
    core (the governor gives some up while other processes want them)."""
    return fixed_threads() or cores()


def tick() -> int | None:
    """Between batches: let this process's governor adjust the thread count (a no-op unless
    `configure` installed one); return the count it uses, or None."""
    return _governor.tick() if _governor is not None else None


def read_busy_seconds(path: str = "/proc/stat") -> float | None:
    """CPU seconds all cores spent busy since boot (None where /proc/stat is missing)."""
    try:
        with open(path) as f:
            fields = f.readline().split()
    except OSError:
        return None
    ticks = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def own_seconds() -> float:
    """CPU seconds this process (all its threads) has used."""
    t = os.times()
    return t.user + t.system


class ThreadGovernor:
    """Gives up intra-op threads while other processes want the cores (module docstring).

    Call `tick()` between batches; it is a clock read except every INTERVAL_S.
    """

    def __init__(self, set_threads=None, *, busy=read_busy_seconds, own=own_seconds,
                 clock=time.perf_counter, n_cores: int | None = None):
        if set_threads is None:
            import torch

            set_threads = torch.set_num_threads
        self._set, self._busy, self._own, self._clock = set_threads, busy, own, clock
        self.cores = n_cores or cores()
        self.enabled = (os.environ.get(OFF) != "off" and fixed_threads() is None
                        and self.cores > 1 and busy() is not None)
        self.threads = self.cores
        self._mark = (clock(), busy() or 0.0, own())

    def others(self) -> float:
        """Cores used by other processes since the last look (and start a new interval)."""
        now, busy, own = self._clock(), self._busy() or 0.0, self._own()
        t0, b0, o0 = self._mark
        self._mark = (now, busy, own)
        return max(0.0, ((busy - b0) - (own - o0)) / max(now - t0, 1e-9))

    def tick(self) -> int:
        """Adjust the thread count if INTERVAL_S has passed; return the count in use."""
        if not self.enabled or self._clock() - self._mark[0] < INTERVAL_S:
            return self.threads
        others = self.others()
        want = self.threads
        if others > DOWN_AT:
            want = max(1, self.cores - math.ceil(others - DOWN_AT))
        elif others < UP_AT:
            want = self.cores
        if want != self.threads:
            self._set(want)
            self.threads = want
        return self.threads

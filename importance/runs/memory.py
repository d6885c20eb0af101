"""Memory guard: estimate a run's peak memory before it is queued, refuse what would not fit.

A job's process holds, at its peak (bytes; float32 = 4 bytes; B = batch, T = lookback,
F = input features (the value + calendar sin/cos + holiday flag), H = hidden, K = a layer's
input width (F for the first layer, H above), N = windows)::

    windows      (N_train + N_val + N_test) x T x F x 4     inputs of the three splits
                 + max split N x T x 8                      make_windows' int64 gather index
                 + N_train x T x F x 4                      scoring copy (strategies that score)
                 + (N_train + N_val + N_test) x T x F x 4   several series: each one's windows
                                                            while make_panel concatenates them
    activations  max of the three passes below (they do not overlap)
      training   autograd nn.LSTM/GRU:  B x T x layers x (16 H + 64) x 4   (measured, see below)
                 exact-norm step:       B x T x sum over layers (K + H + 1 + 4H + 2H + H) x 4
                                        (the tapes of importance.scoring.recurrent: `a`
                                        (T+1, B, K+H+1), `dz` (T, B, 4H), `carry` (T, B, 2H),
                                        plus the gradient passed down (T, B, H)), + the Gram
                                        matrices 5 x B x T x T x 4 when norms.use_gram picks
                                        them (short lookbacks only), + 2 x 8 MB workspace
      scoring    the exact-norm tapes at score_windows' batch (512)
      evaluation forward without grad at EVAL_BATCH (1024): B x T x layers x (H + 1) x 4
    model        parameters x 4 x 5 (weights, gradients, two Adam moments, best-epoch copy)
    results      epochs x N_train x 9 (scores, weights float32, selection bool)
    process      PROCESS_OVERHEAD (Python + torch + pandas + CodeCarbon, measured ~420 MB)

The autograd constant was measured here (`resource.getrusage` peak of one forward+backward in
a fresh process): 16.5 floats per hidden unit and step at H = 8..128 for an LSTM, 14 for a
GRU, fewer for the layers above the first, so 16 H + 64 per layer is an upper estimate within
~1.4x. The exact-norm formula is the tapes' real shapes; it matched the measured peak within
3% at H = 32..128 and 1..3 layers. `tests/faults/test_memory_guard.py` compares the whole
estimate with the peak RSS of a job's process.

A run is refused when its estimate exceeds SAFE_FRACTION (50%) of the memory available now
(MemAvailable, or the cgroup's limit minus its usage when that is lower): the dashboard, the
browser and other processes keep the rest, and a wrong estimate by 2x still fits.

Several series trained as one model (`importance.data.panel`) count the windows of all of
them: `points` is then the sequence of their lengths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from importance.config import LINEAR_KINDS, RunConfig, WindowConfig
from importance.data.steps import split_lengths

SAFE_FRACTION = 0.5
PROCESS_OVERHEAD = 512 * 2**20
FLOAT = 4
AUTOGRAD_FLOATS_PER_UNIT = 16  # per hidden unit, step and layer (nn.LSTM/GRU on CPU)
AUTOGRAD_FLOATS_PER_STEP = 64
SCORING_BATCH = 512  # importance.scoring.score_windows' default batch
EVAL_BATCH = 1024  # importance.training.EVAL_BATCH
MATERIALISE_BYTES = 2 * 8 * 2**20  # importance.scoring.norms' chunked workspace
SCORE_FREE = ("full", "random", "rs2", "infobatch")  # never score windows separately
MAX_BATCH = 8192  # the form's hard limits
MAX_LOOKBACK = 4032


class MemoryGuardError(ValueError):
    """A run whose estimated peak memory exceeds the safe limit (the message says both)."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak bytes of one run's process, by part."""

    windows: int
    activations: int
    model: int
    results: int
    overhead: int
    activation_pass: str  # which pass peaks: "training (autograd)", "training (exact norms)", ...

    @property
    def total(self) -> int:
        return self.windows + self.activations + self.model + self.results + self.overhead

    def words(self) -> str:
        return (f"windows {gb(self.windows)}, {self.activation_pass} {gb(self.activations)}, "
                f"model {gb(self.model)}, results {gb(self.results)}, "
                f"process {gb(self.overhead)}")


def gb(n: float) -> str:
    """Bytes in GB (or MB below 0.1 GB), e.g. '31.2 GB', '45 MB'."""
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.0f} MB"


def n_windows(points: int, cfg: WindowConfig) -> tuple[int, int, int]:
    """Windows in the train, validation and test splits of a series of `points` points
    (train at `cfg.stride`, validation and test at stride 1, as `make_windows` cuts them)."""
    out = []
    for length, stride in zip(split_lengths(points, cfg), (cfg.stride, 1, 1), strict=True):
        room = length - cfg.lookback - cfg.horizon + 1
        out.append(max(0, math.ceil(room / max(stride, 1))))
    return out[0], out[1], out[2]


def n_features(index: pd.DatetimeIndex, cfg: WindowConfig) -> int:
    """Input features per step: the value plus the calendar (and holiday) columns
    `make_windows` adds. ValueError for a holiday country without a table."""
    if not cfg.calendar:
        return 1
    from importance.data.windows import calendar_features

    return 1 + len(calendar_features(index[:64], cfg.holidays)[1])


def _n_params(cfg: RunConfig, features: int) -> int:
    m, h = cfg.model, cfg.model.hidden
    horizon = cfg.window.horizon
    if m.kind in LINEAR_KINDS:  # one Linear over the lags (twice for DLinear) + calendar
        lags = cfg.window.lookback * (2 if m.kind == "dlinear" else 1)
        return (lags + features) * horizon
    if m.kind == "mlp":
        width, total = cfg.window.lookback * features, 0
        for _ in range(m.layers):
            total += width * h + h
            width = h
        return total + width * horizon + horizon
    gates = 4 if m.kind == "lstm" else 3
    total = 0
    for layer in range(m.layers):
        k = features if layer == 0 else h
        total += gates * h * (k + h + 2)
    return total + h * horizon + horizon


def _tapes(batch: int, cfg: RunConfig, features: int) -> int:
    """Bytes of the exact-norm pass over `batch` windows (importance.scoring.exact)."""
    t, h, m = cfg.window.lookback, cfg.model.hidden, cfg.model
    if m.kind in LINEAR_KINDS:  # the encoded window, twice (prepare + encode)
        return batch * t * (features + 4) * FLOAT * 2 + MATERIALISE_BYTES
    if m.kind == "mlp":  # activations per layer, ghost norms: tiny next to the inputs
        return batch * (t * features + 3 * h * m.layers) * FLOAT * 3 + MATERIALISE_BYTES
    floats = features  # the batch's inputs
    gram = 0
    for layer in range(m.layers):
        k = features if layer == 0 else h
        n, g = k + h + 1, 4 * h
        floats += n + g + 2 * h + h
        if t * t * (n + g) < t * n * g:  # importance.scoring.norms.use_gram
            gram = max(gram, 5 * batch * t * t * FLOAT)
    return batch * (t + 1) * floats * FLOAT + gram + MATERIALISE_BYTES


def _autograd(batch: int, cfg: RunConfig, features: int) -> int:
    t, h, m = cfg.window.lookback, cfg.model.hidden, cfg.model
    if m.kind in LINEAR_KINDS:
        return batch * t * (features + 4) * FLOAT * 3
    if m.kind == "mlp":
        return batch * (t * features + 2 * h * m.layers) * FLOAT * 3
    per_step = m.layers * (AUTOGRAD_FLOATS_PER_UNIT * h + AUTOGRAD_FLOATS_PER_STEP)
    return batch * t * (per_step + features) * FLOAT


def _evaluation(batch: int, cfg: RunConfig, features: int) -> int:
    t, h, m = cfg.window.lookback, cfg.model.hidden, cfg.model
    if m.kind in LINEAR_KINDS:
        return batch * t * (features + 4) * FLOAT * 2
    if m.kind == "mlp":
        return batch * (t * features + h * m.layers) * FLOAT * 2
    return batch * t * (m.layers * (h + 1) + features) * FLOAT


Points = int | Sequence[int]  # a series' length, or the lengths of a panel's series


def estimate(cfg: RunConfig, points: Points, features: int) -> MemoryEstimate:
    """Estimated peak memory of running `cfg` on a series of `points` points (or on several
    series of these lengths, as one model) with `features` input features per step (see the
    module docstring for the formula)."""
    w = cfg.window
    counts = [n_windows(p, w) for p in ((points,) if isinstance(points, int) else points)]
    n_train, n_val, n_test = (sum(c[i] for c in counts) for i in range(3))
    per_window = w.lookback * features * FLOAT
    scores = cfg.train.strategy not in SCORE_FREE
    concatenated = 0 if isinstance(points, int) else n_train + n_val + n_test
    windows = ((n_train + n_val + n_test + concatenated) * per_window
               + max(max(c) for c in counts) * w.lookback * 8
               + (n_train * per_window if scores else 0))
    batch = max(1, min(cfg.train.batch_size, n_train or cfg.train.batch_size))
    exact = cfg.train.strategy_params.get("scoring") == "exact"
    passes = {"training (exact norms)" if exact else "training (autograd)":
              _tapes(batch, cfg, features) if exact else _autograd(batch, cfg, features),
              "evaluation": _evaluation(min(EVAL_BATCH, max(n_val, n_test, 1)), cfg, features)}
    if scores:
        passes["scoring (exact norms)"] = _tapes(min(SCORING_BATCH, max(n_train, 1)), cfg,
                                                 features)
    name = max(passes, key=passes.__getitem__)
    return MemoryEstimate(
        windows=windows, activations=passes[name], model=_n_params(cfg, features) * FLOAT * 5,
        results=cfg.train.epochs * n_train * 9, overhead=PROCESS_OVERHEAD,
        activation_pass=f"{name} at batch {batch:,} x lookback {w.lookback:,} x hidden "
                        f"{cfg.model.hidden} x {cfg.model.layers} layer(s)")


def available_bytes() -> int:
    """Memory available to new allocations now: MemAvailable, or the cgroup's limit minus its
    usage when that is lower (containers)."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        import psutil

        avail = int(psutil.virtual_memory().available)
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            avail = min(avail, int(limit) - usage)
        break
    return max(avail, 0)


def memory_limit(available: int | None = None) -> int:
    """The largest estimated peak a run may have: SAFE_FRACTION of the available memory."""
    return int(SAFE_FRACTION * (available_bytes() if available is None else available))


def check_memory(configs: Sequence[RunConfig], points: Points, features: int, *,
                 available: int | None = None, lanes: int = 1) -> MemoryEstimate:
    """The largest estimate among `configs`, whose jobs train `lanes` at a time; raise
    MemoryGuardError, with the estimate, the limit and what would fit, when it exceeds
    `memory_limit(available)`, or when the `lanes` largest together do."""
    if not configs:
        raise ValueError("no run configs to check")
    available = available_bytes() if available is None else available
    limit = memory_limit(available)
    ranked = sorted(configs, key=lambda c: estimate(c, points, features).total, reverse=True)
    worst_cfg = ranked[0]
    worst = estimate(worst_cfg, points, features)
    if worst.total <= limit:
        check_at_once([estimate(c, points, features).total for c in ranked], lanes,
                      "the job lanes", "Start the dashboard with IMPORTANCE_LANES=1 to train "
                      "them one at a time", available=available)
        return worst
    w, t = worst_cfg.window, worst_cfg.train
    fits = []
    b = max_batch(worst_cfg, points, features, limit=limit)
    if b:
        fits.append(f"batch size {b:,} at lookback {w.lookback:,}")
    lb = max_lookback(worst_cfg, points, features, limit=limit)
    if lb:
        fits.append(f"lookback {lb:,} at batch size {t.batch_size:,}")
    hint = (f"At most {' or '.join(fits)} would fit." if fits else
            "Lower the batch size, lookback, hidden units or layers, or raise the stride.")
    raise MemoryGuardError(
        f"This run ({t.strategy}) would need about {gb(worst.total)} of memory at its peak "
        f"({worst.words()}), more than the limit of {gb(limit)} ({SAFE_FRACTION:.0%} of the "
        f"{gb(available)} available now). {hint}")


def check_at_once(peaks: Sequence[int], at_once: int, where: str, fix: str, *,
                  available: int | None = None) -> int:
    """The sum of the `at_once` largest of `peaks` (bytes: runs that each fit alone, trained
    `at_once` at a time by `where`, e.g. "the job lanes"); MemoryGuardError saying `fix` when
    it exceeds `memory_limit(available)`."""
    available = available_bytes() if available is None else available
    limit = memory_limit(available)
    top = sorted(peaks, reverse=True)[:max(1, at_once)]
    together = int(sum(top))
    if len(top) > 1 and together > limit:
        raise MemoryGuardError(
            f"These runs train {len(top)} at once here ({where}): together about "
            f"{gb(together)} of memory at their peaks, more than the limit of {gb(limit)} "
            f"({SAFE_FRACTION:.0%} of the {gb(available)} available now), though each alone "
            f"fits ({gb(top[0])} at most). {fix}, or lower the batch size, lookback or "
            "hidden units.")
    return together


def check_device(cfg: RunConfig, points: Points, features: int, device: str,
                 free: int) -> MemoryEstimate:
    """On a GPU (`device` in words, `free` its free bytes now: `torch.cuda.mem_get_info`):
    raise MemoryGuardError when the run's estimate without the host process's overhead (the
    training set moved to the device, activations, model) exceeds SAFE_FRACTION of `free`."""
    est = estimate(cfg, points, features)
    need = est.total - est.overhead
    limit = int(SAFE_FRACTION * free)
    if need > limit:
        raise MemoryGuardError(
            f"This run ({cfg.train.strategy}) would need about {gb(need)} of memory on "
            f"{device} at its peak ({est.words()}), more than the limit of {gb(limit)} "
            f"({SAFE_FRACTION:.0%} of the {gb(free)} free on it now). Lower the batch size, "
            "lookback or hidden units, or train on the CPU (IMPORTANCE_DEVICE=cpu).")
    return est


def _largest(fits, hi: int) -> int:
    """The largest v in [1, hi] with fits(v) (fits is monotone: true, then false); 0 if none."""
    if not fits(1):
        return 0
    lo = 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return lo


def max_batch(cfg: RunConfig, points: Points, features: int, *, limit: int | None = None,
              cap: int = MAX_BATCH) -> int:
    """The largest batch size (<= cap) whose estimate fits `limit` (default: memory_limit())."""
    limit = memory_limit() if limit is None else limit
    return _largest(lambda b: estimate(replace(cfg, train=replace(cfg.train, batch_size=b)),
                                       points, features).total <= limit, cap)


def max_lookback(cfg: RunConfig, points: Points, features: int, *, limit: int | None = None,
                 cap: int = MAX_LOOKBACK) -> int:
    """The largest lookback (<= cap) whose estimate fits `limit` (default: memory_limit())."""
    limit = memory_limit() if limit is None else limit
    return _largest(lambda t: estimate(replace(cfg, window=replace(cfg.window, lookback=t)),
                                       points, features).total <= limit, cap)


def check_series(configs: Sequence[RunConfig], values: pd.Series | Sequence[pd.Series], *,
                 available: int | None = None, lanes: int = 1) -> MemoryEstimate:
    """`check_memory` for runs on a loaded series, or on several series as one model (their
    lengths and calendar features), trained `lanes` at a time."""
    several = not isinstance(values, pd.Series)
    first = values[0] if several else values
    features = n_features(pd.DatetimeIndex(first.index), configs[0].window)
    points = [len(v) for v in values] if several else len(values)
    return check_memory(configs, points, features, available=available, lanes=lanes)


__all__ = ["MemoryEstimate", "MemoryGuardError", "available_bytes", "check_at_once",
           "check_device",
           "check_memory", "check_series", "estimate", "max_batch", "max_lookback",
           "memory_limit", "n_windows"]

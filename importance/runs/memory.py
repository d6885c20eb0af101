"""Memory guard: estimate a run's peak memory before it is queued (`importance.runs.footprint`:
the formula), refuse what would not fit.

A run is refused when its estimate exceeds SAFE_FRACTION (50%) of the memory available now
(MemAvailable, or the cgroup's limit minus its usage when that is lower): the dashboard, the
browser and other processes keep the rest, and a wrong estimate by 2x still fits.

A panel's scale guard (`check_scale`) adds the time: from its declared shape alone (series,
points per series, step, features and the run's settings) the peak memory above and the
seconds per epoch at the cost per window-step measured here (`importance.estimate`), refused
with what would fit (how many series, or which coarser step) or confirmed in words.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pandas as pd

from importance.config import RunConfig
from importance.data.steps import duration
from importance.runs.footprint import (
    MemoryEstimate,
    Points,
    estimate,
    gb,
    n_features,
    n_windows,
    split_windows,
)

SAFE_FRACTION = 0.5
MAX_BATCH = 8192  # the form's hard limits
MAX_LOOKBACK = 4032

class MemoryGuardError(ValueError):
    """A run whose estimated peak memory exceeds the safe limit (the message says both)."""


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


MAX_EPOCH_ENV = "IMPORTANCE_MAX_EPOCH_S"  # seconds a panel's epoch may take here (unset: any)
COARSER_STEPS = tuple(pd.Timedelta(s) for s in ("15min", "30min", "1h", "2h", "3h", "6h", "12h",
                                                  "1D", "7D"))


class ScaleGuardError(MemoryGuardError):
    """A panel whose peak memory or epoch time exceeds the limits (the message says all)."""


@dataclass(frozen=True)
class PanelShape:
    """A panel as declared, before it is loaded or generated: each series' points, their step
    and the input features per step."""

    lengths: tuple[int, ...]
    step: pd.Timedelta
    features: int

    @classmethod
    def declared(cls, series: int, points: int, step: pd.Timedelta | str,
                 features: int) -> PanelShape:
        return cls((int(points),) * int(series), pd.Timedelta(step), int(features))

    @property
    def points(self) -> int:
        """Points per series (their mean when they differ)."""
        return round(sum(self.lengths) / max(len(self.lengths), 1))

    def words(self) -> str:
        mean = "" if len(set(self.lengths)) <= 1 else " on average"
        return (f"{len(self.lengths):,} series x {self.points:,} points{mean} at a "
                f"{duration(self.step)} step")


@dataclass(frozen=True)
class ScaleEstimate(MemoryEstimate):
    """A panel's estimated peak memory (its largest run's) and seconds per epoch here."""

    setting: str  # the shape and the run's settings, in words
    epoch_s: float  # a full-data epoch, at the cost per window-step measured here
    epochs: int
    limit: int  # bytes: memory_limit(available)
    available: int
    max_epoch_s: float | None

    @property
    def fits(self) -> bool:
        return self.total <= self.limit and (self.max_epoch_s is None
                                             or self.epoch_s <= self.max_epoch_s)

    def time_words(self) -> str:
        """ "about 2 h 24 min per epoch here (about 38 h 25 min for 16 epochs)" """
        def words(seconds: float) -> str:
            from importance.sweep.view import duration_words

            return "under 1 s" if seconds < 1 else f"about {duration_words(seconds)}"

        epochs = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        return (f"{words(self.epoch_s)} per epoch here ({words(self.epoch_s * self.epochs)} "
                f"for {epochs})")

    def confirmation(self) -> str:
        """The scale guard's yes, with its numbers."""
        from importance.sweep.view import duration_words

        allowed = ("" if self.max_epoch_s is None else
                   f", within the {duration_words(self.max_epoch_s)} an epoch may take")
        return (f"This panel ({self.setting}) fits: about {gb(self.total)} of memory at its "
                f"peak ({self.words()}), within the limit of {gb(self.limit)} "
                f"({SAFE_FRACTION:.0%} of the {gb(self.available)} available now), and "
                f"{self.time_words()}{allowed}. {EPOCH_BASIS}")


EPOCH_BASIS = ("Epoch times are a first guess from the cost per window-step measured here "
               "(importance.estimate); a keep ratio below 1 trains fewer windows per epoch.")


def max_epoch_seconds() -> float | None:
    """The seconds a panel's epoch may take here: $IMPORTANCE_MAX_EPOCH_S (unset: no limit)."""
    raw = os.environ.get(MAX_EPOCH_ENV, "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        raise ValueError(f"{MAX_EPOCH_ENV} must be a number of seconds, got {raw!r}") from None


def scale_estimate(configs: Sequence[RunConfig], shape: PanelShape, *,
                   available: int, max_epoch_s: float | None) -> ScaleEstimate:
    """The largest run's peak memory among `configs` on `shape` (`estimate`) and its full-data
    epoch here (`importance.estimate.epoch_costs`' first guess for the model kind)."""
    from importance.estimate import epoch_costs

    points, f = list(shape.lengths), shape.features
    cfg = max(configs, key=lambda c: estimate(c, points, f).total)
    mem = estimate(cfg, points, f)
    n_train = split_windows(points, cfg.window)[0]
    epoch_s = max(max(epoch_costs((), c, n_train).per_epoch.values()) for c in configs)
    w, m, t = cfg.window, cfg.model, cfg.train
    setting = (f"{shape.words()}, lookback {w.lookback:,}, horizon {w.horizon}, {f} features; "
               f"{m.kind} hidden {m.hidden} x {m.layers} layer(s), batch {t.batch_size:,}, "
               f"{t.epochs} epoch{'s' if t.epochs != 1 else ''}: {n_train:,} training windows")
    return ScaleEstimate(**{k.name: getattr(mem, k.name) for k in fields(MemoryEstimate)},
                         setting=setting, epoch_s=epoch_s, epochs=max(c.train.epochs
                                                                      for c in configs),
                         limit=memory_limit(available), available=available,
                         max_epoch_s=max_epoch_s)


def _coarser(configs: Sequence[RunConfig], shape: PanelShape, step: pd.Timedelta
             ) -> tuple[list[RunConfig], PanelShape] | None:
    """`configs` and `shape` at a coarser `step`: each series' points and the lookback divided
    (the lookback spans the same time); None when `step` is not a multiple of the shape's."""
    k = step / shape.step
    if k <= 1 or not float(k).is_integer():
        return None
    k = int(k)
    coarse = PanelShape(tuple(p // k for p in shape.lengths), step, shape.features)
    return [replace(c, window=replace(c.window, lookback=max(1, math.ceil(c.window.lookback / k))))
            for c in configs], coarse


def _what_fits(configs: Sequence[RunConfig], shape: PanelShape, available: int,
               max_epoch_s: float | None) -> str:
    """How many series of this shape, or which coarser step, would fit the limits."""
    def fits(cfgs: Sequence[RunConfig], s: PanelShape) -> bool:
        return all(min(n_windows(min(s.lengths), c.window)) > 0 for c in cfgs) and scale_estimate(
            cfgs, s, available=available, max_epoch_s=max_epoch_s).fits

    options = []
    n = _largest(lambda k: fits(configs, replace(shape, lengths=(shape.points,) * k)),
                 len(shape.lengths) - 1)
    if n:
        options.append(f"{n:,} series of these")
    for step in COARSER_STEPS:
        coarse = _coarser(configs, shape, step)
        if coarse is not None and fits(*coarse):
            lookback = coarse[0][0].window.lookback
            options.append(f"a {duration(step)} step ({coarse[1].points:,} points per series, "
                           f"lookback {lookback:,} = the same {duration(lookback * step)})")
            break
    if not options:
        return ("Nothing smaller of this shape fits: lower the batch size, lookback or hidden "
                "units, or split the series into groups (one model per group).")
    return f"At most {' or '.join(options)} would fit."


def check_scale(configs: Sequence[RunConfig], shape: PanelShape, *, available: int | None = None,
                max_epoch_s: float | None = None, lanes: int = 1) -> ScaleEstimate:
    """The scale guard of a panel from its declared `shape` alone (nothing loaded): the
    largest run's peak memory and its epoch's seconds here (`scale_estimate`). Raise
    ScaleGuardError naming them, the limits and what would fit (how many series of these, or
    which coarser step) when the memory exceeds `memory_limit(available)` or an epoch
    `max_epoch_s` (default: `max_epoch_seconds()`); else return the estimate (its
    `confirmation()` in words), the job lanes checked together (`check_memory`)."""
    if not configs:
        raise ValueError("no run configs to check")
    available = available_bytes() if available is None else available
    max_epoch_s = max_epoch_seconds() if max_epoch_s is None else max_epoch_s
    est = scale_estimate(configs, shape, available=available, max_epoch_s=max_epoch_s)
    points = list(shape.lengths)
    if est.fits:
        check_memory(configs, points, shape.features, available=available, lanes=lanes)
        return est
    fits = _what_fits(configs, shape, available, max_epoch_s)
    if est.total > est.limit:  # the memory guard's refusal, and the panel's own ways out
        try:
            check_memory(configs, points, shape.features, available=available)
        except MemoryGuardError as exc:
            raise ScaleGuardError(f"{exc} This panel ({est.setting}) would take "
                                  f"{est.time_words()}. {fits} {EPOCH_BASIS}") from None
    from importance.sweep.view import duration_words

    raise ScaleGuardError(
        f"This panel ({est.setting}) would take {est.time_words()}, longer than the "
        f"{duration_words(max_epoch_s)} an epoch may take ({MAX_EPOCH_ENV}); it needs about "
        f"{gb(est.total)} of memory at its peak, within the limit of {gb(est.limit)}. {fits} "
        f"{EPOCH_BASIS}")


def check_series(configs: Sequence[RunConfig], values: pd.Series | Sequence[pd.Series], *,
                 available: int | None = None, lanes: int = 1,
                 max_epoch_s: float | None = None) -> MemoryEstimate:
    """`check_memory` for runs on a loaded series (their length and calendar features),
    trained `lanes` at a time; several series as one model: the panel's scale guard
    (`check_scale`: memory and time per epoch), which returns a `ScaleEstimate`."""
    several = not isinstance(values, pd.Series)
    first = values[0] if several else values
    features = n_features(pd.DatetimeIndex(first.index), configs[0].window)
    if not several:
        return check_memory(configs, len(values), features, available=available, lanes=lanes)
    from importance.data.windows import series_step

    shape = PanelShape(tuple(len(v) for v in values), series_step(pd.DatetimeIndex(first.index)),
                       features)
    return check_scale(configs, shape, available=available, max_epoch_s=max_epoch_s,
                       lanes=lanes)

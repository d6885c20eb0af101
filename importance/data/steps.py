"""Window sizes in the series' own steps: defaults that follow the sampling interval, the
check that a series holds three splits, and durations in words.

The default lookback covers the shortest cycle worth seeing at that step, within
`MAX_DEFAULT_LOOKBACK` steps: one day below an hourly step (144 at 10 minutes, 720 at 2
minutes), one week for hourly data (168), four weeks for daily data (28). A series too short
for it gets the largest lookback that fits, and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from importance.config import WindowConfig

ONE_HOUR = pd.Timedelta(hours=1)
ONE_DAY = pd.Timedelta(days=1)
ONE_WEEK = pd.Timedelta(weeks=1)
MAX_DEFAULT_LOOKBACK = 720
SHORT_STEP = pd.Timedelta(minutes=10)  # below it, the default lookback covers SHORT_CYCLE
SHORT_CYCLE = pd.Timedelta(hours=6)
MIN_DEFAULT_LOOKBACK = 4


def cycle_for(step: pd.Timedelta) -> pd.Timedelta:
    """The span the default lookback covers at this step: 4 weeks of daily steps, a week of
    hourly ones, a day from 10 minutes up, and 6 hours below 10 minutes. On the 2-minute
    fixture (tests/fixtures/series.py, LSTM, full data) a 6-hour lookback (180 steps) reached
    test MAE 2.32 in 28 s, a day (720 steps) 2.37 in 376 s, 12 hours 2.45 in 245 s."""
    if step >= ONE_DAY:
        return 4 * ONE_WEEK
    if step >= ONE_HOUR:
        return ONE_WEEK
    return ONE_DAY if step >= SHORT_STEP else SHORT_CYCLE


def default_lookback(step: pd.Timedelta) -> int:
    """Steps in `cycle_for(step)`, between MIN_ and MAX_DEFAULT_LOOKBACK."""
    steps = math.ceil(cycle_for(step) / step)
    return int(min(max(steps, MIN_DEFAULT_LOOKBACK), MAX_DEFAULT_LOOKBACK))


def duration(td: pd.Timedelta) -> str:
    """A duration in the largest whole-ish unit: "10 min", "6 h", "1 day", "4 weeks"."""
    for unit, size in (("week", ONE_WEEK), ("day", ONE_DAY)):
        n = td / size
        if n >= 1 and float(n).is_integer():
            return f"{n:g} {unit}{'s' if n != 1 else ''}"
    hours = td / ONE_HOUR
    if hours >= 1:
        return f"{hours:.3g} h" if hours < 48 else f"{td / ONE_DAY:.3g} days"
    minutes = td / pd.Timedelta(minutes=1)
    return f"{minutes:.3g} min" if minutes >= 1 else f"{td.total_seconds():.3g} s"


def steps_words(n: int, step: pd.Timedelta | None) -> str:
    """"144 steps = 1 day" (just "144 steps" without a step)."""
    text = f"{n:,} step{'s' if n != 1 else ''}"
    return f"{text} = {duration(n * step)}" if step is not None else text


def split_lengths(n: int, cfg: WindowConfig) -> tuple[int, int, int]:
    """Points in the train, validation and test segments (as `make_windows` cuts them)."""
    v_start = int(round(n * cfg.train_frac))
    t_start = int(round(n * (cfg.train_frac + cfg.val_frac)))
    return v_start, t_start - v_start, n - t_start


def largest_lookback(n: int, cfg: WindowConfig) -> int:
    """The largest lookback that leaves every split one window at `cfg.horizon` (< 1: none)."""
    return min(split_lengths(n, cfg)) - cfg.horizon


def points_needed(cfg: WindowConfig) -> int:
    """The fewest points whose three splits each hold one window."""
    shortest = min(cfg.val_frac, 1 - cfg.train_frac - cfg.val_frac, cfg.train_frac)
    n = max(3, int(np.floor((cfg.lookback + cfg.horizon) / shortest)) - 2)
    while largest_lookback(n, cfg) < cfg.lookback:
        n += 1
    return n


def check_fits(n: int, cfg: WindowConfig, step: pd.Timedelta | None = None,
               name: str = "the series") -> None:
    """ValueError, with the numbers, when `n` points cannot hold the window in three splits."""
    if largest_lookback(n, cfg) >= cfg.lookback:
        return
    span = f" ({duration(n * step)} at a {duration(step)} step)" if step is not None else ""
    splits = "/".join(f"{100 * f:.0f}" for f in (cfg.train_frac, cfg.val_frac,
                                                 1 - cfg.train_frac - cfg.val_frac))
    best = largest_lookback(n, cfg)
    fix = (f"the largest lookback that fits is {steps_words(best, step)}" if best >= 1 else
           f"even a lookback of 1 step does not fit: a horizon of {cfg.horizon} needs at least "
           f"{points_needed(replace(cfg, lookback=1))} points")
    raise ValueError(f"{name} has {n:,} points{span}: too short for lookback "
                     f"{steps_words(cfg.lookback, step)} and horizon {cfg.horizon}, which need "
                     f"at least {points_needed(cfg):,} points so that the train/validation/test "
                     f"splits ({splits}%) each hold one window; {fix}")


@dataclass(frozen=True)
class WindowChoice:
    """A window config for one series and why its sizes are what they are."""

    config: WindowConfig
    reasons: tuple[str, ...]


def suggest_window(values: pd.Series, step: pd.Timedelta, base: WindowConfig | None = None,
                   lookback: int | None = None) -> WindowChoice:
    """The window for a series: `lookback` if given, else the step's default (shortened to fit
    a short series); `base`'s horizon and splits; log1p only for non-negative values."""
    base = base or WindowConfig()
    if lookback is not None:
        reasons = [f"lookback {steps_words(lookback, step)} (given)"]
    else:
        lookback = default_lookback(step)
        capped = lookback == MAX_DEFAULT_LOOKBACK and lookback * step < cycle_for(step)
        reasons = [f"lookback {steps_words(lookback, step)}: " + (
            f"the default, capped at {MAX_DEFAULT_LOOKBACK} steps" if capped else
            f"the default for a {duration(step)} step covers {duration(cycle_for(step))}")]
        fits = largest_lookback(len(values), base)
        if 1 <= fits < lookback:
            lookback = fits
            reasons.append(f"shortened to {steps_words(fits, step)}, the largest that fits "
                           f"{len(values):,} points in three splits")
    log1p = base.log1p and bool((values >= 0).all())
    if base.log1p and not log1p:
        reasons.append("log1p scaling off: the series has negative values")
    return WindowChoice(replace(base, lookback=lookback, log1p=log1p), tuple(reasons))

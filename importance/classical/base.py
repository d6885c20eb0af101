"""Shared pieces of the classical baselines: result type, fitted-model protocol, seasons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

ONE_DAY = pd.Timedelta(days=1)
UNITS = {"daily": "day", "weekly": "week", "yearly": "year"}
NEEDS = {  # what each season needs from the series, for error messages
    "daily": "a sub-daily step that divides one day",
    "weekly": "a step that divides one day",
    "yearly": "a step of whole days that divides 365 days, and two years of data",
}


@dataclass(frozen=True)
class ClassicalForecast:
    """Forecasts of one classical model for every test window, in original units."""

    name: str  # registry key, e.g. "holt_winters"
    label: str  # human name, e.g. "Holt-Winters (additive, daily = 144 steps) on log1p"
    predictions: np.ndarray  # (N_test, horizon); row i forecasts ws.test window i
    fit_s: float  # seconds to fit on train + val
    predict_s: float  # seconds to forecast every test window
    params: dict[str, Any]  # a few fitted settings, for display


def step_words(step: pd.Timedelta) -> str:
    """A sampling step as an adjective, e.g. "10-minute", "1-hour", "1-day", "1-week"."""
    for unit, span in (("week", 7 * ONE_DAY), ("day", ONE_DAY), ("hour", pd.Timedelta(hours=1)),
                       ("minute", pd.Timedelta(minutes=1)), ("second", pd.Timedelta(seconds=1))):
        if step >= span and step % span == pd.Timedelta(0):
            return f"{step // span}-{unit}"
    return str(step)


@dataclass(frozen=True)
class Seasons:
    """Seasonal periods in steps that the sampling step defines; None when undefined."""

    step: pd.Timedelta
    day: int | None
    week: int | None
    year: int | None = None

    @property
    def periods(self) -> tuple[tuple[str, int], ...]:
        """(name, steps) of the defined seasons, shortest first, e.g. (("weekly", 7),)."""
        steps = {"daily": self.day, "weekly": self.week, "yearly": self.year}
        return tuple((name, p) for name, p in steps.items() if p is not None)

    def period(self, name: str) -> int:
        """Steps of the season `name` (daily, weekly, yearly); a ValueError when undefined."""
        p = dict(self.periods).get(name)
        if p is None:
            raise ValueError(f"a {name} season needs {NEEDS[name]}; this series has a "
                             f"{step_words(self.step)} step")
        return p

    def seasonal(self, what: str) -> tuple[tuple[str, int], ...]:
        """`periods` for model `what`; a ValueError naming the step when there are none."""
        if not self.periods:
            raise ValueError(f"{what} needs a seasonal period, but a {step_words(self.step)} "
                             f"step defines none (daily and weekly seasons need "
                             f"{NEEDS['weekly']})")
        return self.periods


def describe(periods: tuple[tuple[str, int], ...]) -> str:
    """Periods in words and steps, e.g. "daily = 144, weekly = 1008 steps"."""
    return ", ".join(f"{name} = {p}" for name, p in periods) + " steps"


def _interval(clock: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The one positive interval between consecutive times, or None when they vary."""
    steps = pd.unique(clock[1:] - clock[:-1])
    return pd.Timedelta(steps[0]) if len(steps) == 1 and steps[0] > pd.Timedelta(0) else None


def sampling_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The regular interval of `index`; a ValueError when it is irregular.

    An aware index is read on its wall clock when its absolute intervals are irregular only
    because of daylight-saving changes (daily data at local midnight: 23 h and 25 h days).
    """
    if len(index) < 2:
        raise ValueError("need at least two timestamps to derive the sampling interval")
    step = _interval(index)
    if step is None and index.tz is not None:
        step = _interval(index.tz_localize(None))
    if step is None:
        n = len(pd.unique(index[1:] - index[:-1]))
        raise ValueError(f"the index is irregular ({n} distinct intervals); seasonal periods "
                         "need a regular, increasing index")
    return step


def _steps_in(span: pd.Timedelta, step: pd.Timedelta) -> int | None:
    """How many steps make `span`, when they fit exactly and at least twice."""
    n, rest = divmod(span, step)
    return int(n) if rest == pd.Timedelta(0) and n >= 2 else None


def seasons_of(index: pd.DatetimeIndex, fitted: int | None = None) -> Seasons:
    """The seasonal periods of a regular index, from its sampling step.

    Daily: steps per day, for sub-daily steps that divide a day. Weekly: steps per week, for
    steps that divide a day (one day included). Yearly: 365 days in steps, for whole-day steps,
    only when the first `fitted` points (default: all) span two years. 10 minutes: day 144,
    week 1008; 1 day: week 7.
    """
    step = sampling_step(index)
    week = _steps_in(7 * ONE_DAY, step) if ONE_DAY % step == pd.Timedelta(0) else None
    year = _steps_in(365 * ONE_DAY, step) if step % ONE_DAY == pd.Timedelta(0) else None
    if year is not None and len(index[:fitted]) <= 2 * year:
        year = None  # spans less than two years
    return Seasons(step=step, day=_steps_in(ONE_DAY, step), week=week, year=year)


def require_history(n: int, need: int, what: str) -> None:
    """Raise a clear ValueError when a fit segment of `n` points is shorter than `need`."""
    if n < need:
        raise ValueError(f"{what} needs at least {need} points before the test segment; "
                         f"the series has {n}")


class Fitted(Protocol):
    """A model fitted on the history `y[:n_fit]` (modelling space)."""

    label: str
    params: dict[str, Any]

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        """(len(origins), horizon) forecasts of y[o + k] using only y[:o], for each origin o.

        `y` extends the history (same positions) up to the last origin; every origin is at or
        after the end of the history.
        """
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A registry entry: how to fit one classical model."""

    name: str
    fit: Callable[[np.ndarray, Seasons], Fitted]
    transformable: bool  # False when log1p makes no difference (seasonal naive)
    # imports a library the model loads on first use (statsforecast: ~2.5 s), so that its
    # import is not timed as the first model's fit; None: nothing to import
    library: Callable[[], object] | None = None

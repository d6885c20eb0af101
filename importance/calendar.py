"""Which calendar groupings fit a series' sampling step: the one place every calendar chart and
sentence asks.

Sub-daily steps: hour of day (and day of week); daily steps: day of week and day of month, with
a weekday x week-of-year calendar; weekly and longer steps: week of year. A grouping (`Part`)
knows its name, its values in order (what a chart's axis shows), how to read them from
timestamps on their own clock, and how to say one value in words.

The step of a run's training windows is read from their times (`step_of`): windows `stride`
steps apart, so the most common gap over the stride.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

ONE_DAY = pd.Timedelta(days=1)
ONE_WEEK = pd.Timedelta(days=7)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class Part:
    """One calendar grouping: its `name` ("hour of day"), `noun` ("hour"), `cycle` ("day"),
    its `values` in order (the axis), `key` (timestamps -> their values) and `words` (a value ->
    "08:00-09:00", "Mondays")."""

    name: str
    noun: str  # one value in a sentence: "every hour", "every weekday"
    cycle: str  # what its values go round: "Where in the day / week each model errs"
    values: tuple[Hashable, ...]
    key: Callable[[pd.DatetimeIndex], np.ndarray]
    words: Callable[[Hashable], str]
    tick: Callable[[Hashable], str]  # a value as an axis label: "08", "Mon", "5", "12"
    dense: bool = True  # False: tables leave out its values without data (weeks of a year)

    def of(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Each timestamp's value, on the index's own clock (local when aware)."""
        return np.asarray(self.key(pd.DatetimeIndex(index)))

    def means(self, values: np.ndarray | pd.Series, index: pd.DatetimeIndex) -> pd.Series:
        """Mean of `values` per value of this part, every value in order (NaN: none there)."""
        data = pd.Series(np.asarray(values, dtype=float))
        return data.groupby(self.of(index)).mean().reindex(list(self.values))


HOUR = Part("hour of day", "hour", "day", tuple(range(24)), lambda t: t.hour,
            lambda h: f"{int(h):02d}:00-{int(h) + 1:02d}:00", lambda h: f"{int(h):02d}")
WEEKDAY = Part("day of week", "weekday", "week", WEEKDAYS,
               lambda t: np.asarray(WEEKDAYS)[t.day_of_week],
               lambda d: WEEKDAY_NAMES[WEEKDAYS.index(str(d))] + "s", str)
MONTHDAY = Part("day of month", "day of the month", "month", tuple(range(1, 32)), lambda t: t.day,
                lambda d: f"the {_ordinal(int(d))} of the month", str)
WEEK = Part("week of year", "week", "year", tuple(range(1, 54)),
            lambda t: t.isocalendar().week.to_numpy(dtype=np.int64),
            lambda w: f"week {int(w)}", str, dense=False)
PARTS = {p.name: p for p in (HOUR, WEEKDAY, MONTHDAY, WEEK)}  # by name, for cached charts


def parts(step: pd.Timedelta | None) -> tuple[Part, ...]:
    """The groupings that vary at this step, the finest first (None: unknown, as sub-daily)."""
    if step is None or step < ONE_DAY:
        return (HOUR, WEEKDAY)
    if step < ONE_WEEK:
        return (WEEKDAY, MONTHDAY)
    return (WEEK,)


def profile(step: pd.Timedelta | None) -> Part:
    """The grouping of the one-line charts and of "kept most" sentences: the finest."""
    return parts(step)[0]


def time_format(step: pd.Timedelta | None) -> str:
    """strftime of one timestamp in titles: the clock time below a day, the year above."""
    return "%a %d %b %H:%M" if HOUR in parts(step) else "%a %d %b %Y"


def grid(step: pd.Timedelta | None) -> tuple[Part, Part] | None:
    """Rows and columns of a calendar heat map: weekday x hour of day below a day, weekday x
    week of year for daily steps; None for weekly and longer steps (one value per week)."""
    if step is None or step < ONE_DAY:
        return (WEEKDAY, HOUR)
    if step < ONE_WEEK:
        return (WEEKDAY, WEEK)
    return None


def table(values: np.ndarray | pd.Series, index: pd.DatetimeIndex, rows: Part,
          cols: Part) -> pd.DataFrame:
    """Mean of `values` per (row value, column value), every value of both in order (of a
    column part that is not `dense`, only those with data)."""
    data = pd.Series(np.asarray(values, dtype=float))
    out = data.groupby([rows.of(index), cols.of(index)]).mean().unstack()
    out = out.reindex(index=list(rows.values), columns=list(cols.values))
    if not cols.dense:  # a few months of daily data: not 40 blank weeks
        out = out.loc[:, out.notna().any(axis=0)]
    out.index.name, out.columns.name = rows.name, cols.name
    return out


@dataclass(frozen=True)
class Span:
    """A coarse stretch of one part, for sentences: the night (hours 0-5), the weekend."""

    name: str  # "night", "weekend": "night windows"
    where: str  # "at night", "at the weekend"
    label: str  # "00:00-06:00", "Sat-Sun"
    part: Part
    members: frozenset[Hashable]

    def holds(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Whether each timestamp falls in this span."""
        return np.isin(self.part.of(index), list(self.members))


DAY_SPANS = tuple(Span(name, "at night" if name == "night" else f"in the {name}",
                       f"{a:02d}:00-{b:02d}:00", HOUR, frozenset(range(a, b)))
                  for name, a, b in (("night", 0, 6), ("morning", 6, 12),
                                     ("afternoon", 12, 18), ("evening", 18, 24)))
WEEK_SPANS = (Span("weekday", "on weekdays", "Mon-Fri", WEEKDAY, frozenset(WEEKDAYS[:5])),
              Span("weekend", "at the weekend", "Sat-Sun", WEEKDAY, frozenset(WEEKDAYS[5:])))


def spans(step: pd.Timedelta | None) -> tuple[Span, ...]:
    """The coarse stretches sentences group windows by: 6-hour parts of the day below a day,
    weekdays and weekend for daily steps, none for weekly and longer steps."""
    if step is None or step < ONE_DAY:
        return DAY_SPANS
    return WEEK_SPANS if step < ONE_WEEK else ()


def step_of(times: pd.DatetimeIndex | np.ndarray, stride: int = 1) -> pd.Timedelta | None:
    """The sampling step of timestamps `stride` steps apart (training windows), from the most
    common positive gap between consecutive ones (robust to a panel's series boundaries and to
    a local clock's DST hours); None with fewer than two distinct times."""
    ns = np.asarray(times.tz_localize(None).as_unit("ns").asi8
                    if isinstance(times, pd.DatetimeIndex) else times, dtype=np.int64)
    gaps = np.diff(ns)
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        return None
    values, counts = np.unique(gaps, return_counts=True)
    return pd.Timedelta(int(values[np.argmax(counts)]) // max(int(stride), 1), unit="ns")


def extremes_text(name: str, share: pd.Series, part: Part, what: str = "kept") -> str:
    """"gradnorm kept 08:00-09:00 most (82%) and 03:00-04:00 least (55%)." for one run's
    shares per value of `part`; "" when flat or empty."""
    s = share.dropna()
    if s.empty or s.max() - s.min() < 1e-9:
        return ""
    return (f"{name} {what} {part.words(s.idxmax())} most ({s.max():.0%}) and "
            f"{part.words(s.idxmin())} least ({s.min():.0%}).")

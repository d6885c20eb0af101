"""Timestamps as exports write them, and the series' time zone.

Forms: ISO 8601 (with or without an offset), day-first or month-first dates with 24-hour or
AM/PM clocks, dotted dates, epoch seconds or milliseconds, and a date column beside a clock
column. When day-first and month-first both read every value, the reading that gives the more
regular series wins.

Zones: naive timestamps (no zone, the usual export) are the data's own wall-clock time unless a
zone is chosen. Choosing a zone localises naive times with one rule for daylight saving:
in the repeated autumn hour the first occurrence is summer time and the next one winter time
(an hour written once is summer time, and the winter hour is then a gap that is filled);
times inside the skipped spring hour do not exist and are dropped (counted). Aware timestamps
keep their zone, or are converted to the chosen one.
"""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from importance.data.types import DataError

TIME_FORMATS = (
    "ISO8601",
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y",
    "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y",
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
    "%d-%b-%Y %H:%M", "%d-%b-%Y", "%d %b %Y %H:%M", "%d %b %Y",
)
CLOCK_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p")
EPOCH_SECONDS = (1e8, 1e10)  # 1973 .. 2286
EPOCH_MILLISECONDS = (1e11, 1e13)
SAMPLE = 200  # distinct values that a form must read before the whole column is tried
WALL_CLOCK = "wall-clock time as written in the data (no zone)"
# The order in which zones that fit a file's changing UTC offsets are proposed (legacy names
# such as CET and Etc/ zones last)
AREAS = ("Europe", "America", "Asia", "Australia", "Africa", "Pacific", "Atlantic", "Indian",
         "Antarctica")
# Dates the lab handles: inside pandas' nanosecond range (1677-09-21 to 2262-04-11), which the
# windows, the run store and the charts use, with room for a forecast horizon.
FIRST_DATE, LAST_DATE = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def check_zone(tz: str) -> str:
    """A valid IANA zone name (e.g. Europe/Rome, UTC), or a DataError saying what is allowed."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise DataError(f"unknown time zone {tz!r}; use an IANA name such as Europe/Rome, "
                        "America/New_York or UTC") from None
    return tz


def parse_times(values: pd.Series) -> pd.Series | None:
    """Datetimes if every value parses in one form (the most regular one), else None."""
    if is_datetime64_any_dtype(values):
        return None if values.isna().any() else values
    if is_bool_dtype(values):
        return None
    if is_numeric_dtype(values):
        if not in_epoch_range(values).all():
            return None
        unit = "ms" if values.abs().median() >= EPOCH_MILLISECONDS[0] else "s"
        return pd.to_datetime(values, unit=unit, utc=True)
    if values.isna().all():
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=False)  # exports repeat timestamps
    distinct = pd.Series(uniques)
    sample = distinct.iloc[np.linspace(0, len(distinct) - 1, min(len(distinct), SAMPLE),
                                       dtype=int)]
    forms = [f for f in TIME_FORMATS if coerce(sample, f).notna().all()]
    fits = [t for t in (coerce(distinct, f) for f in forms) if t.notna().all()]
    if not fits:
        return None
    best = max(fits, key=regularity) if len(fits) > 1 else fits[0]
    if best.dt.tz is not None and str(best.dt.tz) == "UTC":  # offsets that change (DST)
        zone = offset_zones(distinct.astype("str"), best)
        if zone:
            best = best.dt.tz_convert(zone[0])  # the local clock kept
    return pd.Series(best.array.take(codes), index=values.index)


def offset_zones(text: pd.Series, utc: pd.Series) -> list[str]:
    """The zones whose UTC offset at each time is the one written after it ("+01:00" in
    winter, "+02:00" in summer): ISO times whose offset changes with daylight saving, read
    in a zone they fit keep their local clock. Ordered by `AREAS`, then by name
    ("Europe/Amsterdam" first for central Europe); [] when the offsets do not change or no
    zone fits."""
    written = text.str.strip().str.extract(r"(Z|[+-]\d{2}:?\d{2})$")[0]
    if written.isna().any() or written.nunique() < 2:
        return []
    sign = np.where(written.str[0] == "-", -1, 1)
    digits = written.str.replace(r"[^0-9]", "", regex=True).replace("", "0000")
    minutes = sign * (digits.str[:2].astype(int) * 60 + digits.str[2:4].astype(int))
    order = np.argsort(utc.to_numpy())
    t, m = utc.to_numpy()[order], minutes.to_numpy()[order]
    change = np.flatnonzero(np.diff(m) != 0)
    at = np.unique(np.concatenate([[0, len(t) - 1], change, change + 1]))
    samples = [(pd.Timestamp(t[i]).tz_localize("UTC") if pd.Timestamp(t[i]).tz is None
                else pd.Timestamp(t[i]), int(m[i])) for i in at]
    fit = [z for z in _zone_names()
           if all(ts.tz_convert(z).utcoffset() == pd.Timedelta(minutes=mm)
                  for ts, mm in samples)]
    return sorted(fit, key=lambda z: (AREAS.index(z.split("/")[0]) if z.split("/")[0] in AREAS
                                      else len(AREAS), z))


def _zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def best_effort(values: pd.Series) -> pd.Series:
    """The form that reads the most values (NaT elsewhere): to name the first bad one."""
    sample = values.iloc[:SAMPLE]
    form = max(TIME_FORMATS, key=lambda f: coerce(sample, f).notna().sum())
    return coerce(values, form)


def parse_clock(values: pd.Series) -> pd.Series | None:
    """Times of day ("15:56", "3:56 PM") as offsets from midnight, or None."""
    if is_numeric_dtype(values) or is_datetime64_any_dtype(values):
        return None
    text = values.astype("string").str.strip()
    for fmt in CLOCK_FORMATS:
        t = pd.to_datetime(text, format=fmt, errors="coerce")
        if t.notna().all():
            return t - t.dt.normalize()
    return None


def regularity(times: pd.Series) -> float:
    """Share of sorted steps equal to the most common step (1.0 = perfectly regular)."""
    steps = np.diff(np.sort(pd.DatetimeIndex(times).asi8))
    steps = steps[steps > 0]
    if steps.size == 0:
        return 0.0
    _, counts = np.unique(steps, return_counts=True)
    return float(counts.max() / steps.size)


def in_epoch_range(values: pd.Series) -> np.ndarray:
    size = values.abs().to_numpy(dtype=float, na_value=np.nan)
    return ((size >= EPOCH_SECONDS[0]) & (size < EPOCH_SECONDS[1])) | (
        (size >= EPOCH_MILLISECONDS[0]) & (size < EPOCH_MILLISECONDS[1]))


def coerce(values: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format (NaT where it does not fit); mixed UTC offsets go to UTC."""
    text = values.astype("str").str.strip()
    try:
        return pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:  # mixed UTC offsets
        return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)


def to_zone(times: pd.Series, tz: str | None) -> tuple[pd.Series, np.ndarray]:
    """Times in zone `tz` (None = as they are) and a mask of the rows dropped because their
    wall-clock time does not exist there (the skipped spring hour)."""
    times = pd.Series(pd.DatetimeIndex(times), index=times.index)
    dropped = np.zeros(len(times), dtype=bool)
    if tz is None:
        return times, dropped
    check_zone(tz)
    if times.dt.tz is not None:
        return times.dt.tz_convert(tz), dropped
    n = len(times)
    summer = times.dt.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    winter = times.dt.tz_localize(tz, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    dropped = summer.isna().to_numpy()
    ambiguous = (summer != winter).to_numpy() & ~dropped
    repeat = times[ambiguous].groupby(times[ambiguous]).cumcount().to_numpy()
    second = np.zeros(n, dtype=bool)
    second[np.flatnonzero(ambiguous)[repeat == 1]] = True
    local = summer.where(~second, winter)
    return local[~dropped], dropped


def out_of_range(times: pd.Series) -> np.ndarray:
    """Times before FIRST_DATE or after LAST_DATE (a year typed 9999 or 0001)."""
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None) if times.dt.tz else times
    return ((naive < FIRST_DATE) | (naive > LAST_DATE)).to_numpy()

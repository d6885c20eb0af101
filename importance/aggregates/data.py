"""The Data page's figures and words: the series picker's options, a chart-sized series that
keeps its peaks, its span, the public holidays marked on it, runs of filled gaps, the
statistics table, variance shares, how a source was read and the dirty values found in it,
and what the autocorrelation shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from importance.data.holidays import country_name, holiday_dates
from importance.data.steps import ONE_WEEK, duration
from importance.data.types import QualityNote

ONE_DAY = pd.Timedelta(days=1)
MAX_POINTS = 3_000  # per chart trace (1,500 min-max buckets, over one per pixel of a laptop chart)


def series_option(series_id: str, name: str | None, rows: int | None) -> str:
    """A series in the picker: "5060 (Duomo)", "BS 12 · 168 rows"."""
    text = f"{series_id} ({name})" if name else series_id
    return f"{text} · {rows:,} rows" if rows else text


def downsample(s: pd.Series, max_points: int = MAX_POINTS) -> pd.Series:
    """At most `max_points` points that keep every bucket's minimum and maximum (peaks survive)."""
    n = len(s)
    if n <= max_points:
        return s
    buckets = max_points // 2
    size = -(-n // buckets)  # ceil
    v = np.full(buckets * size, np.nan)
    v[:n] = s.to_numpy(dtype=np.float64)
    blocks = v.reshape(buckets, size)  # (buckets, size)
    valid = ~np.isnan(blocks).all(axis=1)
    base = np.arange(buckets)[valid] * size
    lo = base + np.nanargmin(blocks[valid], axis=1)
    hi = base + np.nanargmax(blocks[valid], axis=1)
    keep = np.unique(np.concatenate([lo, hi]))
    return s.iloc[keep]


def gap_runs(filled: pd.DatetimeIndex, freq: pd.Timedelta) -> pd.DataFrame:
    """Contiguous runs of filled timestamps: start, end (last filled step) and points."""
    if len(filled) == 0:
        return pd.DataFrame({"start": pd.DatetimeIndex([], tz=filled.tz),
                             "end": pd.DatetimeIndex([], tz=filled.tz),
                             "points": np.array([], dtype=np.int64)})
    t = filled.sort_values()
    new = np.ones(len(t), dtype=bool)
    new[1:] = (t[1:] - t[:-1]) != freq
    run = np.cumsum(new) - 1
    df = pd.DataFrame({"time": t, "run": run})
    out = df.groupby("run")["time"].agg(["min", "max", "size"])
    return pd.DataFrame({"start": out["min"].to_numpy(), "end": out["max"].to_numpy(),
                         "points": out["size"].to_numpy()})


def stats_table(stats: Mapping[str, Any], n_filled: int) -> pd.DataFrame:
    """`importance.explore.summary_stats` as a two-column table of display strings (ratios the
    step cannot show, such as an hourly peak of daily data, are left out)."""
    n = int(stats["count"]) + int(stats.get("missing", 0))
    rows = [
        ("points", f"{n:,}"),
        ("from", f"{stats['start']:%Y-%m-%d %H:%M}"),
        ("to", f"{stats['end']:%Y-%m-%d %H:%M}"),
        ("interval", str(stats["freq"])),
        ("span", f"{stats['days']:.1f} days"),
        ("mean", f"{stats['mean']:,.2f}"),
        ("median", f"{stats['median']:,.2f}"),
        ("std", f"{stats['std']:,.2f}"),
        ("min", f"{stats['min']:,.2f}"),
        ("max", f"{stats['max']:,.2f}"),
        ("zeros", f"{stats['zeros_share']:.1%}"),
    ]
    for label, key in (("peak / trough (hourly means)", "peak_to_trough"),
                       ("weekend / weekday", "weekend_to_weekday")):
        if np.isfinite(stats[key]):
            rows.append((label, f"{stats[key]:,.2f}x"))
    rows.append(("filled gaps", f"{n_filled:,} points ({n_filled / max(n, 1):.2%})"))
    return pd.DataFrame(rows, columns=["statistic", "value"])


def shares_text(shares: pd.Series) -> str:
    """Variance shares as words, largest first: "daily 83%, weekly 10%, ..."."""
    return ", ".join(f"{k} {v:.0%}" for k, v in shares.sort_values(ascending=False).items())


def detected_table(detected: Iterable[tuple[str, str]], step: pd.Timedelta,
                   points: int) -> pd.DataFrame:
    """How a source was read (layout, format, columns, zone) plus its step, as a table."""
    rows = [*detected, ("step", f"{duration(step)} ({points:,} points)")]
    return pd.DataFrame(rows, columns=["what", "found"])


def note_lines(notes: Iterable[QualityNote]) -> list[str]:
    """Dirty values found in the source as markdown lines: how many, the rule, the first one."""
    return [f"**{n.issue}: {n.count:,}**, {n.rule}"
            + (f" (first: {n.example.replace('*', '')})" if n.example else "") for n in notes]


def span_days(index: pd.DatetimeIndex) -> float:
    """Days from the first to the last point."""
    return float((index[-1] - index[0]) / ONE_DAY)


def last_days(values: pd.Series, days: int = 7) -> pd.Series:
    """The series' last `days` days."""
    return values[values.index > values.index[-1] - pd.Timedelta(days=days)]


def holiday_marks(index: pd.DatetimeIndex, country: str
                  ) -> tuple[tuple[tuple[dt.date, str], ...], str]:
    """The public holidays of `country` within the series' dates and their legend words
    ("public holidays (Italy)"); ((), "") when the country has no holiday table."""
    try:
        return (tuple(holiday_dates(index, country)),
                f"public holidays ({country_name(country)})")
    except ValueError:
        return (), ""


def holiday_caption(words: str, country: str, step: pd.Timedelta, as_input: bool,
                    origin: str) -> str:
    """What the shading on the series means: the holidays of the Train form's country and
    where that country comes from (`origin`, e.g. the series' zone), and whether the runs take
    them as an input (`as_input`: the form's switch; never at weekly steps)."""
    if not country:
        return (f"No public holidays marked or used as input: {origin} (Train page, More "
                "settings, Holidays country).")
    if not words:
        return f"No public-holiday table for country {country!r}: no holidays marked."
    if as_input and step < ONE_WEEK:
        return (f"Shaded: {words}, {origin}; an input feature of the runs, by the series' "
                "local date (hover for the names).")
    return (f"Shaded: {words}; not an input of the runs "
            + ("at weekly steps." if step >= ONE_WEEK else "(switched off on the Train page)."))


def autocorrelation_caption(lags: int, step: pd.Timedelta) -> str:
    """What the ACF/PACF chart shows, and the season the lookback must cover."""
    season = "one day" if step < ONE_DAY else "one week"
    return (f"Autocorrelation (ACF) and partial autocorrelation (PACF) up to {lags} lags "
            f"({duration(lags * step)}); the shaded band is the 95% interval around zero. A "
            f"peak {season} back is the season the lookback window must cover.")

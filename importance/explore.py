"""Exploratory views of one series for the Data page: pure functions returning pandas objects.

Seasonal periods come from the sampling step (`seasons_of`): 144 and 1008 steps for 10-minute
data, 24 and 168 for hourly data, a weekly 7 (and a yearly 365 from two years on) for daily
data. Calendar groupings follow the step (`importance.calendar`) on the index's own clock
(local when aware, wall-clock when naive).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.stattools import acf, pacf

from importance import calendar
from importance.classical.base import ONE_DAY, UNITS, sampling_step, seasons_of
from importance.classical.mstl_arima import mstl_components, mstl_minimum

WEEKDAYS = calendar.WEEKDAYS


def _values(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError(f"series {series.name!r} has missing or non-finite values; "
                         "fill gaps first (importance.data.load_series does)")
    if values.std() <= 0:
        raise ValueError(f"series {series.name!r} is constant; nothing to explore")
    return values


def decompose(series: pd.Series) -> pd.DataFrame:
    """MSTL decomposition: columns observed, trend, one per season (daily, weekly, yearly),
    remainder.

    The seasons are those the sampling step defines (daily data: weekly, and yearly from two
    years on). Each needs two full seasons: the shortest is required, a longer one lacking data
    is absent and `attrs["note"]` says why. `attrs["periods"]` maps component -> period in steps.
    """
    values = _values(series)
    named = seasons_of(pd.DatetimeIndex(series.index)).seasonal("decomposition")
    (first, shortest), n = named[0], len(values)
    if n < mstl_minimum(shortest):
        raise ValueError(f"series {series.name!r} has {n} points; decomposition needs at least "
                         f"two {UNITS[first]}s and one step ({mstl_minimum(shortest)})")
    periods = {name: p for name, p in named if n >= mstl_minimum(p)}
    note = "; ".join(f"{name} component omitted: {n} points is less than two {UNITS[name]}s "
                     f"and one step ({mstl_minimum(p)})"
                     for name, p in named if name not in periods)
    trend, seasonal = mstl_components(values, tuple(periods.values()))
    out = pd.DataFrame({"observed": values, "trend": trend}, index=series.index)
    for j, name in enumerate(periods):
        out[name] = seasonal[:, j]
    out["remainder"] = values - trend - seasonal.sum(axis=1)
    out.attrs.update(periods=periods, note=note)
    return out


def variance_shares(decomposition: pd.DataFrame) -> pd.Series:
    """Each component's share of the summed component variances (trend, seasons, remainder)."""
    var = decomposition.drop(columns="observed").var()
    return var / var.sum()


def acf_lags(index_or_step: pd.DatetimeIndex | pd.Timedelta, n: int) -> int:
    """ACF/PACF lags to show for `n` points: a little over one day for sub-daily steps (PACF
    cost grows fast with lags), five weeks for daily and longer steps; below n / 2, >= 1."""
    step = (sampling_step(index_or_step) if isinstance(index_or_step, pd.DatetimeIndex)
            else pd.Timedelta(index_or_step))
    if step < ONE_DAY:
        day = max(ONE_DAY // step, 2)
        lags = day + max(day // 24, 1)
    else:
        lags = pd.Timedelta(weeks=5) // step
    return max(1, min(lags, n // 2 - 1))


def acf_pacf(series: pd.Series, nlags: int) -> pd.DataFrame:
    """ACF and PACF at lags 0..nlags with 95% band half-widths around 0.

    `acf_ci` is Bartlett's band (grows with the lag), `pacf_ci` is 1.96 / sqrt(n), as drawn by
    statsmodels' plot_acf / plot_pacf. The PACF uses Levinson-Durbin on the biased
    autocovariance (R's choice): always within [-1, 1] and ~1 s for 1008 lags, where the
    default Yule-Walker loop takes minutes and can leave [-1, 1] at long lags.
    """
    values = _values(series)
    if not 1 <= nlags < len(values) // 2:
        raise ValueError(f"nlags must be between 1 and {len(values) // 2 - 1} for "
                         f"{len(values)} points; got {nlags}")
    a = acf(values, nlags=nlags, alpha=0.05, fft=True, result_object=True)
    p = pacf(values, nlags=nlags, method="ldbiased", alpha=0.05, result_object=True)
    return pd.DataFrame({"lag": np.arange(nlags + 1), "acf": a.acf, "pacf": p.pacf,
                         "acf_ci": a.confint[:, 1] - a.acf, "pacf_ci": p.confint[:, 1] - p.pacf})


def weekday_profile(series: pd.Series) -> pd.DataFrame:
    """Mean by time of day ("HH:MM" index) and weekday (columns Mon..Sun).

    Daily data has one row, the time of its timestamps (usually "00:00").
    """
    index = pd.DatetimeIndex(series.index)
    keys = [index.strftime("%H:%M").rename("time_of_day"), index.day_of_week]
    table = series.groupby(keys).mean().unstack()
    table = table.reindex(columns=range(7))
    table.columns = pd.Index(WEEKDAYS, name="weekday")
    return table


def calendar_heatmap(series: pd.Series) -> pd.DataFrame:
    """Mean by the calendar grid of the series' step (`importance.calendar.grid`): weekday
    (rows Mon..Sun) x hour of day (columns 0..23) below a day, weekday x week of year (1..53)
    for daily data; empty for weekly and longer steps, which have no such grid. NaN: no data."""
    index = pd.DatetimeIndex(series.index)
    axes = calendar.grid(_step(index))
    if axes is None:
        return pd.DataFrame()
    return calendar.table(series.to_numpy(dtype=np.float64), index, *axes)


def _step(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    try:
        return sampling_step(index)
    except ValueError:  # irregular, or fewer than two timestamps
        return None


def _freq_name(index: pd.DatetimeIndex, step: pd.Timedelta | None) -> str:
    if step is not None:
        return pd.tseries.frequencies.to_offset(step).freqstr
    return "irregular" if len(index) >= 2 else "unknown"


def summary_stats(series: pd.Series) -> dict[str, Any]:
    """Count, span, interval and distribution of a series, plus two seasonality ratios.

    `peak_to_trough` is max / min of the mean hourly profile (NaN for steps of a day or more,
    which have no hours); `weekend_to_weekday` the ratio of the Saturday-Sunday mean to the
    Monday-Friday mean.
    """
    index = pd.DatetimeIndex(series.index)
    values = series.to_numpy(dtype=np.float64)
    ok = values[np.isfinite(values)]
    if len(ok) == 0:
        raise ValueError(f"series {series.name!r} has no finite values")
    step = _step(index)
    weekend = index.day_of_week >= 5
    weekday_mean = float(series[~weekend].mean())
    return {
        "count": len(ok), "missing": len(values) - len(ok),
        "start": index[0], "end": index[-1],
        "freq": _freq_name(index, step),
        "days": (index[-1] - index[0]) / ONE_DAY,
        "mean": float(ok.mean()), "std": float(ok.std()), "min": float(ok.min()),
        "median": float(np.median(ok)), "max": float(ok.max()),
        "zeros_share": float((ok == 0).mean()),
        "peak_to_trough": (np.nan if step is not None and step >= ONE_DAY
                           else _peak_to_trough(series.groupby(index.hour).mean())),
        "weekend_to_weekday": (float(series[weekend].mean()) / weekday_mean
                               if weekend.any() and weekday_mean > 0 else np.nan),
    }


def _peak_to_trough(hourly: pd.Series) -> float:
    return float(hourly.max() / hourly.min()) if hourly.min() > 0 else np.inf

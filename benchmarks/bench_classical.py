"""Benchmark the classical baselines on the default series: fit/predict time and test metrics.

Run from the repository root: python -m benchmarks.bench_classical [--original] [--smoke]
(--original adds rows with log1p=False, i.e. models fitted on original values; --smoke fits
on the series' last 21 days only, a check that it runs).
Uses importance.data.load_series() when it exists, else a generated Milan-like series
(62 days of 10-minute data).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import pandas as pd

from importance.classical import CLASSICAL_MODELS, forecast_classical
from importance.config import WindowConfig
from importance.data.windows import make_windows
from importance.metrics import forecast_metrics

SMOKE_DAYS = 21
_HOURLY = np.array([.63, .53, .49, .48, .48, .53, .71, .95, 1.17, 1.30, 1.33, 1.30, 1.35, 1.30,
                    1.29, 1.31, 1.33, 1.32, 1.29, 1.21, 1.10, .99, .87, .76])


def generated_series(days: int = 62, seed: int = 0) -> pd.Series:
    """Milan-like: hourly weekday profile, weekend 0.85x, AR(1) log noise, 10-minute slots."""
    index = pd.date_range("2013-11-01", periods=days * 144, freq="10min", tz="Europe/Rome")
    hour = (index.hour + index.minute / 60).to_numpy()
    daily = np.interp(hour, np.arange(25), np.append(_HOURLY, _HOURLY[0]))
    weekly = np.where(index.day_of_week.to_numpy() >= 5, 0.85, 1.0)
    eps = np.random.default_rng(seed).normal(0.0, 0.06, len(index))
    ar = np.zeros(len(index))
    for t in range(1, len(index)):
        ar[t] = 0.8 * ar[t - 1] + eps[t]
    return pd.Series(550.0 * daily * weekly * np.exp(ar), index=index, name="generated")


def default_series() -> tuple[pd.Series, str]:
    try:
        from importance.data import load_series
    except ImportError:
        return generated_series(), "generated (importance.data.load_series not available)"
    loaded = load_series()
    return loaded.values, f"load_series(): {loaded.label}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", action="store_true", help="also model original values")
    parser.add_argument("--smoke", action="store_true",
                        help=f"the series' last {SMOKE_DAYS} days (a check that it runs)")
    args = parser.parse_args()
    series, source = default_series()
    if args.smoke:
        series, source = series[-SMOKE_DAYS * 144:], f"{source}, last {SMOKE_DAYS} days"
    print(f"series: {source}; {len(series)} points, {series.index[0]} .. {series.index[-1]}")
    configs = [WindowConfig(), WindowConfig(horizon=6)]
    if args.original:
        configs += [dataclasses.replace(c, log1p=False) for c in configs]
    print(f"{'model':<22} {'h':>2} {'space':<8} {'fit_s':>6} {'pred_s':>6} {'MAE':>8} "
          f"{'RMSE':>8} {'sMAPE%':>7}  label")
    for cfg in configs:
        ws = make_windows(series, cfg)
        actual = ws.actual("test")
        for name in CLASSICAL_MODELS:
            t0 = time.perf_counter()
            fc = forecast_classical(name, ws)
            wall = time.perf_counter() - t0
            m = forecast_metrics(actual, fc.predictions)
            print(f"{name:<22} {cfg.horizon:>2} {fc.params['space']:<8} {fc.fit_s:6.2f} "
                  f"{fc.predict_s:6.2f} {m['mae']:8.2f} {m['rmse']:8.2f} {m['smape']:7.2f}  "
                  f"{fc.label} (wall {wall:.1f}s){' WARN' if 'warnings' in fc.params else ''}")
        flat = np.full_like(actual, ws.series.to_numpy()[:ws.bounds[1]].mean())
        m = forecast_metrics(actual, flat)
        print(f"{'(flat train+val mean)':<22} {cfg.horizon:>2} {'':<8} {'':>6} {'':>6} "
              f"{m['mae']:8.2f} {m['rmse']:8.2f} {m['smape']:7.2f}")


if __name__ == "__main__":
    main()

"""Windowing: a series -> (lookback x features) inputs and horizon targets, split in time.

The split is chronological (train | validation | test) and no window crosses a
boundary: every input and target step of a window lies inside its own segment.
The scaler (optional log1p, then standardisation) is fitted on the train segment only.
A split's windows are positions into the one scaled (T, F) array of the series, gathered when
indexed (a batch, a prediction's chunk): memory grows with the points, not with windows x
lookback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from importance.config import WindowConfig
from importance.data.holidays import holiday_flags
from importance.data.steps import ONE_DAY, ONE_WEEK, check_fits

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Scaler:
    """y -> (log1p(y) - mean) / std, fitted on the train segment."""

    log1p: bool
    mean: float
    std: float

    def transform(self, y: np.ndarray) -> np.ndarray:
        z = np.log1p(y) if self.log1p else y
        return (z - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        y = np.asarray(z, dtype=np.float64) * self.std + self.mean
        return np.expm1(y) if self.log1p else y


Index = int | slice | np.ndarray  # windows by position: one, a range, indices or a mask


@dataclass(frozen=True)
class Windows:
    """One split's windows as positions into the scaled values of their series, never copied:
    window i's inputs are `values[anchor[i] - lookback:anchor[i]]` (lookback x F), its targets
    the value column of `values[anchor[i]:anchor[i] + horizon]`. `start[i]` is the position of
    window i's first target in its own series (one series: `anchor` is `start`; a panel's
    `anchor` adds its series' offset in the concatenated `values`).

    `x` (N, lookback, F) and `y` (N, horizon) read like the arrays they stand for (`WindowArray`:
    `len`, `shape`, `[i]`, `[a:b]`, `[indices]`), gathering only the windows indexed."""

    values: np.ndarray  # (P, F) float32, scaled: the value, then the calendar features
    anchor: np.ndarray  # (N,) int64
    start: np.ndarray  # (N,) int64
    lookback: int
    horizon: int

    def __len__(self) -> int:
        return len(self.start)

    def inputs(self, idx: Index) -> np.ndarray:
        """Inputs of windows `idx` (an int, a slice, indices or a mask): (..., lookback, F)."""
        pos = np.asarray(self.anchor[idx])
        return self.values[pos[..., None] + np.arange(-self.lookback, 0)]

    def targets(self, idx: Index) -> np.ndarray:
        """Scaled targets of windows `idx`: (..., horizon)."""
        pos = np.asarray(self.anchor[idx])
        return self.values[pos[..., None] + np.arange(self.horizon), 0]

    @property
    def x(self) -> WindowArray:
        return WindowArray(self, targets=False)

    @property
    def y(self) -> WindowArray:
        return WindowArray(self, targets=True)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays held (the values are shared with the other splits)."""
        positions = self.anchor.nbytes + (0 if self.start is self.anchor else self.start.nbytes)
        return self.values.nbytes + positions


class WindowArray:
    """A split's inputs (N, lookback, F) or targets (N, horizon) as a read-only array: indexing
    the first axis (`[i]`, `[a:b]`, `[indices]`, `[mask]`, then any further axes) gathers those
    windows from the series' values; `np.asarray` gathers them all."""

    def __init__(self, windows: Windows, *, targets: bool):
        self.windows, self.is_targets = windows, targets
        w = windows
        self.shape = ((len(w), w.horizon) if targets
                      else (len(w), w.lookback, w.values.shape[1]))
        self.dtype = w.values.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Index | tuple) -> np.ndarray:
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        w = self.windows
        out = w.targets(first) if self.is_targets else w.inputs(first)
        if not rest:
            return out
        return out[rest] if out.ndim < self.ndim else out[(slice(None), *rest)]

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)


class Splits:
    """What a windowed series and a panel share: their splits by name and the feature count
    (subclasses hold `train`, `val`, `test` and `feature_names`)."""

    feature_names: tuple[str, ...]

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def split(self, name: str) -> Windows:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; allowed: {', '.join(SPLITS)}")
        return getattr(self, name)


@dataclass(frozen=True)
class WindowedSeries(Splits):
    """A series cut into train/val/test windows plus what is needed to undo the scaling."""

    config: WindowConfig
    series: pd.Series  # the original series (original units)
    scaler: Scaler
    bounds: tuple[int, int]  # series positions where val and test segments start
    train: Windows
    val: Windows
    test: Windows
    feature_names: tuple[str, ...]


    def target_times(self, name: str) -> pd.DatetimeIndex:
        """Timestamp of each window's first target step."""
        return self.series.index[self.split(name).start]

    def actual(self, name: str) -> np.ndarray:
        """Targets in original units, (N, horizon)."""
        w = self.split(name)
        return self.series.to_numpy()[w.start[:, None] + np.arange(self.config.horizon)]

    def inverse(self, name: str, z: np.ndarray) -> np.ndarray:
        """Scaled values of split `name`'s windows, (N, ...), in original units."""
        self.split(name)
        return self.scaler.inverse(z)


def calendar_features(index: pd.DatetimeIndex, holidays: str | None = None,
                      ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Time of day and day of week as sin/cos, then `holidays`' public holidays as 0/1 (T, <= 5),
    and their names, on the index's own clock.

    Only the cycles the step can show: no time of day at daily steps, nothing at weekly ones
    (no holiday flag either).
    """
    step = series_step(index)
    hour = (index.hour + index.minute / 60.0).to_numpy() / 24.0
    dow = (index.day_of_week.to_numpy() + hour) / 7.0
    two_pi = 2 * np.pi
    columns, names = [], []
    for name, phase, shown in (("hour", hour, step < ONE_DAY), ("dow", dow, step < ONE_WEEK)):
        if shown:
            columns += [np.sin(two_pi * phase), np.cos(two_pi * phase)]
            names += [f"{name}_sin", f"{name}_cos"]
    if holidays is not None and step < ONE_WEEK:
        columns.append(holiday_flags(index, holidays))
        names.append("holiday")
    return np.stack(columns, axis=1) if columns else np.zeros((len(index), 0)), tuple(names)


def series_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The median step of a regular index (robust to 23/25-hour days at daily steps)."""
    if len(index) < 2:
        return pd.Timedelta(0)
    return pd.Timedelta(int(np.median(np.diff(index.asi8))), unit=index.unit)


def _segment_starts(a: int, b: int, cfg: WindowConfig, stride: int) -> np.ndarray:
    """First-target positions of windows lying fully inside [a, b)."""
    return np.arange(a + cfg.lookback, b - cfg.horizon + 1, stride, dtype=np.int64)


def _check(cfg: WindowConfig, n: int, name: str, step: pd.Timedelta | None) -> None:
    if cfg.lookback < 1 or not 1 <= cfg.horizon <= 1008 or cfg.stride < 1:
        raise ValueError(f"need lookback >= 1, 1 <= horizon <= 1008, stride >= 1; got "
                         f"lookback={cfg.lookback}, horizon={cfg.horizon}, stride={cfg.stride}")
    if not (0 < cfg.train_frac < 1 and 0 < cfg.val_frac < 1 and cfg.train_frac + cfg.val_frac < 1):
        raise ValueError(f"need 0 < train_frac, val_frac and train_frac + val_frac < 1; got "
                         f"train_frac={cfg.train_frac}, val_frac={cfg.val_frac}")
    check_fits(n, cfg, step, f"series {name!r}")


def make_windows(series: pd.Series, cfg: WindowConfig) -> WindowedSeries:
    """Cut `series` (regular, no NaN, DatetimeIndex) into scaled train/val/test windows."""
    values = series.to_numpy(dtype=np.float64)
    n = len(values)
    _check(cfg, n, str(series.name), series_step(pd.DatetimeIndex(series.index)) or None)
    if np.isnan(values).any():
        raise ValueError(f"series {series.name!r} has NaN values; load it through "
                         "importance.data.load_series, which fills gaps")
    if cfg.log1p and values.min() < 0:
        raise ValueError(f"log1p needs non-negative values but series {series.name!r} has "
                         f"minimum {values.min():g}; set log1p=False")
    v_start = int(round(n * cfg.train_frac))
    t_start = int(round(n * (cfg.train_frac + cfg.val_frac)))
    fit = np.log1p(values[:v_start]) if cfg.log1p else values[:v_start]
    scaler = Scaler(cfg.log1p, float(fit.mean()), float(fit.std()) or 1.0)
    z = scaler.transform(values)[:, None]  # (T, 1)
    names: tuple[str, ...] = ("value",)
    if cfg.calendar:
        features, feature_names = calendar_features(pd.DatetimeIndex(series.index),
                                                    cfg.holidays)
        z = np.concatenate([z, features], axis=1)
        names += feature_names
    z = np.ascontiguousarray(z, dtype=np.float32)  # (T, F)

    def cut(a: int, b: int, stride: int) -> Windows:
        start = _segment_starts(a, b, cfg, stride)
        return Windows(z, anchor=start, start=start, lookback=cfg.lookback, horizon=cfg.horizon)

    return WindowedSeries(
        config=cfg, series=series, scaler=scaler, bounds=(v_start, t_start),
        train=cut(0, v_start, cfg.stride), val=cut(v_start, t_start, 1),
        test=cut(t_start, n, 1), feature_names=names,
    )

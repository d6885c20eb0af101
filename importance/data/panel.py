"""Several series of one file as one training set: each series windowed on its own
(`make_windows`: its own split and scaler, fitted on its own train segment), then the train,
validation and test windows of all series concatenated, series after series: as positions into
one array of all the series' scaled values (`Windows`), never as copies of the windows.

`WindowedPanel` answers what training and evaluation ask of a `WindowedSeries` (the splits'
windows, `n_features`, `actual`, `target_times`, `inverse`), so the trainer and the strategies
run on it unchanged; `owner(split)` says which series each window belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from importance.config import WindowConfig
from importance.data.steps import duration
from importance.data.types import LoadedSeries
from importance.data.windows import (
    SPLITS,
    Scaler,
    Splits,
    WindowedSeries,
    Windows,
    make_windows,
    series_step,
)


@dataclass(frozen=True)
class WindowedPanel(Splits):
    """The windows of several series, concatenated per split (series after series)."""

    config: WindowConfig
    names: tuple[str, ...]  # series ids, in the order of their windows
    series: tuple[pd.Series, ...]  # each series in original units
    scalers: tuple[Scaler, ...]  # each series' own, fitted on its train segment
    train: Windows  # `start` is the position in the window's own series
    val: Windows
    test: Windows
    offsets: Mapping[str, np.ndarray]  # split -> (K+1,): series k's windows are [o[k], o[k+1])
    feature_names: tuple[str, ...]


    def slices(self, name: str) -> list[slice]:
        """Series k's windows in split `name`: `slices(name)[k]`."""
        o = self.offsets[name]
        return [slice(int(a), int(b)) for a, b in zip(o[:-1], o[1:], strict=True)]

    def owner(self, name: str) -> np.ndarray:
        """(N,) index into `names` of each window's series."""
        return np.repeat(np.arange(len(self.names)), np.diff(self.offsets[name]))

    def target_times(self, name: str) -> pd.DatetimeIndex:
        """Timestamp of each window's first target step (series after series)."""
        start = self.split(name).start
        parts = [s.index[start[sl]] for s, sl in zip(self.series, self.slices(name), strict=True)]
        return parts[0].append(parts[1:])

    def actual(self, name: str) -> np.ndarray:
        """Targets in original units, (N, horizon)."""
        start, steps = self.split(name).start, np.arange(self.config.horizon)
        return np.concatenate([s.to_numpy()[start[sl, None] + steps]
                               for s, sl in zip(self.series, self.slices(name), strict=True)])

    def inverse(self, name: str, z: np.ndarray) -> np.ndarray:
        """Scaled values of split `name`'s windows, (N, ...), in original units: each window
        by its own series' scaler."""
        out = np.empty(np.shape(z), dtype=np.float64)
        for scaler, sl in zip(self.scalers, self.slices(name), strict=True):
            out[sl] = scaler.inverse(z[sl])
        return out


Windowed = WindowedSeries | WindowedPanel  # what the trainer and the evaluation accept


def make_panel(series: Sequence[pd.Series], names: Sequence[str],
               cfg: WindowConfig) -> WindowedPanel:
    """Window each series with `make_windows` and concatenate their windows per split.

    Every series must have the same step and hold the window in three splits; a ValueError
    names the series that does not (or that is given twice).
    """
    names = tuple(str(n) for n in names)
    if not series or len(series) != len(names):
        raise ValueError(f"need one name per series, at least one; got {len(series)} series "
                         f"and {len(names)} names")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"series {', '.join(map(repr, twice))} chosen more than once")
    steps = [series_step(pd.DatetimeIndex(s.index)) for s in series]
    for name, step in zip(names, steps, strict=True):
        if step != steps[0]:
            raise ValueError(f"series {name!r} has a {duration(step)} step but series "
                             f"{names[0]!r} a {duration(steps[0])} step: the series of one "
                             "model must share the step")
    # named by id, so make_windows' errors (too short, NaN, negative values) name the series
    parts = [make_windows(s.rename(n), cfg) for s, n in zip(series, names, strict=True)]
    # one (P, F) array of every series' scaled values, series after series; the windows are
    # positions into it (`Windows.anchor`: a window's position in its series + its series' base)
    values = np.concatenate([p.train.values for p in parts])
    base = np.concatenate([[0], np.cumsum([len(p.train.values) for p in parts])[:-1]])
    splits = {}
    offsets = {}
    for split in SPLITS:
        w = [p.split(split) for p in parts]
        offsets[split] = np.concatenate([[0], np.cumsum([len(x) for x in w])])
        anchor = np.concatenate([x.start + b for x, b in zip(w, base, strict=True)])
        splits[split] = Windows(values, anchor=anchor, start=np.concatenate([x.start for x in w]),
                                lookback=cfg.lookback, horizon=cfg.horizon)
    return WindowedPanel(config=cfg, names=names, series=tuple(series),
                         scalers=tuple(p.scaler for p in parts), offsets=offsets,
                         feature_names=parts[0].feature_names, **splits)


LABEL_IDS = 3  # series ids a panel's label names before "..."


def panel_label(loaded: Sequence[LoadedSeries]) -> str:
    """One label for several series, naming the count and the first few:
    "3 series: square 5060 (Duomo), square 4259, square 5061 · internet",
    "1,000 series: cell 1, cell 2, cell 3, ... · Energy"."""
    if len(loaded) == 1:
        return loaded[0].label
    shown = [s.label.rsplit(" · ", 1)[0] for s in loaded[:LABEL_IDS]]
    more = ", ..." if len(loaded) > LABEL_IDS else ""
    return f"{len(loaded):,} series: {', '.join(shown)}{more} · {loaded[0].column}"

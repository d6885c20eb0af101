"""The launch plan every surface uses: the Train page's and the Data page's Launch and
`importance compare` plan a comparison (`plan_comparison`), the Sweep page and `importance
sweep` a grid (`plan_sweep`). A plan loads the series once (their file parsed once:
`importance.data.cache`), builds the runs' configs from what it loaded (a form, or the
command's options), checks them on it (the memory guard, then the preflight) and returns
them with the loaded series, so nothing after it reads the file again.

A plan that cannot work is refused before anything is queued, with a ValueError whose message
names what is wrong: `DataError` (the file, series, column or value; a series too short for
the window, constant), `MemoryGuardError` (the estimate, the limit and what would fit), or a
ValueError naming the setting (no strategy, a bad country or seed).

    plan = plan_comparison(form, dataset.config, lanes=manager.lanes)   # or (args, data)
    manager.submit(plan.configs, ...)

Time estimates from the plan's series: `time_estimate` (a comparison), `sweep_estimate`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from importance import estimate as timing
from importance.config import DataConfig, RunConfig
from importance.data import LoadedSeries, describe, load_many
from importance.data.cells import Cells, is_wide
from importance.launch import LaunchForm
from importance.runs.identity import RunInfo
from importance.runs.memory import (
    MemoryEstimate,
    check_at_once,
    check_series,
    n_features,
    n_windows,
)
from importance.runs.memory import estimate as memory_estimate
from importance.sweep.grid import Axes, Cell, expand

# What a plan is made from: the Train form, or `importance compare`/`sweep`'s parsed options
Request = LaunchForm | argparse.Namespace
MakeRun = Callable[[str, float, int], RunConfig]  # (strategy, keep ratio, seed) -> config


@dataclass(frozen=True)
class Plan:
    """A comparison ready to queue: its runs, seed by seed (each seed's strategies in order),
    the series they train on as loaded, the window's reasons (a default lookback, log1p off)
    and the memory estimate of its largest run."""

    configs: tuple[RunConfig, ...]
    loaded: tuple[LoadedSeries, ...]
    memory: MemoryEstimate
    reasons: tuple[str, ...] = ()

    @property
    def data(self) -> DataConfig:
        return self.configs[0].data

    @property
    def values(self) -> list[pd.Series]:
        """Each series' values (one, or a panel's)."""
        return [s.values for s in self.loaded]

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(c.train.seed for c in self.configs))

    def by_seed(self) -> dict[int, list[RunConfig]]:
        """The runs of each seed, in launch order."""
        return {seed: [c for c in self.configs if c.train.seed == seed] for seed in self.seeds}


@dataclass(frozen=True)
class SweepPlan:
    """A sweep's grid ready to run: its cells (series-major) on data whose paths are absolute
    and column named (workers read the file; one grid, one sweep id), and each series the grid
    trains on as loaded (by id: a group's cells each, `Axes.groups`)."""

    axes: Axes
    cells: tuple[Cell, ...]
    data: DataConfig
    loaded: Mapping[str | None, LoadedSeries]

    @property
    def paths(self) -> list[str]:
        """The files the workers read ([] for the embedded default)."""
        path = self.data.path
        return [] if path is None else [path] if isinstance(path, str) else list(path)

    def configs(self, series: str | None) -> list[RunConfig]:
        """The runs of one series (or group) of the grid."""
        return [c.config for c in self.cells if c.series == series]

    def series_of(self, series: str | None) -> tuple[LoadedSeries, ...]:
        """What the runs of one series of the grid train on: it, or its group's cells."""
        return tuple(self.loaded[s] for s in self.axes.members(series))

    def data_of(self, series: str | None) -> DataConfig:
        """The data of the runs of one series of the grid: it, or its group's cells (one
        global model on them)."""
        if not self.axes.groups:
            return replace(self.data, series=series)
        return Cells(str(series), tuple(self.axes.members(series))).data_config(self.data)


def plan_comparison(request: Request, data: DataConfig, *, lanes: int = 1,
                    available: int | None = None) -> Plan:
    """Load the series of a comparison once (`data`, with a form's series), build its runs
    from `request` (a form: `LaunchForm.configs`; the options of `importance compare`: their
    window for these series, one run per seed and strategy) and check them: the memory guard
    with `lanes` runs at once (`available` bytes: measured when None), then the preflight.
    Raises as the module docstring says."""
    data = request.data_config(data) if isinstance(request, LaunchForm) else data
    loaded = _load(data, [m.series for m in data.members()])
    configs, reasons = _comparison_runs(request, data, loaded)
    estimate = check_series(configs, [s.values for s in loaded] if data.is_panel
                            else loaded[0].values, lanes=lanes, available=available)
    _preflight(configs[0], loaded)  # the runs share data and window
    return Plan(tuple(configs), loaded, estimate, reasons)


def sweep_grid(request: Request, data: DataConfig, axes: Axes) -> SweepPlan:
    """A sweep's cells, every series of `axes` loaded once (the file parsed once) and each
    cell's config built from `request` (a form; or `importance sweep`'s options: each series
    its own default window; a group of cells, `Axes.groups`, the window of its panel),
    nothing checked: `plan_sweep` checks."""
    data = _for_workers(data)
    ids = list(dict.fromkeys(m for s in axes.series for m in axes.members(s)))
    grid = SweepPlan(axes, (), data, dict(zip(ids, _load(data, ids), strict=True)))
    makers = {s: _run_maker(request, grid.data_of(s), grid.series_of(s))[0]
              for s in axes.series}
    cells = expand(axes, lambda strategy, keep, seed, s: makers[s](strategy, keep, seed))
    return replace(grid, cells=tuple(cells))


def plan_sweep(request: Request, data: DataConfig, axes: Axes, *,
               guard_memory: bool = True, workers: int = 1) -> SweepPlan:
    """`sweep_grid`, each series checked here rather than in every worker: the memory guard
    (each run alone, then the `workers` largest of the whole grid together: they train at once
    on this machine; `guard_memory` False when they run on a cluster's; a group's runs: the
    panel's scale guard, memory and time per epoch), then the preflight.
    Raises as the module docstring says."""
    plan = sweep_grid(request, data, axes)
    peaks: list[int] = []
    for s in axes.series:
        configs = plan.configs(s)
        if guard_memory:
            panel = configs[0].data.is_panel
            values = [one.values for one in plan.series_of(s)]
            check_series(configs, values if panel else values[0])
            features = n_features(pd.DatetimeIndex(values[0].index), configs[0].window)
            points = [len(v) for v in values] if panel else len(values[0])
            peaks += [memory_estimate(c, points, features).total for c in configs]
        _preflight(configs[0], plan.series_of(s))
    if guard_memory:
        check_at_once(peaks, workers, "the sweep's workers",
                      "Run it with fewer workers (--workers, or the Sweep page's workers)")
    return plan


def time_estimate(configs: Sequence[RunConfig], values: Sequence[pd.Series],
                  runs: Iterable[RunInfo], *, start_s: float = 0.0, lanes: int = 1,
                  sweep: bool = False) -> timing.Estimate:
    """How long `configs` (one comparison on `values`, its series) take `lanes` at a time, at
    the epoch costs learned from the stored `runs` (`importance.estimate.epoch_costs`, scaled
    by the series' training windows when no run has these settings; on a sweep's worker with
    `sweep`), the first after `start_s` (the workers' start)."""
    windows = sum(n_windows(len(v), configs[0].window)[0] for v in values)
    costs = timing.epoch_costs(runs, configs[0], windows, sweep=sweep)
    return timing.comparison_estimate(configs, costs, start_s, lanes)


def sweep_estimate(plan: SweepPlan, runs: Iterable[RunInfo], *, parallel: int,
                   start_s: float) -> timing.Estimate:
    """How long a sweep takes: each series' runs (a group's: on its cells' windows) as a
    comparison's on a sweep's worker (`time_estimate`), all of them `parallel` at a time after
    the cluster's `start_s`."""
    stored = list(runs)
    seconds: list[float] = []
    costs = timing.EpochCosts({})
    for k, s in enumerate(plan.axes.series):
        est = time_estimate(plan.configs(s), [one.values for one in plan.series_of(s)], stored,
                            sweep=True)
        seconds += est.runs
        costs = est.costs if k == 0 else costs
    return timing.Estimate((seconds[0] + start_s, *seconds[1:]), costs, start_s, parallel)


def _load(data: DataConfig, series: Sequence[str | None]) -> tuple[LoadedSeries, ...]:
    return load_many(data.path, series, column=data.column, time_column=data.time_column,
                     series_column=data.series_column, tz=data.tz, year=data.year)


def _log1p(loaded: Sequence[LoadedSeries]) -> bool:
    """log1p scaling needs non-negative values in every series."""
    return all(bool((s.values >= 0).all()) for s in loaded)


def _log1p_reasons(loaded: Sequence[LoadedSeries]) -> tuple[str, ...]:
    negative = [str(s.series) for s in loaded if (s.values < 0).any()]
    return (f"log1p scaling off: series {', '.join(negative)} has negative values",
            ) if negative else ()


def _comparison_runs(request: Request, data: DataConfig, loaded: Sequence[LoadedSeries]
                     ) -> tuple[list[RunConfig], tuple[str, ...]]:
    """A comparison's runs, seed by seed, and the window's reasons: a form's
    (`LaunchForm.configs`, log1p off for negative values), or one per seed and strategy of
    `importance compare`'s options."""
    if isinstance(request, LaunchForm):
        return request.configs(data, log1p=_log1p(loaded)), _log1p_reasons(loaded)
    from importance.cli_options import seeds_from_args  # torch (the model kinds)

    make, reasons = _run_maker(request, data, loaded)
    return [make(strategy, request.keep_ratio, seed) for seed in seeds_from_args(request)
            for strategy in request.strategies], reasons


def _run_maker(request: Request, data: DataConfig,
               loaded: Sequence[LoadedSeries]) -> tuple[MakeRun, tuple[str, ...]]:
    """How `request` builds one run on `data` (its series as loaded), and the window's
    reasons: a form's settings (log1p off for negative values), or the command's options with
    the window they give these series (`cli_options.window_from_args`)."""
    if isinstance(request, LaunchForm):
        log1p = _log1p(loaded)

        def from_form(strategy: str, keep: float, seed: int) -> RunConfig:
            one = replace(request, strategies=(strategy,), keep_ratio=keep, seed=seed,
                          series=())
            return one.configs(data, log1p=log1p)[0]
        return from_form, _log1p_reasons(loaded)
    from importance.cli_options import run_config, window_from_args  # torch: commands only

    choice = window_from_args(request, *loaded)
    return (lambda strategy, keep, seed: run_config(request, data, choice.config, strategy,
                                                    keep, seed)), choice.reasons


def _for_workers(data: DataConfig) -> DataConfig:
    """`data` with absolute paths (a worker's working folder may differ) and its column named
    (`describe`'s default: the same grid gets the same sweep id either way), but for a wide
    file's cells: each is its own column (`importance.data.cells`), none named."""
    if data.path is not None:
        paths = data.path if isinstance(data.path, tuple) else (data.path,)
        absolute = tuple(str(Path(p).resolve()) for p in paths)
        data = replace(data, path=absolute if isinstance(data.path, tuple) else absolute[0])
    if data.column is None:
        info = describe(data)
        if not is_wide(info):
            data = replace(data, column=info.default_column)
    return data


def _preflight(cfg: RunConfig, loaded: Sequence[LoadedSeries]) -> None:
    from importance.experiment import preflight  # torch: only when a plan is checked

    preflight(cfg, loaded)

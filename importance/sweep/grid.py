"""A sweep's grid: strategies x keep ratios x seeds x series, expanded into one cell per run.
A series of the grid may be a group of cells (`Axes.groups`, `importance.sweep.groups`): its
runs train one global model over the group's cells, and its name stands for it in the keys.

    axes = Axes(strategies=("full", "gradnorm"), keep_ratios=(0.5, 0.7), seeds=(0, 1),
                series=("5060", "4259"))
    cells = expand(axes, make_config)      # make_config(strategy, keep_ratio, seed, series)
    sweep_id(cells)                        # same grid and configs -> same id (resume)

A cell's `key` is stable (`gradnorm-k0.7-s1-5060`), so a sweep run again finds the cells it
has finished. A strategy that takes no keep ratio (`full`, `dpet`) gets one cell per
seed and series, not one per keep ratio: those runs would be identical (its key has no
`-k` part and its `keep_ratio` is None). InfoBatch takes the keep ratio as its target budget.

Parsing the command line's lists (`parse_*`) and choosing series (`resolve_series`: ids,
patterns, `all`, or `top:N` by volume, `importance.data.cells`) raise ValueError with what
was passed and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importance.config import DataConfig, RunConfig
from importance.strategies import STRATEGIES, accepted_params

if TYPE_CHECKING:
    from importance.data.cells import Cells

DEFAULT_SERIES = "default"  # a cell's series name when the file holds one unnamed series
MAX_CELLS = 100_000  # a grid larger than this is refused (likely a typo in a range)
_RANGE = re.compile(r"(\d+)-(\d+)")


@dataclass(frozen=True)
class Axes:
    """What a sweep varies; every other setting is in the configs `make_config` builds."""

    strategies: tuple[str, ...]
    keep_ratios: tuple[float, ...]
    seeds: tuple[int, ...]
    series: tuple[str | None, ...]  # None: the file's only (or default) series
    # a sweep over cell groups (`importance.sweep.groups`): each series above is a group's
    # name, and this holds (name, its cells) in the same order; one global model per group
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def members(self, series: str | None) -> tuple[str | None, ...]:
        """The cells a series of the grid trains on: a group's, else the series itself."""
        return dict(self.groups).get(series, (series,)) if self.groups else (series,)

    def to_dict(self) -> dict:
        out = {"strategies": list(self.strategies), "keep_ratios": list(self.keep_ratios),
               "seeds": list(self.seeds), "series": list(self.series)}
        if self.groups:
            out["groups"] = {name: list(cells) for name, cells in self.groups}
        return out


@dataclass(frozen=True)
class Cell:
    """One run of a sweep."""

    key: str  # stable within the sweep, e.g. "gradnorm-k0.7-s1-5060" or "full-s1-5060"
    strategy: str
    keep_ratio: float | None  # None: the strategy takes no keep ratio
    seed: int
    series: str | None  # a group's name when the grid's series are groups
    config: RunConfig

    def labels(self) -> dict:
        """The cell's coordinates, as a sweep's JSON lists them."""
        return {"key": self.key, "strategy": self.strategy, "keep_ratio": self.keep_ratio,
                "seed": self.seed, "series": self.series}


MakeConfig = Callable[[str, float, int, "str | None"], RunConfig]


def takes_keep_ratio(strategy: str) -> bool:
    """Whether the strategy's budget follows the keep ratio (InfoBatch's target budget too)."""
    return bool(accepted_params(strategy, keep_ratio=0.5))


def cell_key(strategy: str, keep_ratio: float | None, seed: int, series: str | None) -> str:
    keep = "" if keep_ratio is None else f"-k{keep_ratio:g}"
    return f"{strategy}{keep}-s{seed}-{series or DEFAULT_SERIES}"


def expand(axes: Axes, make_config: MakeConfig) -> list[Cell]:
    """Every cell of the grid, series-major (a series' runs come together), then seed,
    strategy and keep ratio; `make_config(strategy, keep_ratio, seed, series)` builds each
    run's config."""
    check_axes(axes)
    cells = []
    for series in axes.series:
        for seed in axes.seeds:
            for strategy in axes.strategies:
                keeps = axes.keep_ratios if takes_keep_ratio(strategy) else (None,)
                for keep in keeps:
                    cfg = make_config(strategy, axes.keep_ratios[0] if keep is None else keep,
                                      seed, series)
                    cells.append(Cell(cell_key(strategy, keep, seed, series), strategy, keep,
                                      seed, series, cfg))
    return cells


def check_axes(axes: Axes) -> None:
    """ValueError naming the axis when one is empty, repeats a value or holds a bad one."""
    for name, values in (("strategies", axes.strategies), ("keep ratios", axes.keep_ratios),
                         ("seeds", axes.seeds), ("series", axes.series)):
        if not values:
            raise ValueError(f"a sweep needs at least one of {name}; got none")
        repeated = sorted({str(v) for v in values if list(values).count(v) > 1})
        if repeated:
            raise ValueError(f"{name} {', '.join(repeated)} given more than once")
    if axes.groups and tuple(name for name, _ in axes.groups) != tuple(axes.series):
        raise ValueError(f"the groups {[n for n, _ in axes.groups]} are not the grid's series "
                         f"{list(axes.series)}")
    bad = [s for s in axes.strategies if s not in STRATEGIES]
    if bad:
        raise ValueError(f"unknown strategies {bad}; allowed: {', '.join(STRATEGIES)}")
    bad_keep = [k for k in axes.keep_ratios if not 0 < k <= 1]
    if bad_keep:
        raise ValueError(f"keep ratios must be in (0, 1]; got {bad_keep}")
    bad_seed = [s for s in axes.seeds if s < 0]
    if bad_seed:
        raise ValueError(f"seeds must be non-negative integers; got {bad_seed}")
    n = grid_size(axes)
    if n > MAX_CELLS:
        raise ValueError(f"the grid has {n:,} runs; at most {MAX_CELLS:,} are allowed")


def grid_size(axes: Axes) -> int:
    """How many runs `expand` makes (keep ratios count only for strategies that take one)."""
    per = sum(len(axes.keep_ratios) if takes_keep_ratio(s) else 1 for s in axes.strategies)
    return per * len(axes.seeds) * len(axes.series)


def sweep_id(cells: Sequence[Cell]) -> str:
    """An id from the cells' keys and configs: the same grid gets the same id, so running it
    again resumes it; any other setting (epochs, model, data...) makes another sweep."""
    body = json.dumps([[c.key, c.config.to_dict()] for c in cells], sort_keys=True,
                      default=str)
    return "sweep-" + hashlib.sha256(body.encode()).hexdigest()[:12]


# --- parsing the command line's lists -------------------------------------------------------

def _items(text: str, what: str) -> list[str]:
    items = [s.strip() for s in str(text).split(",")]
    if not all(items):
        raise ValueError(f"--{what} {text!r} has an empty item; separate values by single "
                         "commas")
    return items


def parse_strategies(text: str) -> tuple[str, ...]:
    names = _items(text, "strategies")
    bad = [s for s in names if s not in STRATEGIES]
    if bad:
        raise ValueError(f"--strategies: unknown {bad}; allowed: {', '.join(STRATEGIES)}")
    return tuple(names)


def parse_keep_ratios(text: str) -> tuple[float, ...]:
    out = []
    for item in _items(text, "keep-ratios"):
        try:
            value = float(item)
        except ValueError:
            raise ValueError(f"--keep-ratios: {item!r} is not a number; e.g. "
                             "--keep-ratios 0.5,0.7") from None
        if not 0 < value <= 1:
            raise ValueError(f"--keep-ratios: {item} is outside (0, 1]")
        out.append(value)
    return tuple(out)


def parse_seeds(text: str) -> tuple[int, ...]:
    """Comma-separated seeds and ranges: `0,1,2`, `0-4`, `0-2,7`."""
    out: list[int] = []
    for item in _items(text, "seeds"):
        if item.isdigit():
            out.append(int(item))
        elif m := _RANGE.fullmatch(item):
            lo, hi = int(m[1]), int(m[2])
            if hi < lo:
                raise ValueError(f"--seeds: range {item} ends before it starts")
            out.extend(range(lo, hi + 1))
        else:
            raise ValueError(f"--seeds: {item!r} is neither a non-negative integer nor a "
                             "range such as 0-4")
    return tuple(out)


def resolve_series(text: str | None, data: DataConfig) -> Cells:
    """The cells a sweep runs on, one run each: None = the source's default series; else the
    cells `text` names (`importance.data.cells.choose`: ids, patterns, `all` or `top:N`,
    cells with nothing to forecast left out and said by `Cells.words`)."""
    from importance.data.cells import Cells, choose
    from importance.data.loader import describe

    if text is None:
        return Cells("default", (describe(data).default_series,))
    return choose(text, data)

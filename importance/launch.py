"""The Train page's form as the library knows it: the default strategies, seeds and countries,
the strategy guide, `LaunchForm` (the form's fields, the library's defaults, one `RunConfig`
per seed and strategy) and the seeds field's grammar."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.grid import DEFAULT_GRID, check_code, grid_country
from importance.strategies import STRATEGIES, accepted_params
from importance.sweep.grid import parse_seeds

DEFAULT_STRATEGIES = ("full", "gradnorm", "rs2")
# The seeds a launch trains by default: `importance.evidence.MIN_SEEDS`, the fewest that give
# an interval (one seed names no winner); not imported: scipy, and the pages start fast.
DEFAULT_SEEDS = (0, 1, 2)
MAX_SEEDS = 20  # in the Train form's seeds field
COUNTRIES = ("ITA", "FRA", "DEU", "ESP", "GBR", "CHE", "NLD", "POL", "SWE", "NOR", "USA",
             "CAN", "BRA", "IND", "CHN", "JPN", "AUS")


def strategy_default(param: str, fallback: Any) -> Any:
    """A strategy parameter's own default: the gradient-norm strategy's, else any strategy's."""
    for name in ("gradnorm", *STRATEGIES):
        if name not in STRATEGIES:
            continue
        p = inspect.signature(STRATEGIES[name]).parameters.get(param)
        if p is not None and p.default is not inspect.Parameter.empty:
            return p.default
    return fallback


def strategy_guide(strategies: Mapping[str, type]) -> list[tuple[str, str]]:
    """(label, policy and score in one line) of each registered strategy, in registry order;
    a strategy without a `description` gives "" (its label says all there is)."""
    out = []
    for cls in strategies.values():
        text = getattr(cls, "description", cls.label)
        out.append((cls.label, "" if text == cls.label else text))
    return out


def strategy_guide_markdown(strategies: Mapping[str, type]) -> str:
    """`strategy_guide` as a markdown list: "- **label**: description"."""
    return "\n".join(f"- **{label}**" + (f": {text}" if text else "")
                     for label, text in strategy_guide(strategies))


@dataclass(frozen=True)
class LaunchForm:
    """The Train page's form: everything a comparison needs besides the dataset."""

    model: str
    hidden: int
    layers: int
    lookback: int
    horizon: int
    stride: int
    epochs: int
    batch_size: int
    lr: float
    lr_schedule: str
    strategies: tuple[str, ...]
    keep_ratio: float
    scoring: str  # which gradient norm ranks windows (strategies with a `scoring` parameter)
    country: str  # whose public holidays are an input feature; "" = none (no country named)
    holidays: bool = True  # the country's public holidays as an input feature
    grid_country: str = DEFAULT_GRID  # the machine's grid, for carbon (importance.grid)
    grid_source: str = ""  # how the grid was chosen, said with every run's energy
    revin: bool = False  # reversible instance normalisation (importance.models.base)
    patience: int = 0  # early stopping (importance.stopping); 0 = off
    min_delta: float = 0.0  # relative improvement that counts, for early stopping
    # Series of the dataset's file to train one model on (several: importance.data.panel);
    # () = the dataset's own series
    series: tuple[str, ...] = ()
    seeds: tuple[int, ...] = DEFAULT_SEEDS  # every strategy trains once per seed
    seed: int | None = None  # one seed instead of `seeds` (a sweep's cell)

    @classmethod
    def defaults(cls, overrides: Mapping[str, Any] | None = None) -> LaunchForm:
        """The library's defaults (the real ones), optionally overridden (tests, demos)."""
        m, w, t = ModelConfig(), WindowConfig(), TrainConfig()
        grid = grid_country()
        strategies = tuple(s for s in DEFAULT_STRATEGIES if s in STRATEGIES) or tuple(STRATEGIES)
        form = cls(model=m.kind, hidden=m.hidden, layers=m.layers, lookback=w.lookback,
                   horizon=w.horizon, stride=w.stride, epochs=t.epochs, batch_size=t.batch_size,
                   lr=t.lr, lr_schedule=t.lr_schedule, strategies=strategies,
                   keep_ratio=float(strategy_default("keep_ratio", 0.7)),
                   scoring=str(strategy_default("scoring", "exact")), country=w.holidays or "",
                   holidays=w.holidays is not None, revin=m.revin, grid_country=grid.code,
                   grid_source=grid.source,
                   patience=t.patience or 0, min_delta=t.min_delta)
        if overrides:
            unknown = set(overrides) - set(cls.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown form fields {sorted(unknown)}; allowed: "
                                 f"{', '.join(cls.__dataclass_fields__)}")
            extra = dict(overrides)
            for key in ("strategies", "series", "seeds"):
                if key in extra:
                    extra[key] = tuple(extra[key])
            form = replace(form, **extra)
        return form

    def data_config(self, data: DataConfig) -> DataConfig:
        """`data` with the form's series: one id, or several (one model on all of them)."""
        if not self.series:
            return data
        return replace(data, series=self.series if len(self.series) > 1 else self.series[0])

    @property
    def seed_list(self) -> tuple[int, ...]:
        """The seeds each strategy trains on, ascending: `seed` alone when set, else `seeds`."""
        return (self.seed,) if self.seed is not None else tuple(sorted(set(self.seeds)))

    def configs(self, data: DataConfig, log1p: bool = True) -> list[RunConfig]:
        """One RunConfig per seed and strategy, seed by seed in ascending order (the first
        seed's comparison is complete first: `importance.runs.identity.latest_batch` relies on
        the order), on the same data (with the form's series: `data_config`), split and model.

        `keep_ratio` and `scoring` go to every strategy that accepts them; `log1p` is off for
        series with negative values; the holiday feature, when on, is the country's (none
        when the form names no country); emissions use the grid's country.
        """
        data = self.data_config(data)
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown or not self.strategies:
            raise ValueError(f"choose strategies among {', '.join(STRATEGIES)}; "
                             f"got {list(self.strategies)}")
        seeds = self.seed_list
        if not seeds or any(not isinstance(s, int) or s < 0 for s in seeds):
            raise ValueError(f"seeds must be one or more non-negative integers, got "
                             f"{list(self.seeds) if self.seed is None else self.seed}")
        country = self.country.strip().upper()
        if country and not (len(country) == 3 and country.isalpha()):
            raise ValueError(f"holidays country must be an ISO 3166 alpha-3 code like ITA, "
                             f"got {self.country!r}")
        grid = check_code(self.grid_country, "grid country")
        window = WindowConfig(lookback=self.lookback, horizon=self.horizon, stride=self.stride,
                              log1p=log1p,
                              holidays=country if self.holidays and country else None)
        model = ModelConfig(kind=self.model, hidden=self.hidden, layers=self.layers,
                            revin=self.revin)
        out = []
        for seed in seeds:
            for name in self.strategies:
                params = accepted_params(name, keep_ratio=self.keep_ratio, scoring=self.scoring)
                out.append(RunConfig(data, window, model, TrainConfig(
                    strategy=name, strategy_params=params, epochs=self.epochs,
                    batch_size=self.batch_size, lr=self.lr, lr_schedule=self.lr_schedule,
                    seed=seed, country=grid, grid_source=self.grid_source,
                    patience=self.patience or None,
                    min_delta=self.min_delta)))
        return out


def parse_seeds_field(text: str) -> tuple[int, ...]:
    """The Train form's seeds: a number of seeds ("3": seeds 0, 1 and 2) or the seeds
    themselves, comma-separated or as ranges ("0,3,7", "0-4"; one seed: "7-7"), at most
    `MAX_SEEDS`. ValueError naming the value and what is accepted."""
    raw = str(text).strip()
    accepted = ("write a number of seeds (3: seeds 0, 1 and 2) or the seeds themselves, "
                "e.g. 0,3,7 or 0-4 (one seed: 7-7)")
    if not raw:
        raise ValueError(f"Seeds: the field is empty; {accepted}")
    if raw.isdigit():
        if not 1 <= int(raw) <= MAX_SEEDS:
            raise ValueError(f"Seeds: {raw} seeds; choose 1 to {MAX_SEEDS}, or {accepted}")
        return tuple(range(int(raw)))
    try:
        seeds = parse_seeds(raw)
    except ValueError as exc:
        raise ValueError(f"{str(exc).replace('--seeds', 'Seeds')}; {accepted}") from None
    if len(set(seeds)) != len(seeds):
        twice = sorted({s for s in seeds if seeds.count(s) > 1})
        raise ValueError(f"Seeds: {raw!r} names seed {', '.join(map(str, twice))} twice")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"Seeds: {raw!r} is {len(seeds)} seeds; at most {MAX_SEEDS}")
    return tuple(sorted(seeds))


def seeds_field_text(seeds: Sequence[int]) -> str:
    """The seeds field's text for `seeds` (`parse_seeds_field` reads it back): "3" for 0, 1
    and 2, "7-7" for seed 7 alone, else "0,3,7"."""
    ordered = sorted(seeds)
    if ordered == list(range(len(ordered))):
        return str(len(ordered))
    return f"{ordered[0]}-{ordered[0]}" if len(ordered) == 1 else ",".join(map(str, ordered))

"""What the `importance` commands share: the options that name a series (`compare`, `sweep`,
`data`), the run options of `compare` and `sweep` (window, model, training, where runs go),
their reading into configs, and the lines that show a loaded series.

Each command adds these options from here, so an option is defined once and means the same in
every command. The one that differs is `--series`: each command passes its own help, since
`compare` trains one model per strategy on all the series it names, `sweep` one model per
series (each series is a cell of its grid), and `data` describes one series.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from importance.config import (
    LR_SCHEDULES,
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    WindowConfig,
)
from importance.data import LoadedSeries, describe
from importance.data.cells import choose, is_selection
from importance.data.holidays import country_code, country_name, series_country
from importance.data.steps import WindowChoice, duration, suggest_window
from importance.grid import DEFAULT_GRID, GRID_ENV, GridCountry, grid_country
from importance.models import MODEL_KINDS
from importance.runs.store import default_runs_dir
from importance.stopping import check_stopping
from importance.strategies import accepted_params

_GAPS = re.compile(r" in [\d,]+ gaps?$")  # "missing timestamps in 3 gaps": one kind of note
MEMBERS_SHOWN = 3  # series of a panel shown in full by print_members; the rest summed up
SERIES_ID = ("square id, or the station/cell id of a long or transposed file (a cell column of a "
             "wide one)")


def add_runs_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs-dir", type=Path, default=None,
                   help=f"run store folder (default: $IMPORTANCE_RUNS_DIR or {default_runs_dir()})")


def add_data(p: argparse.ArgumentParser, series_help: str) -> None:
    """The options that name a series; `series_help` says what --series means in `p`'s
    command."""
    p.add_argument("--data", nargs="+", default=None, metavar="FILE",
                   help="CSV/TSV/Parquet/Milan file(s); several files of one layout are combined "
                        "(default: the embedded synthetic Milan data)")
    p.add_argument("--series", default=None, help=series_help)
    p.add_argument("--column", "--activity", dest="column", default=None,
                   help="activity or value column (default: internet, or the file's first)")
    p.add_argument("--tz", default=None,
                   help="the series' time zone, an IANA name such as Europe/Rome (default: the "
                        "data's own zone, or its wall-clock time when the timestamps have none)")
    p.add_argument("--year", type=int, default=None,
                   help="year of dates written without one (transposed daily exports; default: "
                        "the latest year that puts every date in the past, stated)")
    p.add_argument("--time-column", default=None, help="timestamp column (default: detected)")
    p.add_argument("--series-column", default=None,
                   help="station/cell id column of a long-format file (default: detected)")


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The window, model and training options of one run, and where runs go (`compare` and
    `sweep`); what the two vary (strategies, keep ratios, seeds, series) is each one's own."""
    w, m, t = WindowConfig(), ModelConfig(), TrainConfig()
    p.add_argument("--model", choices=MODEL_KINDS, default=m.kind)
    p.add_argument("--hidden", type=int, default=m.hidden)
    p.add_argument("--layers", type=int, default=m.layers)
    p.add_argument("--revin", action=argparse.BooleanOptionalAction, default=m.revin,
                   help="reversible instance normalisation: each window standardised by its own "
                        "mean and spread, put back on the forecast (follows level shifts)")
    p.add_argument("--lookback", type=int, default=None,
                   help="input steps per window (default: one daily cycle at the series' step, "
                        "a week for hourly and four weeks for daily data, shortened to fit)")
    p.add_argument("--horizon", type=int, default=w.horizon, help="steps forecast per window")
    p.add_argument("--stride", type=int, default=w.stride)
    p.add_argument("--epochs", type=int, default=t.epochs)
    p.add_argument("--batch-size", type=int, default=t.batch_size)
    p.add_argument("--lr", type=float, default=t.lr, help="peak learning rate (Adam)")
    p.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=t.lr_schedule,
                   help="cosine: decay to 5%% of the peak by each run's last batch")
    p.add_argument("--patience", type=int, default=t.patience or 0,
                   help="early stopping: stop a run after this many epochs in a row without a "
                        "validation MAE improvement of --min-delta; 0 = off (default: "
                        "%(default)s)")
    p.add_argument("--min-delta", type=float, default=t.min_delta,
                   help="early stopping's smallest improvement, relative to the last "
                        "improvement (default: %(default)s = "
                        f"{100 * t.min_delta:g}%%)")
    p.add_argument("--scoring", choices=("last_layer", "exact"), default="last_layer",
                   help="gradnorm's norm: last-layer gradient norm read off the training "
                        "forward (fast), or the exact norm over all parameters")
    p.add_argument("--country", default=None, metavar="CODE|none",
                   help="country whose public holidays are an input feature, ISO alpha-3 or "
                        "alpha-2 (default: the country of the series' time zone; Italy for "
                        "the embedded data; none without a zone); none: no holiday feature")
    p.add_argument("--grid-country", default=None, metavar="CODE",
                   help="ISO alpha-3 country of the grid this machine draws from, for the "
                        f"carbon intensity (default: ${GRID_ENV}, else the country of this "
                        f"machine's time zone, else {DEFAULT_GRID}); every run states it")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_runs_dir(p)


def series_from_arg(text: str | None) -> str | tuple[str, ...] | None:
    """--series as written: one id, or several comma-separated ids (a tuple: one model on
    all); `data_from_args` resolves `all`, `top:N` and patterns against the file."""
    if text is None or "," not in text:
        return text
    ids = tuple(s.strip() for s in text.split(","))
    if not all(ids):
        raise ValueError(f"--series {text!r} has an empty id; separate ids by single commas, "
                         "e.g. --series 5060,4259")
    return ids


def data_from_args(a: argparse.Namespace) -> DataConfig:
    """The data config named by the options, with an assumed year pinned (reproducible);
    --series `all`, `top:N` or a pattern resolved to the file's cells (cells with nothing to
    forecast left out: said on stdout)."""
    paths = a.data or []
    data = DataConfig(path=None if not paths else paths[0] if len(paths) == 1 else tuple(paths),
                      column=a.column, tz=a.tz, year=a.year, time_column=a.time_column,
                      series_column=a.series_column)
    if data.year is None and data.path is not None:
        year = describe(data).year
        if year is not None:
            data = replace(data, year=year)
    if a.series is not None and is_selection(a.series):
        cells = choose(a.series, data)
        print(f"series: {cells.words()}")
        return cells.data_config(data)
    return replace(data, series=series_from_arg(a.series))


def seeds_from_args(a: argparse.Namespace) -> tuple[int, ...]:
    """The seeds of `compare`: --seed N (one), else --seeds (default: three)."""
    return (a.seed,) if a.seed is not None else a.seeds


def holidays_from_args(a: argparse.Namespace, loaded: LoadedSeries) -> tuple[str | None, str]:
    """The holiday feature's country and why: --country (None for 'none'), else the series'
    own (`holidays.series_country`: its zone's, Italy for the embedded data, else none)."""
    if a.country is None:
        return series_country(loaded.named_zone, loaded.embedded)
    code = a.country.strip()
    if code.lower() == "none":
        return None, "no holiday feature (--country none)"
    try:
        country_code(code)
    except ValueError as exc:
        raise ValueError(f"--country: {exc} (--country none)") from None
    return code.upper(), "set by --country"


def grid_from_args(a: argparse.Namespace) -> GridCountry:
    """The grid of this machine: --grid-country, else the machine's setting (`importance.grid`)."""
    return grid_country(a.grid_country, "--grid-country")


def window_from_args(a: argparse.Namespace, loaded: LoadedSeries,
                     *others: LoadedSeries) -> WindowChoice:
    """The series' default window (see importance.data.steps), with the options applied.
    With `others` (one model on several series) the shortest sets the default lookback, and
    log1p is off when any has negative values."""
    country, why = holidays_from_args(a, loaded)
    base = WindowConfig(horizon=a.horizon, stride=a.stride, holidays=country)
    shortest = min((loaded, *others), key=lambda s: len(s.values))
    choice = suggest_window(shortest.values, shortest.freq, base, lookback=a.lookback)
    said = (f"public holidays of {country_name(country)} ({why})" if country else why)
    choice = WindowChoice(choice.config, (*choice.reasons, said))
    negative = [s.series for s in (loaded, *others) if (s.values < 0).any()]
    if choice.config.log1p and negative:
        return WindowChoice(replace(choice.config, log1p=False),
                            (*choice.reasons, f"log1p scaling off: series "
                             f"{', '.join(map(str, negative))} has negative values"))
    return choice


def run_config(a: argparse.Namespace, data: DataConfig, window: WindowConfig, strategy: str,
               keep_ratio: float, seed: int) -> RunConfig:
    """One run's config: the run options, and what the command varies (a strategy at a keep
    ratio, a seed); refused before any training when early stopping cannot work."""
    check_stopping(a.patience, a.min_delta)
    grid = grid_from_args(a)
    return RunConfig(
        data=data, window=window,
        model=ModelConfig(kind=a.model, hidden=a.hidden, layers=a.layers, revin=a.revin),
        train=TrainConfig(strategy=strategy,
                          strategy_params=accepted_params(strategy, keep_ratio=keep_ratio,
                                                          scoring=a.scoring),
                          epochs=a.epochs, batch_size=a.batch_size, lr=a.lr,
                          lr_schedule=a.lr_schedule, patience=a.patience,
                          min_delta=a.min_delta, seed=seed, country=grid.code,
                          grid_source=grid.source))


def fmt(v: object, digits: int = 3) -> str:
    """A figure of a command's table: "-" when missing, small floats in significant digits."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) < 1e-2 else f"{v:,.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def print_data(loaded: LoadedSeries) -> None:
    """The series, how it was read, and what was done to its dirty values."""
    values = loaded.values
    span = duration(values.index[-1] - values.index[0] + loaded.freq)
    print(f"data: {loaded.label}  ({loaded.source})")
    print(f"  {len(values):,} points at a {duration(loaded.freq)} step over {span}; "
          f"{len(loaded.filled):,} filled")
    for what, found in loaded.detected:
        print(f"  {what}: {found}")
    for note in loaded.notes:
        print(f"  note: {note.text()}")


def print_members(loaded: Sequence[LoadedSeries], shown: int = MEMBERS_SHOWN) -> None:
    """The series of a run (`print_data`): each when they are few, else the first `shown` and
    one summary of the rest (points, steps, filled values and the notes per kind), so a
    panel of a thousand cells prints a few lines, not ten thousand."""
    for one in loaded[:shown]:
        print_data(one)
    rest = loaded[shown:]
    if not rest:
        return
    points = sorted({len(one.values) for one in rest})
    steps = ", ".join(sorted({duration(one.freq) for one in rest}))
    span = f"{points[0]:,}" if len(points) == 1 else f"{points[0]:,} to {points[-1]:,}"
    filled = [len(one.filled) for one in rest]
    print(f"and {len(rest):,} more series: {span} points each at a {steps} step; "
          f"{sum(filled):,} filled in {sum(1 for f in filled if f):,} of them")
    kinds: dict[str, list[int]] = {}
    for one in rest:
        for note in one.notes:
            kinds.setdefault(_GAPS.sub("", note.issue), []).append(note.count)
    for issue, counts in kinds.items():
        print(f"  note: {issue}: {sum(counts):,} in {len(counts):,} series")

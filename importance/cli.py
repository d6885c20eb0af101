"""`importance` command line: a thin layer over the library.

    importance compare            full vs gradient-norm importance vs the rs2 control, 3 seeds
    importance compare --classical   ... plus statsmodels baselines on the same test windows
    importance compare --series 5060,4259   one model per strategy on several series
    importance data --data FILE   what a file holds: layout, series, columns, dirty values
    importance runs               list stored runs
    importance report RUN_ID... -o report.html   one self-contained HTML report
    importance compress RUN_ID    quantised and pruned variants of a run, measured here
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

from importance import report_cli
from importance.compress import cli as compress_cli
from importance.config import (
    LR_SCHEDULES,
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    WindowConfig,
)
from importance.data import DataError, LoadedSeries, describe
from importance.data.holidays import country_code
from importance.data.steps import WindowChoice, duration, suggest_window
from importance.models import MODEL_KINDS
from importance.runs.store import RunStore, default_runs_dir
from importance.stopping import check_stopping
from importance.strategies import STRATEGIES, accepted_params
from importance.sweep import cli as sweep_cli

COMPARE_EXAMPLE = ("example: importance compare --epochs 4 --keep-ratio 0.7 --seeds 0-2 "
                   "--json out.json")
DATA_EXAMPLE = "example: importance data --data cells.csv --series 12 --tz Europe/Rome"
RUNS_EXAMPLE = "example: importance runs --runs-dir runs"


def _add_runs_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs-dir", type=Path, default=None,
                   help=f"run store folder (default: $IMPORTANCE_RUNS_DIR or {default_runs_dir()})")


def _add_data(p: argparse.ArgumentParser) -> None:
    """The options that name a series (shared by compare and data)."""
    p.add_argument("--data", nargs="+", default=None, metavar="FILE",
                   help="CSV/TSV/Parquet/Milan file(s); several files of one layout are combined "
                        "(default: the embedded synthetic Milan data)")
    p.add_argument("--series", default=None,
                   help="square id, or the station/cell id of a long or transposed file "
                        "(default: 5060, or the file's first); compare: several ids, "
                        "comma-separated, train one model on all of them")
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


def series_from_arg(text: str | None) -> str | tuple[str, ...] | None:
    """--series: one id, or several comma-separated ids (a tuple: one model on all)."""
    if text is None or "," not in text:
        return text
    ids = tuple(s.strip() for s in text.split(","))
    if not all(ids):
        raise ValueError(f"--series {text!r} has an empty id; separate ids by single commas, "
                         "e.g. --series 5060,4259")
    return ids


def data_from_args(a: argparse.Namespace) -> DataConfig:
    """The data config named by the options, with an assumed year pinned (reproducible)."""
    paths = a.data or []
    data = DataConfig(path=None if not paths else paths[0] if len(paths) == 1 else tuple(paths),
                      series=series_from_arg(a.series), column=a.column, tz=a.tz, year=a.year,
                      time_column=a.time_column, series_column=a.series_column)
    if data.year is None and data.path is not None:
        year = describe(data).year
        if year is not None:
            data = replace(data, year=year)
    return data


def holidays_from_args(a: argparse.Namespace) -> str | None:
    """The holiday feature's country: --holidays, else --country; None for 'none'."""
    code = a.country if a.holidays is None else a.holidays
    if code.strip().lower() == "none":
        return None
    try:
        country_code(code)
    except ValueError as exc:
        raise ValueError(f"{exc} (--holidays none)") from None
    return code.strip().upper()


def window_from_args(a: argparse.Namespace, loaded: LoadedSeries,
                     *others: LoadedSeries) -> WindowChoice:
    """The series' default window (see importance.data.steps), with the options applied.
    With `others` (one model on several series) the shortest sets the default lookback, and
    log1p is off when any has negative values."""
    base = WindowConfig(horizon=a.horizon, stride=a.stride, holidays=holidays_from_args(a))
    shortest = min((loaded, *others), key=lambda s: len(s.values))
    choice = suggest_window(shortest.values, shortest.freq, base, lookback=a.lookback)
    negative = [s.series for s in (loaded, *others) if (s.values < 0).any()]
    if choice.config.log1p and negative:
        return WindowChoice(replace(choice.config, log1p=False),
                            (*choice.reasons, f"log1p scaling off: series "
                             f"{', '.join(map(str, negative))} has negative values"))
    return choice


def _strategies(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in STRATEGIES]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown strategies {bad}; allowed: {', '.join(STRATEGIES)}")
    return names


DEFAULT_SEEDS = "0-2"  # three seeds: the fewest that give an interval (importance.evidence)
def parse_seeds(text: str) -> tuple[int, ...]:
    """--seeds: a range `0-2`, a list `0,3,7`, one seed `5`, or ranges in a list `0-2,7`
    (`importance.sweep.grid.parse_seeds`), each seed once.

    >>> parse_seeds("0-2"), parse_seeds("0,3,7"), parse_seeds("5")
    ((0, 1, 2), (0, 3, 7), (5,))
    """
    from importance.sweep.grid import parse_seeds as parse

    try:
        out = parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{str(exc).removeprefix('--seeds').lstrip(': ')} (in {text!r})") from None
    twice = sorted({s for s in out if out.count(s) > 1})
    if twice:
        raise argparse.ArgumentTypeError(
            f"{text!r} names seed {', '.join(map(str, twice))} more than once")
    return out


def seeds_from_args(a: argparse.Namespace) -> tuple[int, ...]:
    """The seeds of a comparison: --seed N (one), else --seeds (default: three)."""
    return (a.seed,) if a.seed is not None else a.seeds


def build_parser() -> argparse.ArgumentParser:
    w, m, t = WindowConfig(), ModelConfig(), TrainConfig()
    parser = argparse.ArgumentParser(prog="importance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compare", help="train full vs importance vs the rs2 control, compare",
                       description="Train one run per strategy and seed on the same data and "
                                   "split, then print a side-by-side table and the verdict "
                                   "(importance.verdict). Seeds train one after another in this "
                                   "process: CodeCarbon meters the whole machine, so two runs at "
                                   "once would each be billed for both, and a wall-time saving "
                                   "is only judged on runs that did not share the cores.",
                       epilog=COMPARE_EXAMPLE)
    _add_data(c)
    c.add_argument("--model", choices=MODEL_KINDS, default=m.kind)
    c.add_argument("--hidden", type=int, default=m.hidden)
    c.add_argument("--layers", type=int, default=m.layers)
    c.add_argument("--revin", action=argparse.BooleanOptionalAction, default=m.revin,
                   help="reversible instance normalisation: each window standardised by its own "
                        "mean and spread, put back on the forecast (follows level shifts)")
    c.add_argument("--lookback", type=int, default=None,
                   help="input steps per window (default: one daily cycle at the series' step, "
                        "a week for hourly and four weeks for daily data, shortened to fit)")
    c.add_argument("--horizon", type=int, default=w.horizon, help="steps forecast per window")
    c.add_argument("--stride", type=int, default=w.stride)
    c.add_argument("--epochs", type=int, default=t.epochs)
    c.add_argument("--batch-size", type=int, default=t.batch_size)
    c.add_argument("--lr", type=float, default=t.lr, help="peak learning rate (Adam)")
    c.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=t.lr_schedule,
                   help="cosine: decay to 5%% of the peak by each run's last batch")
    c.add_argument("--patience", type=int, default=t.patience or 0,
                   help="early stopping: stop a run after this many epochs in a row without a "
                        "validation MAE improvement of --min-delta; 0 = off (default: "
                        "%(default)s)")
    c.add_argument("--min-delta", type=float, default=t.min_delta,
                   help="early stopping's smallest improvement, relative to the last "
                        "improvement (default: %(default)s = "
                        f"{100 * t.min_delta:g}%%)")
    c.add_argument("--strategies", type=_strategies, default=["full", "gradnorm", "rs2"],
                   help=f"comma-separated, from: {', '.join(STRATEGIES)}; with full among "
                        "them, a strategy whose control (rs2, or random for static selection) "
                        "did not run at the budget it spent gets one at that budget")
    c.add_argument("--keep-ratio", type=float, default=0.7,
                   help="fraction of windows trained per epoch by subset strategies "
                        "(selective_backprop: in expectation, after a full first epoch; "
                        "infobatch's follows from its losses)")
    c.add_argument("--scoring", choices=("last_layer", "exact"), default="last_layer",
                   help="gradnorm's norm: last-layer gradient norm read off the training "
                        "forward (fast), or the exact norm over all parameters")
    seeds = c.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=parse_seeds, default=parse_seeds(DEFAULT_SEEDS),
                       metavar="SPEC",
                       help="seeds to train every strategy with, one after another: a range "
                            "(0-2), a list (0,3,7) or one seed; 3 seeds or more give a verdict "
                            f"with intervals (default: {DEFAULT_SEEDS})")
    seeds.add_argument("--seed", type=int, default=None, metavar="N",
                       help="one seed only: indicative, names no winner")
    c.add_argument("--country", default=t.country, help="ISO alpha-3 for grid carbon intensity")
    c.add_argument("--holidays", default=None, metavar="CODE|none",
                   help="country whose public holidays are an input feature, ISO alpha-3 or "
                        "alpha-2 (default: --country); none: no holiday feature")
    c.add_argument("--classical", action="store_true",
                   help="add the statsmodels baselines (seasonal naive, Holt-Winters, "
                        "MSTL+ARIMA, Fourier+ARIMA) on the same test windows")
    c.add_argument("--json", type=Path, default=None, help="also write the table as JSON here")
    c.add_argument("--compress", action="store_true",
                   help="then measure each run's default compressed variants (importance "
                        "compress)")
    c.add_argument("--no-progress", action="store_true", help="no progress bars")
    _add_runs_dir(c)
    sweep_cli.add_parser(sub, c)  # shares compare's run options

    i = sub.add_parser("data", help="describe a data file",
                       description="What a file holds: its layout and format as detected, its "
                                   "series (with their lengths) and value columns, the chosen "
                                   "series' step, span, dirty values and default window.",
                       epilog=DATA_EXAMPLE)
    _add_data(i)

    r = sub.add_parser("runs", help="list stored runs", description="List the stored runs.",
                       epilog=RUNS_EXAMPLE)
    _add_runs_dir(r)
    report_cli.add_parser(sub)
    compress_cli.add_parser(sub)
    return parser


def configs_from_args(a: argparse.Namespace, data: DataConfig, window: WindowConfig,
                      seed: int | None = None) -> list[RunConfig]:
    """One config per strategy of the options, with `seed` (default: the first seed)."""
    check_stopping(a.patience, a.min_delta)  # refused before any training
    seed = seeds_from_args(a)[0] if seed is None else seed
    base = RunConfig(data=data, window=window,
                     model=ModelConfig(kind=a.model, hidden=a.hidden, layers=a.layers,
                                       revin=a.revin))
    out = []
    for name in a.strategies:
        params = accepted_params(name, keep_ratio=a.keep_ratio, scoring=a.scoring)
        out.append(RunConfig(base.data, base.window, base.model, TrainConfig(
            strategy=name, strategy_params=params, epochs=a.epochs, batch_size=a.batch_size,
            lr=a.lr, lr_schedule=a.lr_schedule, patience=a.patience, min_delta=a.min_delta,
            seed=seed, country=a.country)))
    return out


def fmt(v: object, digits: int = 3) -> str:
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


def cmd_data(a: argparse.Namespace) -> int:
    from importance.experiment import load_data

    data = data_from_args(a)
    if data.is_panel:
        raise ValueError(f"importance data describes one series; got --series {a.series} "
                         "(several ids are for importance compare)")
    info = describe(data)
    if info.series:
        shown = ", ".join(f"{s} ({info.lengths.get(s, 0):,} rows)" if info.lengths else s
                          for s in info.series[:30])
        more = f", ... ({len(info.series)} in all)" if len(info.series) > 30 else ""
        print(f"series: {shown}{more}")
    print(f"value columns: {', '.join(info.columns)}")
    loaded = load_data(data)
    print_data(loaded)
    choice = suggest_window(loaded.values, loaded.freq)
    print(f"default window: {'; '.join(choice.reasons)}")
    return 0


def cmd_runs(a: argparse.Namespace) -> int:
    """Every readable run, then each unreadable folder with the reason (skipped elsewhere)."""
    store = RunStore(a.runs_dir)
    scan = store.scan()
    if not scan.ids and not scan.unreadable:
        print(f"no runs in {store.root}")
        return 0
    if not scan.ids:
        print(f"no readable runs in {store.root}")
    for run_id in scan.ids:
        try:
            s = store.load(run_id).summary
        except (KeyError, ValueError) as exc:  # removed or damaged since the scan
            print(f"{run_id}  unreadable: {exc}")
            continue
        print(f"{run_id}  {s['strategy']:>9}  MAE {fmt(s['test_mae'])}  "
              f"backprop {fmt(s['samples_backprop'])}  wall {fmt(s['wall_s'], 1)}s  "
              f"{s.get('series_label', '')}")
    if scan.unreadable:
        n = len(scan.unreadable)
        print(f"{n} unreadable run folder{'s' if n > 1 else ''} in {store.root} "
              "(skipped by every page and command):")
        for name, reason in scan.unreadable:
            print(f"  {name}  {reason}")
    return 0


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    try:
        return {"compare": _compare, "data": cmd_data, "runs": cmd_runs,
                "sweep": sweep_cli.run, "report": report_cli.run,
                "compress": compress_cli.run}[a.command](a)
    except (DataError, ValueError, FileNotFoundError) as exc:
        # ValueError includes a diverged run (importance.training.NonFiniteLoss: epoch, batch,
        # learning rate), an invalid run id and an unreadable run (importance.runs.store)
        _close_progress_bars()
        print(f"importance: error: {exc}", file=sys.stderr)
        return 2


def _compare(a: argparse.Namespace) -> int:
    from importance import compare_cli  # it builds on this module's run options

    return compare_cli.run(a)


def _close_progress_bars() -> None:
    """End the progress bars a failed command left open, so the error gets its own line."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or ()):
        bar.close()


if __name__ == "__main__":
    sys.exit(main())

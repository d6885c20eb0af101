"""`importance` command line: a thin layer over the library.

    importance compare            full vs gradient-norm importance vs the rs2 control
    importance compare --classical   ... plus statsmodels baselines on the same test windows
    importance compare --series 5060,4259   one model per strategy on several series
    importance data --data FILE   what a file holds: layout, series, columns, dirty values
    importance runs               list stored runs
    importance report RUN_ID... -o report.html   one self-contained HTML report
    importance compress RUN_ID    quantised and pruned variants of a run, measured here
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from importance import report_cli
from importance.compare import JSON_FIELDS, best_classical, compare_table, pick_baseline
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
from importance.data.steps import WindowChoice, duration, steps_words, suggest_window
from importance.energy_to_accuracy import (
    DEFINITION,
    best_val_mae,
    energy_to_accuracy,
    target_mae,
    targets_of,
    to_records,
)
from importance.models import MODEL_KINDS
from importance.runs.store import RunStore, default_runs_dir
from importance.stopping import check_stopping, ending_note, scores_unused_note
from importance.strategies import STRATEGIES, accepted_params
from importance.sweep import cli as sweep_cli

COMPARE_EXAMPLE = "example: importance compare --epochs 4 --keep-ratio 0.7 --json out.json"
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


def build_parser() -> argparse.ArgumentParser:
    w, m, t = WindowConfig(), ModelConfig(), TrainConfig()
    parser = argparse.ArgumentParser(prog="importance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compare", help="train full vs importance vs the rs2 control, compare",
                       description="Train one run per strategy on the same data, split and "
                                   "seed, then print a side-by-side table.", epilog=COMPARE_EXAMPLE)
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
                   help=f"comma-separated, from: {', '.join(STRATEGIES)}")
    c.add_argument("--keep-ratio", type=float, default=0.7,
                   help="fraction of windows trained per epoch by subset strategies "
                        "(selective_backprop: in expectation, after a full first epoch; "
                        "infobatch's follows from its losses)")
    c.add_argument("--scoring", choices=("last_layer", "exact"), default="last_layer",
                   help="gradnorm's norm: last-layer gradient norm read off the training "
                        "forward (fast), or the exact norm over all parameters")
    c.add_argument("--seed", type=int, default=t.seed)
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


def configs_from_args(a: argparse.Namespace, data: DataConfig,
                      window: WindowConfig) -> list[RunConfig]:
    check_stopping(a.patience, a.min_delta)  # refused before any training
    base = RunConfig(data=data, window=window,
                     model=ModelConfig(kind=a.model, hidden=a.hidden, layers=a.layers,
                                       revin=a.revin))
    out = []
    for name in a.strategies:
        params = accepted_params(name, keep_ratio=a.keep_ratio, scoring=a.scoring)
        out.append(RunConfig(base.data, base.window, base.model, TrainConfig(
            strategy=name, strategy_params=params, epochs=a.epochs, batch_size=a.batch_size,
            lr=a.lr, lr_schedule=a.lr_schedule, patience=a.patience, min_delta=a.min_delta,
            seed=a.seed, country=a.country)))
    return out


def _fmt(v: object, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if abs(v) < 1e-2 else f"{v:,.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _json_value(v: object) -> object:
    """NaN (pandas' missing value) -> None, so the file is valid JSON."""
    return None if isinstance(v, float) and math.isnan(v) else v


ENERGY_COLUMNS = ("energy_kwh", "energy_saved_pct", "emissions_kg", "emissions_saved_pct")


def print_table(rows: list[dict]) -> None:
    cols = [("strategy", "strategy"), ("test_mae", "MAE"), ("test_rmse", "RMSE"),
            ("test_smape", "sMAPE%"), ("epochs_run", "epochs"), ("samples_backprop", "backprop"),
            ("samples_scoring_backprop", "+scoring"), ("backprop_saved_pct", "saved%"),
            ("wall_s", "wall s"), ("scoring_s", "scoring s"),
            ("wall_saved_pct", "saved%"), ("energy_kwh", "kWh"),
            ("energy_saved_pct", "saved%"), ("emissions_kg", "gCO2e")]
    if rows and "mae_vs_classical_pct" in rows[0]:
        cols.insert(2, ("mae_vs_classical_pct", "vs best classical%"))
    table = [[h for _, h in cols]]
    for r in rows:
        cells = []
        unmeasured = _json_value(r.get("energy_kwh")) is None  # a failed reading, not 0 kWh
        for k, _ in cols:
            v = r.get(k)
            if unmeasured and k in ENERGY_COLUMNS:
                cells.append("not measured")
                continue
            if k == "emissions_kg" and v is not None:
                v = v * 1000
            cells.append(_fmt(v, 1 if k.endswith("_pct") else 3))
        table.append(cells)
    _print_cells(table)


def _print_cells(table: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(c.rjust(wd) for c, wd in zip(row, widths, strict=True)))


def small_energy_unit(table) -> tuple[float, str]:
    """Scale from kWh and unit for the energy-to-accuracy table: Wh from 1 Wh up, else mWh."""
    kwh = table.filter(regex=r"energy_kwh$").to_numpy(dtype=float)
    top = float(np.nanmax(kwh)) if np.isfinite(kwh).any() else 0.0
    return (1e3, "Wh") if top >= 1e-3 else (1e6, "mWh")


def print_energy_to_accuracy(table, baseline: dict, summaries: list[dict]) -> None:
    """The cost of each neural run to first reach 90/95/99/100% of the baseline's best
    validation accuracy (`importance.energy_to_accuracy`), its definition, and who was
    cheapest."""
    from importance.views import energy_to_accuracy_display, energy_to_accuracy_verdict

    if table.empty:
        print("energy to accuracy: needs a full-data run to measure against "
              "(--strategies full,...)")
        return
    scale, unit = small_energy_unit(table)
    best = best_val_mae(baseline)
    shown = energy_to_accuracy_display(table, {}, scale, unit).rename(
        columns={"run": "strategy"})
    print(f"\nenergy to reach accuracy (baseline: full, best validation MAE {_fmt(best)}; "
          "targets: "
          + ", ".join(f"{t}% MAE <= {_fmt(target_mae(best, t))}" for t in targets_of(table))
          + "):")
    _print_cells([list(shown.columns), *shown.astype(str).to_numpy().tolist()])
    print(f"{DEFINITION}; '-' = never reached.")
    methods = {s.get("energy_method") or "" for s in summaries if s.get("kind") != "classical"}
    if any("estimated" in m for m in methods):
        print(f"energy ({unit}) is an estimate, not a meter reading: see 'energy:' below.")
    print(energy_to_accuracy_verdict(table, {}, scale, unit))


def print_per_series(summaries: list[dict]) -> None:
    """Test MAE of each series (rows) per strategy (columns), for runs on several series."""
    runs = [s for s in summaries if s.get("per_series")]
    if not runs:
        return
    table = [["series", *(s["strategy"] for s in runs)]]
    for k, part in enumerate(runs[0]["per_series"]):
        table.append([part["series"], *(_fmt(s["per_series"][k]["test_mae"]) for s in runs)])
    table.append(["pooled", *(_fmt(s["test_mae"]) for s in runs)])
    print("test MAE per series (one model per strategy on all of them):")
    _print_cells(table)


def cmd_compare(a: argparse.Namespace) -> int:
    from tqdm import tqdm

    from importance.energy import EnergyMeter
    from importance.experiment import load_members, preflight, run_classical, run_experiment
    from importance.runs.memory import check_series
    from importance.runtime import configure
    from importance.training import EpochEvent

    configure()  # threads that yield to other processes, glibc malloc tuned (no script needed)
    data = data_from_args(a)
    loaded = load_members(data)  # one series, or several for one model
    choice = window_from_args(a, *loaded)
    configs = configs_from_args(a, data, choice.config)
    # MemoryGuardError (a ValueError): too big for here
    check_series(configs, [s.values for s in loaded] if data.is_panel else loaded[0].values)
    preflight(configs[0])  # refused here, before any training, when it cannot work
    for series in loaded:
        print_data(series)
    if data.is_panel:
        print(f"one model per strategy on these {len(loaded)} series, each scaled on its own")
    print(f"window: {'; '.join(choice.reasons)}; horizon "
          f"{steps_words(choice.config.horizon, loaded[0].freq)}")
    store = RunStore(a.runs_dir)
    meter = EnergyMeter(a.country)
    summaries = []
    for cfg in configs:
        bar = tqdm(total=cfg.train.epochs, desc=f"{cfg.train.strategy:>9}", unit="epoch",
                   disable=a.no_progress, file=sys.stderr, leave=True)

        def on_event(ev: EpochEvent, bar=bar) -> None:
            bar.update(1)
            bar.set_postfix(val_mae=f"{ev.record.val_mae:.2f}", loss=f"{ev.record.train_loss:.3f}")

        run_id = run_experiment(cfg, store=store, on_event=on_event, meter=meter)
        bar.close()
        summaries.append(store.load(run_id).summary)
        note = ending_note(summaries[-1]["epochs"], cfg.train.epochs, cfg.train.patience,
                           cfg.train.min_delta)
        if note:  # the run's best epoch came early: say what the later epochs bought
            print(f"{cfg.train.strategy}: {note}")
    if a.classical:
        from importance.classical import CLASSICAL_MODELS

        for name in tqdm(CLASSICAL_MODELS, desc="classical", disable=a.no_progress,
                         file=sys.stderr):
            try:
                summaries.append(run_classical(name, configs[0].data, configs[0].window,
                                               meter=meter))
            except ValueError as exc:  # e.g. too little history for a weekly season
                print(f"importance: skipped {name}: {exc}", file=sys.stderr)
    table = compare_table(summaries)
    rows = table.to_dict("records")
    print_table(rows)
    baseline = pick_baseline(summaries)
    reached = energy_to_accuracy(summaries, baseline)
    for s in summaries:  # a best epoch from before any selection by score: say so
        if note := scores_unused_note(s, s["strategy"]):
            print(note)
    print_per_series(summaries)
    print_energy_to_accuracy(reached, baseline, summaries)
    best = best_classical(summaries)
    if best is not None:
        from importance.views import classical_verdicts

        for sentence in classical_verdicts(
                {s["strategy"]: s["test_mae"] for s in summaries if s.get("kind") != "classical"},
                {best["strategy"]: best["test_mae"]}):
            print(sentence)
    print(f"energy: {summaries[0]['energy_method']}")
    print("every total includes its strategy's scoring cost; saved% is against 'full'.")
    print(f"runs stored in {store.root}")
    compressed = compress_cli.after_compare(store, summaries, meter) if a.compress else {}
    if a.json is not None:
        keys = [*JSON_FIELDS, *(["mae_vs_classical_pct"] if best is not None else [])]
        runs = [{k: _json_value(r[k]) for k in keys}
                | ({"per_series": s["per_series"]} if "per_series" in s else {})
                | ({"compress": compressed[s["run_id"]]} if s.get("run_id") in compressed
                   else {})
                for r, s in zip(rows, summaries, strict=True)]
        out = {"runs": runs, "energy_to_accuracy": to_records(reached)}
        if baseline is not None and not reached.empty:  # what each target asked for
            best = best_val_mae(baseline)
            out["energy_to_accuracy_targets"] = [
                {"target_pct": t, "val_mae_at_most": target_mae(best, t)}
                for t in targets_of(reached)]
        a.json.write_text(json.dumps(out, indent=1, allow_nan=False))
    return 0


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
        print(f"{run_id}  {s['strategy']:>9}  MAE {_fmt(s['test_mae'])}  "
              f"backprop {_fmt(s['samples_backprop'])}  wall {_fmt(s['wall_s'], 1)}s  "
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
        return {"compare": cmd_compare, "data": cmd_data, "runs": cmd_runs,
                "sweep": sweep_cli.run, "report": report_cli.run,
                "compress": compress_cli.run}[a.command](a)
    except (DataError, ValueError, FileNotFoundError) as exc:
        # ValueError includes a diverged run (importance.training.NonFiniteLoss: epoch, batch,
        # learning rate), an invalid run id and an unreadable run (importance.runs.store)
        _close_progress_bars()
        print(f"importance: error: {exc}", file=sys.stderr)
        return 2


def _close_progress_bars() -> None:
    """End the progress bars a failed command left open, so the error gets its own line."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or ()):
        bar.close()


if __name__ == "__main__":
    sys.exit(main())

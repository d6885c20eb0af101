"""`importance` command line: a thin layer over the library.

    importance compare            baseline vs importance vs random on the embedded data
    importance compare --classical   ... plus statsmodels baselines on the same test windows
    importance runs               list stored runs
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from importance.compare import JSON_FIELDS, compare_table
from importance.config import (
    LR_SCHEDULES,
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    WindowConfig,
)
from importance.data import DataError
from importance.models import MODEL_KINDS
from importance.runs.store import RunStore, default_runs_dir
from importance.strategies import STRATEGIES

COMPARE_EXAMPLE = "example: importance compare --epochs 4 --keep-ratio 0.7 --json out.json"
RUNS_EXAMPLE = "example: importance runs --runs-dir runs"


def _add_runs_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs-dir", type=Path, default=None,
                   help=f"run store folder (default: $IMPORTANCE_RUNS_DIR or {default_runs_dir()})")


def _strategies(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in STRATEGIES]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown strategies {bad}; allowed: {', '.join(STRATEGIES)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    d, w, m, t = DataConfig(), WindowConfig(), ModelConfig(), TrainConfig()
    parser = argparse.ArgumentParser(prog="importance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compare", help="train full vs importance vs random and compare them",
                       description="Train one run per strategy on the same data, split and "
                                   "seed, then print a side-by-side table.", epilog=COMPARE_EXAMPLE)
    c.add_argument("--data", default=d.path,
                   help="CSV/Parquet/Milan file (default: the embedded synthetic Milan data)")
    c.add_argument("--series", default=None, help="square id or series id (default: 5060)")
    c.add_argument("--column", "--activity", dest="column", default=None,
                   help="activity or value column (default: internet)")
    c.add_argument("--model", choices=MODEL_KINDS, default=m.kind)
    c.add_argument("--hidden", type=int, default=m.hidden)
    c.add_argument("--layers", type=int, default=m.layers)
    c.add_argument("--lookback", type=int, default=w.lookback)
    c.add_argument("--horizon", type=int, default=w.horizon)
    c.add_argument("--stride", type=int, default=w.stride)
    c.add_argument("--epochs", type=int, default=t.epochs)
    c.add_argument("--batch-size", type=int, default=t.batch_size)
    c.add_argument("--lr", type=float, default=t.lr, help="peak learning rate (Adam)")
    c.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=t.lr_schedule,
                   help="cosine: decay to 5%% of the peak by each run's last batch")
    c.add_argument("--strategies", type=_strategies, default=["full", "gradnorm", "random"],
                   help=f"comma-separated, from: {', '.join(STRATEGIES)}")
    c.add_argument("--keep-ratio", type=float, default=0.7,
                   help="fraction of windows trained per epoch by subset strategies")
    c.add_argument("--scoring", choices=("last_layer", "exact"), default="last_layer",
                   help="gradnorm's norm: last-layer gradient norm read off the training "
                        "forward (fast), or the exact norm over all parameters")
    c.add_argument("--seed", type=int, default=t.seed)
    c.add_argument("--country", default=t.country, help="ISO alpha-3 for grid carbon intensity")
    c.add_argument("--classical", action="store_true",
                   help="add the statsmodels baselines (seasonal naive, Holt-Winters, "
                        "MSTL+ARIMA, Fourier+ARIMA) on the same test windows")
    c.add_argument("--json", type=Path, default=None, help="also write the table as JSON here")
    c.add_argument("--no-progress", action="store_true", help="no progress bars")
    _add_runs_dir(c)

    r = sub.add_parser("runs", help="list stored runs", description="List the stored runs.",
                       epilog=RUNS_EXAMPLE)
    _add_runs_dir(r)
    return parser


def configs_from_args(a: argparse.Namespace) -> list[RunConfig]:
    base = RunConfig(
        data=DataConfig(path=a.data, series=a.series, column=a.column),
        window=WindowConfig(lookback=a.lookback, horizon=a.horizon, stride=a.stride),
        model=ModelConfig(kind=a.model, hidden=a.hidden, layers=a.layers),
    )
    out = []
    for name in a.strategies:
        params = {} if name == "full" else {"keep_ratio": a.keep_ratio}
        if name == "gradnorm":
            params["scoring"] = a.scoring
        out.append(RunConfig(base.data, base.window, base.model, TrainConfig(
            strategy=name, strategy_params=params, epochs=a.epochs, batch_size=a.batch_size,
            lr=a.lr, lr_schedule=a.lr_schedule, seed=a.seed, country=a.country)))
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


def print_table(rows: list[dict]) -> None:
    cols = [("strategy", "strategy"), ("test_mae", "MAE"), ("test_rmse", "RMSE"),
            ("test_smape", "sMAPE%"), ("samples_backprop", "backprop"),
            ("backprop_saved_pct", "saved%"), ("wall_s", "wall s"), ("scoring_s", "scoring s"),
            ("wall_saved_pct", "saved%"), ("energy_kwh", "kWh"),
            ("energy_saved_pct", "saved%"), ("emissions_kg", "gCO2e")]
    table = [[h for _, h in cols]]
    for r in rows:
        cells = []
        for k, _ in cols:
            v = r.get(k)
            if k == "emissions_kg" and v is not None:
                v = v * 1000
            cells.append(_fmt(v, 1 if k.endswith("_pct") else 3))
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    for row in table:
        print("  ".join(c.rjust(wd) for c, wd in zip(row, widths, strict=True)))


def cmd_compare(a: argparse.Namespace) -> int:
    from tqdm import tqdm

    from importance.energy import EnergyMeter
    from importance.experiment import run_classical, run_experiment
    from importance.training import EpochEvent

    store = RunStore(a.runs_dir)
    configs = configs_from_args(a)
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
    print(f"data: {summaries[0]['series_label']}  ({summaries[0]['source']})")
    print_table(rows)
    print(f"energy: {summaries[0]['energy_method']}")
    print("every total includes its strategy's scoring cost; saved% is against 'full'.")
    print(f"runs stored in {store.root}")
    if a.json is not None:
        runs = [{k: _json_value(r[k]) for k in JSON_FIELDS} for r in rows]
        a.json.write_text(json.dumps({"runs": runs}, indent=1))
    return 0


def cmd_runs(a: argparse.Namespace) -> int:
    store = RunStore(a.runs_dir)
    summaries = store.summaries()
    if not summaries:
        print(f"no runs in {store.root}")
        return 0
    for s in summaries:
        print(f"{s['run_id']}  {s['strategy']:>9}  MAE {s['test_mae']:.3f}  "
              f"backprop {s['samples_backprop']:,}  wall {s['wall_s']:.1f}s  "
              f"{s['series_label']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    try:
        return {"compare": cmd_compare, "runs": cmd_runs}[a.command](a)
    except (DataError, ValueError, FileNotFoundError) as exc:
        print(f"importance: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

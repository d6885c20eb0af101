"""What the dashboard's Sweep page shows of a sweep, as plain tables (no Streamlit here).

    runs = runs_frame(record, summaries)          # one row per finished run of the sweep
    pairs = evidence.paired(runs)                 # ratios to full / control, same series+seed
    front = strategy_means(pairs, "energy")       # per strategy x keep: the Pareto candidates
    shown = interval_display(evidence.interval_table(pairs))  # intervals from 3 runs up
    v = sweep_verdict(stored_runs)                # the conclusion: importance.verdict's

A grid's time before a launch comes from `importance.estimate` (`importance.plan`).
For Milan-grid series (ids 1..10000), `square_values` places each square on the 100 x 100
grid (`evidence.grid_position`).

Exports: `intervals_export` and `runs_export` (units in the column names, rounded as the other
exports: `report.rounded`), written by `csv_bytes` / `parquet_bytes` with `export_header`'s
lines (the sweep's settings, and the synthetic note when it ran on the embedded demo data);
`chart_html` makes one chart a page that opens offline.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from importance import evidence, report, report_charts, verdict
from importance.metrics import number
from importance.provenance import (
    SYNTHETIC_BADGE,
    SYNTHETIC_NOTE,
    column_text,
    data_file_text,
    run_is_synthetic,
)
from importance.runcard import model_text, steps_text
from importance.runs.identity import RunInfo
from importance.runs.tasks import DONE
from importance.sweep.grid import DEFAULT_SERIES
from importance.sweep.store import SweepRecord

if TYPE_CHECKING:
    import plotly.graph_objects as go

RUN_COLUMNS = ("key", "run_id", "strategy", "keep_ratio", "seed", "series", "test_mae",
               "energy_kwh", "wall_s", "backprops")
COST_WORDS = {"energy": "energy", "wall": "wall time", "backprop": "backprops"}
METRICS = {"energy_saved_pct": "energy saved (%)", "wall_saved_pct": "wall time saved (%)",
           "backprop_saved_pct": "backprops saved (%)", "mae_ratio": "test MAE ratio to full"}


def runs_frame(record: SweepRecord | Mapping[str, Any],
               summaries: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per finished run of the sweep (`RUN_COLUMNS`), for `evidence.paired`.

    A cell's run is the record's `run_id` when its status is done; runs stored with the
    sweep's `sweep_id` whose cell the record does not mark done yet (a record saved a few
    seconds behind the runs) count too. Runs missing from `summaries` are left out.
    `keep_ratio` is NaN for strategies that take none; `energy_kwh` NaN when not measured;
    `backprops` = training + scoring backprops; `series` the cell's series as text (a group
    of cells: its name)."""
    if not isinstance(record, SweepRecord):
        record = SweepRecord.from_dict(dict(record))
    by_run: dict[str, Mapping[str, Any]] = {}
    by_cell: dict[str, Mapping[str, Any]] = {}
    for s in summaries:
        if s.get("run_id"):
            by_run[str(s["run_id"])] = s
        if s.get("sweep_id") == record.sweep_id and s.get("sweep_cell"):
            by_cell[str(s["sweep_cell"])] = s  # oldest first: the newest run of a cell wins
    rows = []
    for key, cell in record.cells.items():
        summary = None
        if cell.get("status") == DONE and cell.get("run_id"):
            summary = by_run.get(str(cell["run_id"]))
        if summary is None:
            summary = by_cell.get(key)
        if summary is None:
            continue
        keep = cell.get("keep_ratio")
        series = cell.get("series")
        rows.append({
            "key": key, "run_id": str(summary.get("run_id") or cell.get("run_id") or ""),
            "strategy": str(cell.get("strategy") or summary.get("strategy")),
            "keep_ratio": math.nan if keep is None else float(keep),
            "seed": int(cell.get("seed", 0)),
            "series": DEFAULT_SERIES if series is None else str(series),
            "test_mae": number(summary.get("test_mae")),
            "energy_kwh": number(summary.get("energy_kwh")),
            "wall_s": number(summary.get("wall_s")),
            "backprops": number(summary.get("samples_backprop", 0) or 0)
            + number(summary.get("samples_scoring_backprop", 0) or 0),
        })
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def counts(record: SweepRecord) -> dict[str, int]:
    """Cells per status (done, failed, cancelled, pending, running...), and their total."""
    out: dict[str, int] = {"runs": len(record.cells)}
    for cell in record.cells.values():
        status = str(cell.get("status") or "pending")
        out[status] = out.get(status, 0) + 1
    return out


# --- before a launch: the time a grid takes --------------------------------------------------

def duration_words(seconds: float | None) -> str:
    """"45 s", "3 min 20 s", "1 h 05 min"; "-" for None."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


# --- exploring a sweep ------------------------------------------------------------------------

def keep_label(keep: float) -> str:
    return "-" if keep is None or (isinstance(keep, float) and math.isnan(keep)) else f"{keep:g}"


def strategy_means(pairs: pd.DataFrame, cost: str) -> pd.DataFrame:
    """Per strategy x keep ratio (full included, at 1 x 1 by construction): the mean MAE ratio
    and `cost` ratio ("energy", "wall", "backprop") over series and seeds, the runs behind
    them, and `front`: whether the mean is on the Pareto front (lower on both: cheaper and a
    smaller error)."""
    col = f"{cost}_ratio"
    rows = []
    for (strategy, keep), g in pairs.groupby(["strategy", "keep_ratio"], dropna=False,
                                             sort=True):
        rows.append({"strategy": strategy, "keep_ratio": keep, "runs": len(g),
                     "mae_ratio": float(g["mae_ratio"].mean()),
                     "cost_ratio": float(g[col].mean())})
    out = pd.DataFrame(rows, columns=["strategy", "keep_ratio", "runs", "mae_ratio",
                                      "cost_ratio"])
    out["front"] = evidence.pareto_front(out["cost_ratio"].to_numpy(),
                                         out["mae_ratio"].to_numpy()) if len(out) else []
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def gated(table: pd.DataFrame) -> pd.DataFrame:
    """`evidence.interval_table` with no interval (NaN ends) on rows of fewer than
    `evidence.MIN_SEEDS` runs: two runs' interval is too wide to say anything."""
    out = table.copy()
    few = out["runs"].to_numpy() < evidence.MIN_SEEDS
    ends = [c for c in out.columns if c.endswith(("_low", "_high"))]
    out.loc[few, ends] = math.nan
    return out


def interval_text(m: float, lo: float, hi: float, fmt: str, unit: str = "",
                  n: int | None = None, word: str = "run") -> str:
    """"0.950 [0.930, 0.970]"; "0.950 (2 seeds: no interval)" below `evidence.MIN_SEEDS`
    `n` (of `word`) or without ends; "-" without a mean."""
    if not math.isfinite(m):
        return "-"
    few = n is not None and n < evidence.MIN_SEEDS
    if few or not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{m:{fmt}}{unit}" + (f" ({_count(n, word)}: no interval)" if n else
                                     " (no interval)")
    return f"{m:{fmt}}{unit} [{lo:{fmt}}, {hi:{fmt}}]"


def interval_display(table: pd.DataFrame, word: str = "run") -> pd.DataFrame:
    """`evidence.interval_table` as text with units: mean [95% interval] of the MAE ratio and
    of each saving in %, from `evidence.MIN_SEEDS` runs up (fewer: "2 seeds: no interval",
    `word` naming what a run repeats: "seed" on one series), and the count of paired runs
    with a lower test MAE than the control ("3 of 4 vs rs2": a count, not a verdict)."""
    rows = []
    for r in gated(table).to_dict("records"):
        pairs = int(r.get("pairs_vs_control") or 0)
        wins = r.get("wins_vs_control")
        n = int(r["runs"])
        row = {"strategy": r["strategy"], "keep ratio": keep_label(r["keep_ratio"]),
               "runs": n,
               "test MAE ratio to full": interval_text(r["mae_ratio"], r["mae_ratio_low"],
                                                       r["mae_ratio_high"], ".3f", "", n, word)}
        for name, words in COST_WORDS.items():
            row[f"{words} saved"] = interval_text(r[f"{name}_saved_pct"], r[f"{name}_saved_low"],
                                                  r[f"{name}_saved_high"], ".1f", " %", n, word)
        row["lower MAE than control"] = (
            "(the control)" if r["strategy"] == r["control"]
            else f"{int(wins or 0)} of {pairs} vs {r['control']}" if pairs
            else f"no {r['control']} run to pair with")
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_verdict(runs: Sequence[verdict.RunLike]) -> verdict.Verdict:
    """The sweep's conclusion (`importance.verdict.conclude_rows`) over its finished stored
    `runs`, the same on the Sweep page and from `importance sweep`. On several series the
    sweep is one comparison pooled over them: each series x seed is a pairing unit (so 2
    seeds on 3 series are 6 pairs), and every claim pairs runs of the same series and seed;
    a sweep over groups of cells (`importance.sweep.groups`) pairs by group and seed."""
    groups = any(r.summary.get("sweep_group") for r in runs)
    word = "group" if groups else "series"
    series = {r.run_id: str(r.summary.get("sweep_group") or r.config.data.series) for r in runs}
    rows = verdict.rows_of(runs)
    own = rows["run_id"].map(series)
    if own.nunique() > 1:
        rows = rows.assign(seed=[f"{word} {s} seed {k}" for s, k in zip(own, rows["seed"],
                                                                         strict=True)],
                           setup="sweep")
        return verdict.conclude_rows(rows, unit=f"{word}-seed pair")
    return verdict.conclude_rows(rows)


def milan_squares(series: Iterable[Any]) -> bool:
    """Whether every series is a Milan grid square id (1..10000), and there is one."""
    ids = [str(s) for s in series]
    return bool(ids) and all(s.isdigit() and 1 <= int(s) <= 10_000 for s in ids)


def square_values(pairs: pd.DataFrame, strategy: str, keep: float | None,
                  metric: str) -> pd.DataFrame:
    """Per Milan square: column and row on the grid (`evidence.grid_position`: x west to east,
    y south to north), and the mean over seeds of `metric` for `strategy` at `keep` (None or
    NaN: the strategy takes none): "mae_ratio", or a saving "<cost>_saved_pct"."""
    g = pairs[pairs["strategy"] == strategy]
    if keep is not None and not (isinstance(keep, float) and math.isnan(keep)):
        g = g[np.isclose(g["keep_ratio"].astype(float), float(keep))]
    if metric == "mae_ratio":
        values = g["mae_ratio"]
    elif metric.endswith("_saved_pct"):
        values = 100 * (1 - g[f"{metric.removesuffix('_saved_pct')}_ratio"])
    else:
        raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    per = (pd.DataFrame({"series": g["series"].astype(str), "value": values.astype(float)})
           .groupby("series", sort=True)["value"].agg(["mean", "size"]).reset_index())
    rows = []
    for r in per.itertuples(index=False):
        col, row = evidence.grid_position(r.series)
        rows.append({"square": r.series, "col": col, "row": row, "value": r.mean,
                     "seeds": int(r.size)})
    return pd.DataFrame(rows, columns=["square", "col", "row", "value", "seeds"])


# --- exports ----------------------------------------------------------------------------------

PARQUET_MIME = "application/vnd.apache.parquet"


def intervals_export(table: pd.DataFrame) -> pd.DataFrame:
    """`evidence.interval_table` for a file: one column per figure, units in the names
    (savings in %), rounded (`report.rounded`), interval ends blank below
    `evidence.MIN_SEEDS` runs (`gated`); `control` is blank for the controls."""
    table = gated(table)
    out = pd.DataFrame({"strategy": table["strategy"], "keep ratio": table["keep_ratio"],
                        "runs": table["runs"].astype(int)})
    for suffix, words in (("", ""), ("_low", ", 95% low"), ("_high", ", 95% high")):
        out[f"test MAE ratio to full{words}"] = table[f"mae_ratio{suffix}"]
    for name, words in COST_WORDS.items():
        out[f"{words} saved (%)"] = table[f"{name}_saved_pct"]
        for end in ("low", "high"):
            out[f"{words} saved, 95% {end} (%)"] = table[f"{name}_saved_{end}"]
    out["control"] = table["control"].mask(table["strategy"] == table["control"])
    out["pairs with lower MAE than control"] = pd.array(table["wins_vs_control"], dtype="Int64")
    out["pairs vs control"] = table["pairs_vs_control"].astype(int)
    return report.rounded(out)


def runs_export(pairs: pd.DataFrame) -> pd.DataFrame:
    """`evidence.paired` for a file: every run with its measures (energy in Wh) and its ratios
    to full data and to its control on the same series and seed, rounded; `control` is blank
    for full data and the controls themselves."""
    own = (pairs["strategy"] == pairs["control"]) | (pairs["strategy"] == "full")
    out = pd.DataFrame({
        "run key": pairs["key"], "run id": pairs["run_id"], "strategy": pairs["strategy"],
        "keep ratio": pairs["keep_ratio"], "seed": pairs["seed"].astype(int),
        "series": pairs["series"].astype(str),
        "test MAE (original units)": pairs["test_mae"],
        "energy (Wh)": pairs["energy_kwh"] * 1000,
        "wall time (s)": pairs["wall_s"],
        "backpropagated samples (train + scoring)": pd.array(pairs["backprops"].round(),
                                                             dtype="Int64"),
        "test MAE ratio to full": pairs["mae_ratio"]})
    for name, words in COST_WORDS.items():
        out[f"{words} ratio to full"] = pairs[f"{name}_ratio"]
    out["control"] = pairs["control"].mask(own)
    out["test MAE ratio to control"] = pairs["mae_vs_control"].astype(float)
    out["lower MAE than control"] = pd.array(pairs["beats_control"], dtype="boolean")
    return report.rounded(out)


def _values(items: Iterable[Any]) -> str:
    return ", ".join(dict.fromkeys(keep_label(v) if isinstance(v, float) else str(v)
                                   for v in items))


def _series_words(axes: Mapping[str, Any]) -> str:
    """"series 5060, 4259", or "groups (one model each) north (3 cells), south (4 cells)"."""
    groups = axes.get("groups")
    if groups:
        return "groups (one model each) " + ", ".join(
            f"{name} ({len(cells)} cell{'s' if len(cells) != 1 else ''})"
            for name, cells in groups.items())
    return f"series {_values(DEFAULT_SERIES if s is None else s for s in axes.get('series', []))}"


def sweep_title(axes: Mapping[str, Any]) -> str:
    """A sweep named by its grid: "Sweep: full, gradnorm, rs2 x keep 0.5, 0.7 x 3 seeds x
    4 series" (or "x 4 groups"; strategies counted past four)."""
    strategies = list(axes.get("strategies", []))
    named = (", ".join(strategies) if len(strategies) <= 4 else f"{len(strategies)} strategies")
    keeps = f"keep {_values(axes.get('keep_ratios', []))}"
    seeds = len(axes.get("seeds", []))
    groups = axes.get("groups")
    series = (f"{len(groups)} group{'s' if len(groups) != 1 else ''}" if groups else
              f"{len(axes.get('series', []))} series")
    return f"Sweep: {named} x {keeps} x {seeds} seed{'s' if seeds != 1 else ''} x {series}"


def sweep_lines(record: SweepRecord, runs: Sequence[RunInfo]) -> list[str]:
    """The sweep in words for its exports: its data, axes, runs, the settings its runs share
    (those of `runs`, the sweep's stored runs) and how energy was measured."""
    c = counts(record)
    a = record.axes
    lines = [f"sweep {record.sweep_id}: {c['runs']} runs in the grid, {c.get('done', 0)} done, "
             f"{c.get('failed', 0)} failed; axes: strategies {_values(a.get('strategies', []))}"
             f"; keep ratios {_values(a.get('keep_ratios', []))}; seeds "
             f"{_values(a.get('seeds', []))}; {_series_words(a)}"]
    if runs:
        cfg, w = runs[0].config, runs[0].config.window
        files = _values(data_file_text(r.config.data, r.summary) for r in runs)
        methods = _values(sorted({r.summary.get("energy_method") or "not recorded"
                                  for r in runs}))
        lines += [f"data: {files}, column {column_text(runs[0])}",
                  f"settings of every run: {model_text(cfg)}; lookback "
                  f"{steps_text(w.lookback, None)}, horizon "
                  f"{steps_text(w.horizon, None)}, stride {steps_text(w.stride, None)}"
                  f"; {cfg.train.epochs} epochs planned, early stopping "
                  + (f"after {cfg.train.patience}" if cfg.train.patience else "off")
                  + f"; public holidays {w.holidays or 'none'}; grid {cfg.train.country}"
                  + (f" ({cfg.train.grid_source})" if cfg.train.grid_source else ""),
                  f"energy measured by: {methods}"]
    return lines + [
        "ratios are to the full-data run of the same series and seed; savings are 1 - that "
        "ratio, in percent; intervals are 95% Student-t intervals of the mean over series and "
        f"seeds, given from {evidence.MIN_SEEDS} runs up (fewer: none); the verdict pairs "
        "each run with full data and its control on the same series and seed"]


def synthetic_lines(runs: Sequence[RunInfo]) -> list[str]:
    """The synthetic-data note as a header line when any of `runs` used the embedded demo
    data, else none."""
    if any(run_is_synthetic(r) for r in runs):
        return [f"{SYNTHETIC_BADGE.upper()}: {SYNTHETIC_NOTE}"]
    return []


def export_header(record: SweepRecord, what: str,
                  runs: Sequence[RunInfo]) -> list[str]:
    """The lines that open a sweep's table files: what it is, the synthetic note (demo data),
    the sweep and its settings (`sweep_lines`)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [f"{report.TITLE} - sweep {record.sweep_id}: {what}, exported {now}",
            *synthetic_lines(runs), *sweep_lines(record, runs)]


def csv_bytes(frame: pd.DataFrame, header: Sequence[str]) -> bytes:
    """`frame` as CSV after the `#` header lines (pandas: read_csv(path, comment="#"))."""
    return report.csv_text(frame, header).encode()


def parquet_bytes(frame: pd.DataFrame, header: Sequence[str]) -> bytes:
    """`frame` as Parquet, the header lines in its metadata (pandas:
    read_parquet(path).attrs["header"])."""
    out = frame.copy()
    out.attrs = {"header": list(header)}
    buf = io.BytesIO()
    out.to_parquet(buf, index=False)
    return buf.getvalue()


def chart_html(fig: go.Figure, title: str, record: SweepRecord,
               runs: Sequence[RunInfo]) -> str:
    """One chart of a sweep as a page that opens offline (plotly.js inlined, no CDN): its
    title, the synthetic badge (demo data), the chart and the sweep's settings."""
    badge = (f"<p><span class='badge'>{SYNTHETIC_BADGE}</span></p><p class='note'>"
             f"{html.escape(SYNTHETIC_NOTE)}</p>" if synthetic_lines(runs) else "")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in sweep_lines(record, runs))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{report.CSS}</style></head><body>\n"
            f"<h1>{html.escape(title)}</h1>{badge}<div class='chart'>"
            f"{report_charts.figure_html(fig, include_plotlyjs=True)}</div>"
            f"<h2>Sweep</h2><ul>{items}</ul>\n</body></html>\n")

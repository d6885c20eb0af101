"""What a comparison of stored runs hands over: one self-contained HTML report, and the CSV
exports of the dashboard, rounded, with units in the column names and the runs' settings.

The report (`build_report`, `write_report`; `importance report RUN_ID... -o report.html`)
opens offline: its charts (`importance.report_charts`) are Plotly figures with plotly.js
inlined, no CDN, no external fonts, stylesheets or images. It holds the verdict
(`importance.verdict`: its headline and sentences as they are), the comparison table with
units, the classical models fitted on the runs' data (or a line saying none were and how to
add them), the validation MAE per epoch, the time and energy
by phase and the forecasts over the test period, each run's settings, how energy was
measured, and where the data came from (the embedded synthetic demo data is badged as such).

No streamlit here: the CLI writes the same file as the dashboard's "Export report" button.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from importance import text
from importance.compare import compare_table
from importance.provenance import (
    SYNTHETIC_BADGE,
    SYNTHETIC_NOTE,
    data_file_text,
    run_is_synthetic,
    series_text,
)
from importance.report_charts import figure_html, mae_figure, overlay_figure, phase_figure
from importance.runcard import params_text, run_card_table, run_names, run_step, settings_lines
from importance.runs.identity import RunInfo, pick_baseline, seed_paired_table

TITLE = "Which training data matters?"
MEASUREMENT_NOTES = (
    "CodeCarbon's offline tracker measures one phase at a time (scoring, training, "
    "validation); jobs run one at a time, because a tracker counts the whole process.",
    "Without hardware energy counters CPU power is estimated from CPU load, and RAM power is a "
    "constant per GB, so energy largely follows wall time.",
    "Emissions are energy times the grid's average carbon intensity of the run's country.",
    "Every total includes the strategy's own scoring cost.",
)


# --- rounding and units -------------------------------------------------------------------------

def _is_precise(column: str) -> bool:
    """Columns shown to 4 significant digits: the errors in original units."""
    c = column.lower()
    return ("mae" in c or "rmse" in c) and "(%)" not in c


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Sensible rounding by column name: percentages to 0.1, errors (MAE, RMSE) to 4
    significant digits, every other float (energy, time, emissions) to 3; integers kept."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        if "(%)" in str(col):
            out[col] = s.round(1)
        else:
            digits = 4 if _is_precise(str(col)) else 3
            out[col] = s.map(lambda v, d=digits: text.round_significant(v, d))
    return out


def _number(v: Any) -> str:
    """A rounded figure for reading: thousands separators, no exponent."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        v = float(v)
        if v.is_integer() and abs(v) >= 1000:
            return f"{v:,.0f}"
        text = np.format_float_positional(v, trim="-")
        whole, _, frac = text.partition(".")
        whole = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
        if text.startswith("-0") and whole == "0":
            whole = "-0"
        return whole + (f".{frac}" if frac else "")
    return str(v)


# --- the comparison as a table with units --------------------------------------------------------

def _compare(runs: Sequence[RunInfo], base: RunInfo | None) -> pd.DataFrame:
    """The comparison table: each run's savings against `base`'s run of the same seed."""
    if base is None:  # no full-data run: no savings
        return compare_table([r.summary for r in runs])
    return seed_paired_table(runs, base)


def comparison_frame(runs: Sequence[RunInfo], names: Mapping[str, str],
                     base_id: str | None = None) -> pd.DataFrame:
    """One row per run: errors, savings against the baseline, counts, time, energy and
    emissions, with units in the column names (energy in Wh, emissions in gCO2e), rounded
    (`rounded`). Savings are 1 - run / baseline in percent."""
    base = pick_baseline(runs, base_id)
    table = _compare(runs, base)
    by_id = {r.run_id: r for r in runs}
    rows = []
    for row in table.to_dict("records"):
        r = by_id[row["run_id"]]
        s = r.summary

        def get(key: str, scale: float = 1.0, row=row) -> float:
            v = row.get(key)
            return float(v) * scale if v is not None and np.isfinite(v) else float("nan")

        rows.append({
            "run": names.get(r.run_id, r.label), "strategy": r.strategy,
            "strategy parameters": params_text(r.config.train.strategy_params),
            "data": data_file_text(r.config.data, s),
            "series": series_text(r),
            "baseline": r.run_id == (base.run_id if base else None),
            "test MAE (original units)": get("test_mae"),
            "test RMSE (original units)": get("test_rmse"),
            "test sMAPE (%)": get("test_smape"),
            "test MAE vs baseline (%)": get("mae_change_pct"),
            "epochs run": int(s.get("epochs_run", len(s.get("epochs") or []))),
            "epochs planned": int(s.get("epochs_planned", r.config.train.epochs)),
            "backpropagated samples (train + scoring)": int(row.get("backprops_all") or 0),
            "backprops saved (%)": get("backprop_saved_pct"),
            "wall time (s)": get("wall_s"),
            "of which scoring (s)": get("scoring_s"),
            "wall time saved (%)": get("wall_saved_pct"),
            "energy (Wh)": get("energy_kwh", 1000.0),
            "energy saved (%)": get("energy_saved_pct"),
            "emissions (gCO2e)": get("emissions_kg", 1000.0),
            "emissions saved (%)": get("emissions_saved_pct"),
            "energy to target (Wh)": get("energy_to_target_kwh", 1000.0),
            "time to target (s)": get("time_to_target_s"),
            "run id": r.run_id,
        })
    return rounded(pd.DataFrame(rows))


REPORT_COLUMNS = ("run", "test MAE (original units)", "test MAE vs baseline (%)", "epochs run",
                  "backpropagated samples (train + scoring)", "backprops saved (%)",
                  "wall time (s)", "wall time saved (%)", "energy (Wh)", "energy saved (%)",
                  "emissions (gCO2e)")


# --- CSV exports ---------------------------------------------------------------------------------

def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def provenance_lines(runs: Sequence[RunInfo]) -> list[str]:
    """Where the runs' data came from, one line per dataset; the synthetic note first when
    any run used the embedded demo data."""
    out = []
    if any(run_is_synthetic(r) for r in runs):
        out.append(f"{SYNTHETIC_BADGE.upper()}: {SYNTHETIC_NOTE}")
    seen: dict[str, None] = {}
    for r in runs:
        seen.setdefault(f"data: {data_file_text(r.config.data, r.summary)}, "
                        f"{series_text(r)}")
    return out + list(seen)


def export_header(what: str, runs: Sequence[RunInfo], names: Mapping[str, str],
                  steps: Mapping[str, pd.Timedelta | None],
                  extra: Sequence[str] = ()) -> list[str]:
    """The comment lines that open every CSV export: what it is, the data's provenance, how
    energy was measured and each run's settings."""
    methods = sorted({r.summary.get("energy_method") or "not recorded" for r in runs})
    return [f"{TITLE} - {what}, exported {_now()}", *provenance_lines(runs),
            f"energy measured by: {' / '.join(methods)}", *extra,
            *(f"settings of {line}" for line in settings_lines(runs, names, steps))]


def csv_text(frame: pd.DataFrame, header: Sequence[str]) -> str:
    """`frame` as CSV after `# `-comment lines (pandas: read_csv(..., comment="#"))."""
    buf = io.StringIO()
    for line in header:
        buf.write("# " + " ".join(str(line).split()) + "\n")
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def comparison_csv(runs: Sequence[RunInfo], names: Mapping[str, str],
                   steps: Mapping[str, pd.Timedelta | None],
                   base_id: str | None = None) -> bytes:
    """The Energy page's comparison table as a CSV file (`comparison_frame`, with the
    settings in its header)."""
    base = pick_baseline(runs, base_id)
    note = (f"baseline: {names.get(base.run_id, base.label)}; savings are 1 - run / baseline "
            "in percent; every total includes the strategy's own scoring cost" if base else
            "no full-data baseline among these runs: no savings")
    frame = comparison_frame(runs, names, base_id)
    return csv_text(frame, export_header("energy comparison", runs, names, steps,
                                         [note])).encode()


def _unit_name(column: str, unit: str) -> str:
    """A Forecasts-page column with its unit: "MAE" -> "test MAE (<unit>)", "x %" -> "x (%)"."""
    if column in ("MAE", "RMSE"):
        return f"test {column} ({unit.replace(' (original units)', ', original units')})"
    if column == "sMAPE %":
        return "test sMAPE (%)"
    if column == "time s":
        return "time (s)"
    if column.endswith(" %"):
        return f"test {column[:-2]} (%)"
    return column


def forecast_csv(table: pd.DataFrame, runs: Sequence[RunInfo], names: Mapping[str, str],
                 steps: Mapping[str, pd.Timedelta | None], unit: str) -> bytes:
    """The Forecasts page's metrics table as a CSV file: units in the column names
    (`unit`: the errors' units), rounded, the data and settings in its header."""
    frame = rounded(table.rename(columns={c: _unit_name(str(c), unit) for c in table.columns}))
    extra = ["MAE and RMSE over every test window and horizon step in original units; neural "
             "time is the whole training run, classical time is fit + forecast"]
    return csv_text(frame, export_header("forecast metrics on the test period", runs, names,
                                         steps, extra)).encode()


# --- the verdict ---------------------------------------------------------------------------------

def verdict_sentences(runs: Sequence[RunInfo], names: Mapping[str, str],
                      store: Sequence[RunInfo] = (),
                      classical: Mapping[str, Any] | None = None) -> list[str]:
    """The report's bottom line, as markdown sentences: `importance.verdict.conclude`'s
    headline and sentences as they are (each strategy against full data and against its
    control over the seeds of `runs` and `store`, then the best neural strategy against the
    best of `classical`: label -> test MAE), then the notes on runs whose scores played no
    part."""
    from importance import verdict as vd
    from importance.stopping import scores_unused_note

    v = vd.conclude(runs, store, classical)
    notes = [n for r in runs if (n := scores_unused_note(r.summary, names.get(r.run_id,
                                                                                r.label)))]
    return [v.headline, *v.sentences, *notes]


def classical_frame(classical: Mapping[str, Any]) -> pd.DataFrame:
    """The classical models fitted on the runs' data (label -> test MAE, or the fit's summary:
    then its fit + forecast time and energy too), lowest test MAE first, rounded."""
    rows = []
    for label, v in classical.items():
        fit = v if isinstance(v, Mapping) else {"test_mae": v}
        row = {"classical model": label, "test MAE (original units)": float(fit["test_mae"])}
        if "wall_s" in fit:
            row["fit + forecast time (s)"] = float(fit["wall_s"])
        if "energy_kwh" in fit:
            kwh = fit["energy_kwh"]
            row["energy (Wh)"] = float("nan") if kwh is None else float(kwh) * 1000.0
        rows.append(row)
    frame = pd.DataFrame(rows)
    return rounded(frame.sort_values("test MAE (original units)", kind="stable"))


def classical_section(runs: Sequence[RunInfo], classical: Mapping[str, Any] | None,
                      compared: bool) -> str:
    """The report's classical models: their table, or one line saying why there is none and
    how to add them. `compared`: whether the verdict above compares with them."""
    head = "<h2>Classical models</h2>"
    if classical:
        frame = classical_frame(classical)
        said = ("; the verdict above compares the best neural strategy with the best of them"
                if compared else "")
        timed = (" Their time is fit + forecast, measured as the runs' time (energy too, "
                 "estimated alike)." if "fit + forecast time (s)" in frame else "")
        return (head + _table(frame) + "<p class='caption'>Fitted on the same training and "
                "validation data and forecasting the same test windows" + said + "." + timed
                + "</p>")
    if len({(r.config.data, r.config.window) for r in runs}) > 1:
        return (head + "<p>None compared: these runs differ in their data or windows, and a "
                "classical model is fitted on one of them.</p>")
    return (head + "<p>None fitted on these runs' data yet: <code>importance compare "
            "--classical</code> fits them beside new runs (the Forecasts page fits the cheap "
            "strong ones for stored runs), and a report made afterwards lists them.</p>")


# --- the HTML ------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1f2937;max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem} h2{font-size:1.25rem;margin-top:2rem;
 border-bottom:1px solid #e5e7eb;padding-bottom:.2rem}
.meta{color:#6b7280;font-size:.9rem}
.badge{display:inline-block;background:#fff7ed;color:#9a3412;border:1px solid #fdba74;
 border-radius:.8rem;padding:.1rem .7rem;font-weight:600;font-size:.9rem}
.note{background:#fff7ed;border-left:4px solid #fb923c;padding:.5rem .8rem;margin:.6rem 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #e5e7eb;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f9fafb} td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{margin:1rem 0} .caption{color:#6b7280;font-size:.85rem}
pre{background:#f9fafb;padding:.5rem;overflow-x:auto;font-size:.8rem}
"""


def _md(text: str) -> str:
    """A sentence with **bold** as HTML (everything else escaped)."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            num = isinstance(v, int | float | np.integer | np.floating) and not isinstance(
                v, bool | np.bool_)
            cells.append(f"<td class='num'>{_number(v)}</td>" if num
                         else f"<td>{html.escape(_number(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>"
            + "".join(body) + "</tbody></table></div>")


def _config_for_report(r: RunInfo) -> dict[str, Any]:
    """The run's config, with the data file(s) by name only (no local folders)."""
    cfg = r.config.to_dict()
    data = dict(cfg["data"])
    data["path"] = data_file_text(r.config.data, r.summary)
    return {**cfg, "data": data}


def build_report(runs: Sequence[RunInfo], predictions: Mapping[str, pd.DataFrame], *,
                 names: Mapping[str, str] | None = None, base_id: str | None = None,
                 title: str | None = None, store: Sequence[RunInfo] = (),
                 classical: Mapping[str, Any] | None = None) -> str:
    """The HTML report of `runs` (oldest first; `predictions` by run id: their stored test
    forecasts), self-contained and readable offline. `store`: every stored run, whose other
    seeds give the verdict its intervals (default: `runs` alone); `classical`: each classical
    model fitted on the runs' data (label -> test MAE, or its stored summary,
    `importance.classical_results.for_runs`), compared in the verdict and listed in their own
    table; without any, the report says how to add them."""
    if not runs:
        raise ValueError("a report needs at least one run")
    names = dict(names or run_names(runs))
    steps = {r.run_id: run_step(predictions.get(r.run_id)) for r in runs}
    base = pick_baseline(runs, base_id)
    synthetic = any(run_is_synthetic(r) for r in runs)
    parts = [f"<h1>{html.escape(title or TITLE)}</h1>",
             f"<p class='meta'>Report of {len(runs)} stored run{'s' if len(runs) > 1 else ''}, "
             f"generated {_now()}"
             + (f"; baseline: {html.escape(names[base.run_id])}" if base else "") + "</p>"]
    if synthetic:
        parts.append(f"<p><span class='badge' id='synthetic-badge'>"
                     f"{SYNTHETIC_BADGE}</span></p>"
                     f"<p class='note'>{html.escape(SYNTHETIC_NOTE)}</p>")

    sentences = verdict_sentences(runs, names, store, classical)
    parts.append("<h2>Verdict</h2><ul>" + "".join(f"<li>{_md(s)}</li>" for s in sentences)
                 + "</ul>")

    frame = comparison_frame(runs, names, base_id)
    shown = frame[list(REPORT_COLUMNS)].astype(object)
    against = [c for c in shown.columns if "saved (%)" in c or "vs baseline" in c]
    shown.loc[frame["baseline"].to_numpy(dtype=bool), against] = "baseline"
    parts.append("<h2>Comparison</h2>" + _table(shown))
    savings = ("Savings are 1 - run / baseline, in percent (negative: more than the "
               "baseline)." if base else "No full-data run among these runs: no baseline, so "
               "no savings ('-').")
    methods = " ".join(str(r.summary.get("energy_method") or "") for r in runs).lower()
    energy = ("Energy and emissions are estimates" if "estimat" in methods
              else "Energy and emissions as measured")
    parts.append(f"<p class='caption'>{html.escape(savings)} Test MAE is in the data's "
                 "original units over every test window and horizon step. "
                 f"{energy} (see how energy was measured below); rounded to 3 significant "
                 "digits, errors to 4. The table lists each run on its own; the verdict above "
                 "pairs the runs seed by seed (with the other stored seeds of the same "
                 "setup).</p>")
    parts.append(classical_section(runs, classical,
                                   any("classical model" in s for s in sentences)))

    parts.append("<h2>Charts</h2>")
    figures = [(mae_figure(runs, names), "Lower: a smaller error; in the data's original "
                                         "units, as the test MAE."),
               (phase_figure(runs, names), "Scoring is the strategy's own cost of choosing "
                                           "windows; validation runs every epoch.")]
    overlay, note = overlay_figure(runs, names, predictions)
    if overlay is not None:
        figures.append((overlay, note))
    for k, (fig, caption) in enumerate(figures):
        parts.append(f"<div class='chart'>{figure_html(fig, include_plotlyjs=k == 0)}"
                     f"<p class='caption'>{html.escape(caption)}</p></div>")

    parts.append("<h2>Settings</h2>" + _table(run_card_table(runs, names, steps)))
    parts.append("<details><summary>Full run configurations (JSON)</summary>" + "".join(
        f"<p><strong>{html.escape(names[r.run_id])}</strong></p>"
        f"<pre>{html.escape(json.dumps(_config_for_report(r), indent=1))}</pre>"
        for r in runs) + "</details>")

    methods = sorted({r.summary.get("energy_method") or "not recorded" for r in runs})
    parts.append("<h2>How energy was measured</h2><p>" + "<br>".join(
        html.escape(m) for m in methods) + "</p><ul>"
        + "".join(f"<li>{html.escape(n)}</li>" for n in MEASUREMENT_NOTES) + "</ul>")
    parts.append("<details><summary>Measurement details per run</summary>" + "".join(
        f"<p><strong>{html.escape(names[r.run_id])}</strong></p><pre>"
        f"{html.escape(json.dumps(r.summary.get('energy_method_detail') or {}, indent=1))}"
        "</pre>" for r in runs) + "</details>")

    parts.append("<h2>Data provenance</h2><ul>" + "".join(
        f"<li>{html.escape(line)}</li>" for line in provenance_lines(runs)) + "</ul>")
    if not synthetic:
        parts.append("<p>Files named as they were given (uploaded or on the command line).</p>")

    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title or TITLE)} - run report</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def load_runs(store: Any, run_ids: Sequence[str]) -> tuple[list[RunInfo], dict[str, pd.DataFrame]]:
    """The runs `run_ids` of a `RunStore` (in the order given) and their test forecasts."""
    runs, preds = [], {}
    for run_id in run_ids:
        run = store.load(run_id)
        runs.append(RunInfo(run.run_id, run.summary, run.config))
        preds[run.run_id] = run.predictions()
    return runs, preds


def stored_runs(store: Any) -> list[RunInfo]:
    """Every readable run of a `RunStore` (summary and config only), oldest first."""
    out = []
    for run_id in store.ids():
        try:
            run = store.load(run_id)
        except (KeyError, ValueError):  # removed or damaged since the scan
            continue
        out.append(RunInfo(run.run_id, run.summary, run.config))
    return out


def write_report(store: Any, run_ids: Sequence[str], out: str | Path,
                 base_id: str | None = None) -> Path:
    """Write the report of the stored runs `run_ids` to `out` (the verdict's intervals from
    every run in `store`, the classical models stored for their data); return its path."""
    from importance.classical_results import for_runs

    runs, preds = load_runs(store, run_ids)
    out = Path(out)
    out.write_text(build_report(runs, preds, base_id=base_id, store=stored_runs(store),
                                classical=for_runs(store.root, runs) or None),
                   encoding="utf-8")
    return out

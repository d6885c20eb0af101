"""What a comparison of stored runs hands over: one self-contained HTML report, and the CSV
exports of the dashboard, rounded, with units in the column names and the runs' settings.

The report (`build_report`, `write_report`; `importance report RUN_ID... -o report.html`)
opens offline: its charts are Plotly figures with plotly.js inlined (`include_plotlyjs=True`,
no CDN), no external fonts, stylesheets or images. It holds the verdict (`importance.verdict`:
its headline and sentences as they are), the comparison table with units, the classical
models when given, the validation MAE per epoch, the time and energy by phase and
the forecasts over the test period, each run's settings, how energy was measured, and where
the data came from (the embedded synthetic demo data is badged as such).

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

from importance import views
from importance.views import RunInfo

TITLE = "Which training data matters?"
PHASE_NAMES = {"scoring": "scoring", "training": "training", "eval": "validation"}
PHASE_COLORS = {"scoring": "#ea580c", "training": "#2563eb", "eval": "#94a3b8"}
RUN_COLORS = ("#2563eb", "#ea580c", "#0d9488", "#7c3aed", "#db2777", "#ca8a04", "#16a34a",
              "#0891b2", "#9f1239", "#4f46e5")
ACTUAL_COLOR = "#111827"
MAX_OVERLAY_POINTS = 4032  # the latest four weeks of 10-minute steps
MEASUREMENT_NOTES = (
    "CodeCarbon's offline tracker measures one phase at a time (scoring, training, "
    "validation); jobs run one at a time, because a tracker counts the whole process.",
    "Without hardware energy counters CPU power is estimated from CPU load, and RAM power is a "
    "constant per GB, so energy largely follows wall time.",
    "Emissions are energy times the grid's average carbon intensity of the run's country.",
    "Every total includes the strategy's own scoring cost.",
)


# --- rounding and units -------------------------------------------------------------------------

def round_sig(x: Any, digits: int = 3) -> Any:
    """`x` to `digits` significant digits (NaN, None, ints and text unchanged)."""
    if isinstance(x, bool | np.bool_) or not isinstance(x, float | np.floating):
        return x
    if not math.isfinite(x) or x == 0:
        return float(x)
    return float(f"{float(x):.{digits}g}")


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
            out[col] = s.map(lambda v, d=digits: round_sig(v, d))
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

def pick_base(runs: Sequence[RunInfo], base_id: str | None = None) -> RunInfo | None:
    """The baseline: `base_id` when given (and among `runs`), else the newest full-data run."""
    chosen = next((r for r in runs if r.run_id == base_id), None)
    return chosen or views.pick_baseline(runs)


def _compare(runs: Sequence[RunInfo], base: RunInfo | None) -> pd.DataFrame:
    """The comparison table: each run's savings against `base`'s run of the same seed."""
    from importance.compare import compare_table

    if base is None:  # no full-data run: no savings
        return compare_table([r.summary for r in runs])
    return views.seed_paired_table(runs, base)


def comparison_frame(runs: Sequence[RunInfo], names: Mapping[str, str],
                     base_id: str | None = None) -> pd.DataFrame:
    """One row per run: errors, savings against the baseline, counts, time, energy and
    emissions, with units in the column names (energy in Wh, emissions in gCO2e), rounded
    (`rounded`). Savings are 1 - run / baseline in percent."""
    base = pick_base(runs, base_id)
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
            "strategy parameters": views.params_text(r.config.train.strategy_params),
            "data": views.data_file_text(r.config.data, s),
            "series": views.series_text(r),
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
    if any(views.run_is_synthetic(r) for r in runs):
        out.append(f"{views.SYNTHETIC_BADGE.upper()}: {views.SYNTHETIC_NOTE}")
    seen: dict[str, None] = {}
    for r in runs:
        seen.setdefault(f"data: {views.data_file_text(r.config.data, r.summary)}, "
                        f"{views.series_text(r)}")
    return out + list(seen)


def export_header(what: str, runs: Sequence[RunInfo], names: Mapping[str, str],
                  steps: Mapping[str, pd.Timedelta | None],
                  extra: Sequence[str] = ()) -> list[str]:
    """The comment lines that open every CSV export: what it is, the data's provenance, how
    energy was measured and each run's settings."""
    methods = sorted({r.summary.get("energy_method") or "not recorded" for r in runs})
    return [f"{TITLE} - {what}, exported {_now()}", *provenance_lines(runs),
            f"energy measured by: {' / '.join(methods)}", *extra,
            *(f"settings of {line}" for line in views.settings_lines(runs, names, steps))]


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
    base = pick_base(runs, base_id)
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


# --- charts --------------------------------------------------------------------------------------

def _colors(runs: Sequence[RunInfo]) -> dict[str, str]:
    return {r.run_id: RUN_COLORS[k % len(RUN_COLORS)] for k, r in enumerate(runs)}


def _style(fig, title: str, x: str, y: str, height: int = 400):
    fig.update_layout(template="plotly_white", height=height,
                      title=dict(text=title, x=0, xanchor="left"),
                      font=dict(family="system-ui, -apple-system, Segoe UI, sans-serif",
                                size=13, color="#1f2937"),
                      legend=dict(orientation="h", yref="container", y=0, yanchor="bottom",
                                  x=0, xanchor="left"),
                      margin=dict(l=10, r=10, t=60, b=70))
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def mae_figure(runs: Sequence[RunInfo], names: Mapping[str, str]):
    """Validation MAE per epoch, one line per run."""
    import plotly.graph_objects as go

    colors = _colors(runs)
    fig = go.Figure()
    for r in runs:
        ep = r.summary.get("epochs") or []
        fig.add_scatter(x=[int(e["epoch"]) + 1 for e in ep], y=[e["val_mae"] for e in ep],
                        mode="lines+markers", name=names.get(r.run_id, r.label),
                        line=dict(color=colors[r.run_id]))
    fig.update_xaxes(dtick=1)
    return _style(fig, "Validation MAE per epoch", "epoch", "validation MAE (original units)")


def phase_figure(runs: Sequence[RunInfo], names: Mapping[str, str]):
    """Wall time (s) and energy (Wh) by phase, one bar per run, stacked by phase."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    split = views.phase_split(runs, names)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Wall time (s)", "Energy (Wh, estimated)"),
                        horizontal_spacing=0.12)
    for phase in views.PHASES:
        part = split[split["phase"] == phase]
        for col, values in ((1, part["seconds"]), (2, part["energy_kwh"] * 1000)):
            fig.add_trace(go.Bar(y=part["run"], x=values, orientation="h",
                                 name=PHASE_NAMES[phase], legendgroup=phase,
                                 showlegend=col == 1, marker_color=PHASE_COLORS[phase]),
                          row=1, col=col)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(showticklabels=False, row=1, col=2)  # the same runs as on the left
    height = 240 + 40 * len(runs)
    _style(fig, "Where the time and energy went, by phase", "", "", height)
    fig.update_xaxes(title_text="seconds", row=1, col=1)
    fig.update_xaxes(title_text="Wh", row=1, col=2)
    return fig


def overlay_figure(runs: Sequence[RunInfo], names: Mapping[str, str],
                   predictions: Mapping[str, pd.DataFrame]):
    """Actual vs each run's one-step-ahead forecast on the test period, for the runs that
    share the newest run's data and window (one test period); None without forecasts.
    Runs on several series: the first series. Long test periods: the latest four weeks."""
    import plotly.graph_objects as go

    have = [r for r in runs if predictions.get(r.run_id) is not None]
    if not have:
        return None, ""
    ref = have[-1]
    same = [r for r in have if (r.config.data, r.config.window) == (ref.config.data,
                                                                     ref.config.window)]
    series = views.run_series(ref)
    first = series[0] if series else None
    tz = views.run_tz(ref)
    colors = _colors(runs)

    def shown(r: RunInfo) -> pd.DataFrame:
        pred = views.of_series(predictions[r.run_id], first)
        frame = views.on_clock(views.at_step(pred, 1), tz)
        return frame.iloc[-MAX_OVERLAY_POINTS:]

    template = shown(ref)
    fig = go.Figure()
    fig.add_scatter(x=template["time"], y=template["actual"], mode="lines", name="actual",
                    line=dict(color=ACTUAL_COLOR, width=1.5))
    for r in same:
        f = shown(r)
        fig.add_scatter(x=f["time"], y=f["forecast"], mode="lines",
                        name=names.get(r.run_id, r.label),
                        line=dict(color=colors[r.run_id], width=1))
    unit = f"{views.column_text(ref)} (original units)"
    _style(fig, "Actual vs forecast, one step ahead (test period)", views.clock_label(tz), unit,
           440)
    notes = []
    if len(same) < len(have):
        notes.append(f"{len(have) - len(same)} run(s) on other data or windows are not drawn.")
    if first is not None:
        notes.append(f"Runs on several series: series {first} is drawn.")
    if len(views.at_step(views.of_series(predictions[ref.run_id], first), 1)) > \
            MAX_OVERLAY_POINTS:
        notes.append(f"The latest {MAX_OVERLAY_POINTS:,} test steps are drawn.")
    return fig, " ".join(notes)


def figure_html(fig, include_plotlyjs: bool) -> str:
    """A figure as a div; with `include_plotlyjs`, plotly.js inlined before it (no CDN)."""
    import plotly.io as pio

    height = fig.layout.height or 420
    return pio.to_html(fig, full_html=False, include_plotlyjs=include_plotlyjs,
                       include_mathjax=False, default_height=f"{height}px",
                       config={"displaylogo": False, "responsive": True,
                               "modeBarButtonsToRemove": ["sendDataToCloud"]})


# --- the verdict ---------------------------------------------------------------------------------

def verdict_sentences(runs: Sequence[RunInfo], names: Mapping[str, str],
                      store: Sequence[RunInfo] = (),
                      classical: Mapping[str, float] | None = None) -> list[str]:
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


def classical_frame(classical: Mapping[str, float]) -> pd.DataFrame:
    """The classical models fitted on the runs' data, lowest test MAE first, rounded."""
    frame = pd.DataFrame({"classical model": list(classical),
                          "test MAE (original units)": [float(v) for v in classical.values()]})
    return rounded(frame.sort_values("test MAE (original units)", kind="stable"))


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
    data["path"] = views.data_file_text(r.config.data, r.summary)
    return {**cfg, "data": data}


def build_report(runs: Sequence[RunInfo], predictions: Mapping[str, pd.DataFrame], *,
                 names: Mapping[str, str] | None = None, base_id: str | None = None,
                 title: str | None = None, store: Sequence[RunInfo] = (),
                 classical: Mapping[str, float] | None = None) -> str:
    """The HTML report of `runs` (oldest first; `predictions` by run id: their stored test
    forecasts), self-contained and readable offline. `store`: every stored run, whose other
    seeds give the verdict its intervals (default: `runs` alone); `classical`: the test MAE
    of each classical model fitted on the runs' data (label -> MAE), compared in the verdict
    and listed in their own table."""
    if not runs:
        raise ValueError("a report needs at least one run")
    names = dict(names or views.run_names(runs))
    steps = {r.run_id: views.run_step(predictions.get(r.run_id)) for r in runs}
    base = pick_base(runs, base_id)
    synthetic = any(views.run_is_synthetic(r) for r in runs)
    parts = [f"<h1>{html.escape(title or TITLE)}</h1>",
             f"<p class='meta'>Report of {len(runs)} stored run{'s' if len(runs) > 1 else ''}, "
             f"generated {_now()}"
             + (f"; baseline: {html.escape(names[base.run_id])}" if base else "") + "</p>"]
    if synthetic:
        parts.append(f"<p><span class='badge' id='synthetic-badge'>"
                     f"{views.SYNTHETIC_BADGE}</span></p>"
                     f"<p class='note'>{html.escape(views.SYNTHETIC_NOTE)}</p>")

    parts.append("<h2>Verdict</h2><ul>" + "".join(
        f"<li>{_md(s)}</li>" for s in verdict_sentences(runs, names, store, classical))
        + "</ul>")

    frame = comparison_frame(runs, names, base_id)
    shown = frame[list(REPORT_COLUMNS)].astype(object)
    against = [c for c in shown.columns if "saved (%)" in c or "vs baseline" in c]
    shown.loc[frame["baseline"].to_numpy(dtype=bool), against] = "baseline"
    parts.append("<h2>Comparison</h2>" + _table(shown))
    parts.append("<p class='caption'>Savings are 1 - run / baseline, in percent (negative: "
                 "more than the baseline). Test MAE is in the data's original units over every "
                 "test window and horizon step. Energy and emissions are estimates (see how "
                 "energy was measured below); rounded to 3 significant digits, errors to 4. "
                 "The table lists each run on its own; the verdict above pairs the runs seed by "
                 "seed (with the other stored seeds of the same setup).</p>")
    if classical:
        parts.append("<h2>Classical models</h2>" + _table(classical_frame(classical))
                     + "<p class='caption'>Fitted on the same training and validation data and "
                     "forecasting the same test windows; the verdict compares the best neural "
                     "strategy with the best of them.</p>")

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

    parts.append("<h2>Settings</h2>" + _table(views.run_card_table(runs, names, steps)))
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
    every run in `store`); return its path."""
    runs, preds = load_runs(store, run_ids)
    out = Path(out)
    out.write_text(build_report(runs, preds, base_id=base_id, store=stored_runs(store)),
                   encoding="utf-8")
    return out

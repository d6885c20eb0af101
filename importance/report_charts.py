"""The report's charts as Plotly figures: validation MAE per epoch, time and energy by phase
(`phase_bars`, the one builder of the phase chart: the Energy page draws it too) and the
forecasts over the test period, and a figure as an HTML div with plotly.js inlined. Plotly is
imported only when a chart is made, so the command line starts fast."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from importance.aggregates.energy import PHASES, phase_split
from importance.aggregates.forecasts import at_step, of_series, on_clock, run_series
from importance.provenance import clock_label, column_text, run_tz
from importance.runs.identity import RunInfo

PHASE_NAMES = {"scoring": "scoring", "training": "training", "eval": "validation"}
PHASE_COLORS = {"scoring": "#ea580c", "training": "#2563eb", "eval": "#94a3b8"}
RUN_COLORS = ("#2563eb", "#ea580c", "#0d9488", "#7c3aed", "#db2777", "#ca8a04", "#16a34a",
              "#0891b2", "#9f1239", "#4f46e5")
ACTUAL_COLOR = "#111827"
MAX_OVERLAY_POINTS = 4032  # the latest four weeks of 10-minute steps


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


def phase_bars(fig, split: pd.DataFrame, value: str, row: int | None = None,
               col: int | None = None, legend: bool = True):
    """Add a `phase_split` table's `value` column ("seconds", or energy in the figure's unit)
    to `fig` as horizontal bars, one per run, stacked by phase (scoring, training,
    validation) in the phases' colors; `row`, `col`: the subplot."""
    import plotly.graph_objects as go

    for phase in PHASES:
        part = split[split["phase"] == phase]
        fig.add_trace(go.Bar(y=part["run"], x=part[value], orientation="h",
                             name=PHASE_NAMES[phase], legendgroup=phase, showlegend=legend,
                             marker_color=PHASE_COLORS[phase],
                             hovertemplate="%{y}: %{x:.3g}<extra>" + PHASE_NAMES[phase]
                                           + "</extra>"), row=row, col=col)
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_yaxes(autorange="reversed")
    return fig


def phase_figure(runs: Sequence[RunInfo], names: Mapping[str, str]):
    """Wall time (s) and energy (Wh) by phase, one bar per run, stacked by phase."""
    from plotly.subplots import make_subplots

    split = phase_split(runs, names).assign(energy_wh=lambda d: d["energy_kwh"] * 1000)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Wall time (s)", "Energy (Wh, estimated)"),
                        horizontal_spacing=0.12)
    phase_bars(fig, split, "seconds", row=1, col=1)
    phase_bars(fig, split, "energy_wh", row=1, col=2, legend=False)
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
    series = run_series(ref)
    first = series[0] if series else None
    tz = run_tz(ref)
    colors = _colors(runs)

    def shown(r: RunInfo) -> pd.DataFrame:
        pred = of_series(predictions[r.run_id], first)
        frame = on_clock(at_step(pred, 1), tz)
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
    unit = f"{column_text(ref)} (original units)"
    _style(fig, "Actual vs forecast, one step ahead (test period)", clock_label(tz), unit,
           440)
    notes = []
    if len(same) < len(have):
        notes.append(f"{len(have) - len(same)} run(s) on other data or windows are not drawn.")
    if first is not None:
        notes.append(f"Runs on several series: series {first} is drawn.")
    if len(at_step(of_series(predictions[ref.run_id], first), 1)) > \
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



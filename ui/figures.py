"""Figure builders for the pages. Each is cached by its inputs (st.cache_resource): Plotly's
object model costs 20-150 ms per figure, so a rerun only serialises figures it already built.
The cached figures are shared and must not be modified by callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from importance import report_charts
from importance.aggregates.data import downsample
from importance.aggregates.importance import ScoreHistograms
from importance.calendar import PARTS, profile, step_of
from importance.provenance import naive
from ui import charts

cached = st.cache_resource(max_entries=48, show_spinner=False)


HOLIDAY_COLOR = "#f59e0b"
# Windows drawn in the score-vs-error chart (a random sample): each SVG marker took ~0.2 ms in
# chromium here (2,000: 0.4 s a page visit, as long as WebGL's; 1,000: 0.1 s).
SCATTER_POINTS = 1000
DAY_MS = 86_400_000  # a bar's width on a date axis is in milliseconds


@cached
def series(values: pd.Series, gaps: pd.Series, title: str, x: str, y: str,
           holidays: tuple[tuple[dt.date, str], ...] = (), holiday_label: str = "") -> go.Figure:
    """The series (downsampled past `MAX_POINTS` points) with the filled points `gaps` marked
    and the `holidays` (local dates, names) shaded as whole days, named on hover."""
    shown = downsample(values)
    fig = go.Figure()
    if holidays:
        lo, hi = float(shown.min()), float(shown.max())
        n = len(holidays)
        fig.add_bar(x=[pd.Timestamp(d) + pd.Timedelta(hours=12) for d, _ in holidays],
                    y=[hi - lo] * n, base=[lo] * n, width=[DAY_MS] * n,
                    customdata=[[d.strftime("%a %d %b %Y"), name] for d, name in holidays],
                    hovertemplate="%{customdata[1]}<br>%{customdata[0]}<extra></extra>",
                    name=holiday_label, textposition="none",
                    marker=dict(color=HOLIDAY_COLOR, opacity=0.25, line_width=0))
    fig.add_scatter(x=naive(shown.index), y=shown.to_numpy(), mode="lines",
                    name="observed", line=dict(color=charts.ACTUAL_COLOR, width=1))
    if len(gaps):
        fig.add_scatter(x=naive(gaps.index), y=gaps.to_numpy(), mode="markers",
                        name="filled", marker=dict(color="#dc2626", size=5))
    charts.style(fig, title=title, x=x, y=y, height=360)
    return charts.range_buttons(_dates_inside(fig))


# Numbers for people: at most 6 significant digits, no trailing zeros, thousands separated
# (Plotly's own tick labels of a near-flat axis read "70.12987012987011326").
READABLE = ",.6~r"
HOVER = ",.4~r"


def _readable(fig: go.Figure) -> go.Figure:
    """Ticks and hover values of the value axis rounded for people (READABLE)."""
    fig.update_yaxes(tickformat=READABLE, hoverformat=HOVER)
    return fig


def _dates_inside(fig: go.Figure) -> go.Figure:
    """Date axes whose labels never reach past the plot area: the first date's label, centred
    on the left edge, met the value axis' tick labels."""
    fig.update_xaxes(ticklabeloverflow="hide past domain")
    return fig


def _ticks(part: str, values: Sequence[Hashable]) -> list[str]:
    """Axis labels of the values of the calendar part named `part` (`PARTS`)."""
    tick = PARTS[part].tick if part in PARTS else str
    return [tick(v) for v in values]


@cached
def calendar_heatmap(table: pd.DataFrame, title: str, x: str) -> go.Figure:
    """Mean traffic by the rows and columns of `table` (`importance.explore.calendar_heatmap`:
    weekday x hour of day, or weekday x week of year for daily data); `x` titles the columns
    (with their clock)."""
    rows, cols = str(table.index.name), str(table.columns.name)
    fig = go.Figure(go.Heatmap(z=table.to_numpy(), x=_ticks(cols, table.columns),
                               y=list(table.index), colorscale=charts.SEQUENTIAL,
                               colorbar=dict(title=dict(text="mean", side="right"),
                                             tickformat=READABLE),
                               hovertemplate=f"%{{y}}, {cols} %{{x}}: %{{z:{HOVER}}}"
                                             "<extra></extra>", xgap=1, ygap=1))
    charts.style(fig, title=title, x=x, y=rows, height=320, legend=False)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", nticks=13 if len(table.columns) > 24 else None)
    return fig


@cached
def part_means(means: pd.Series, column: str, part: str) -> go.Figure:
    """Mean by one calendar part (day of week, day of month, week of year) as bars; weekend
    days in their own colours."""
    labels = _ticks(part, means.index)
    colors = ["#ea580c" if v == "Sat" else "#db2777" if v == "Sun" else "#2563eb"
              for v in labels]
    fig = go.Figure(go.Bar(x=labels, y=means.to_numpy(), marker_color=colors,
                           hovertemplate=f"{part} %{{x}}: %{{y:{HOVER}}}<extra></extra>"))
    charts.style(fig, title=f"Mean by {part}", x=part, y=f"mean {column}", height=320,
                 legend=False)
    fig.update_xaxes(type="category")
    return _readable(fig)


CUT_COLOR = "#111827"


@cached
def score_animation(h: ScoreHistograms, color: str, title: str, score: str) -> go.Figure:
    """Stacked kept/dropped histograms, one animation frame per epoch, with a vertical line
    where the keep ratio cut the scores (`ScoreHistograms.cut`) when it did. Epochs that did
    not select by score (warm-up, random picks) are drawn as such: hatched, "warm-up" or
    "random" on the slider and in the title, and a note when they saw no score at all. The
    chart opens on the last epoch of `ScoreHistograms.shown`."""
    x = np.log10(h.centers) if h.log else h.centers
    width = float(np.diff(np.log10(h.edges) if h.log else h.edges).mean())
    epochs = list(range(len(h.scored)))
    first_scored = int(np.flatnonzero(h.scored)[0]) if h.scored.any() else len(h.scored)

    def kind(e: int) -> str:
        """"" for an epoch that selected by score, else what it did instead."""
        if h.scored[e]:
            return ""
        return "warm-up" if e < first_scored else "random"

    def label(e: int) -> str:
        return f"{e + 1} {kind(e)}".strip()
    top = float((h.kept + h.dropped)[epochs].max()) * 1.08 or 1.0
    lo_x, hi_x = float(x[0] - width / 2), float(x[-1] + width / 2)
    has_cut = bool(np.isfinite(h.cut[epochs]).any())

    def cut_line(e: int) -> go.Scatter:
        c = h.cut[e]
        if not np.isfinite(c):
            return go.Scatter(x=[None, None], y=[None, None], mode="lines+text", text=["", ""],
                              name="keep-ratio cut", line=dict(color=CUT_COLOR, dash="dash"))
        at = (np.log10(c) if c > 0 else lo_x) if h.log else c  # a zero score: left edge
        xc = float(np.clip(at, lo_x, hi_x))
        n = (h.kept[e] + h.dropped[e]).sum()
        kept = h.kept[e].sum() / n if n else float("nan")
        label = f"cut: top {kept:.0%} kept, score \u2265 {c:.3g}"
        side = "left" if xc > (lo_x + hi_x) / 2 else "right"
        return go.Scatter(x=[xc, xc], y=[0, top * 0.97], mode="lines+text",
                          text=["", label], textposition=f"bottom {side}",
                          textfont=dict(size=12, color=CUT_COLOR), name="keep-ratio cut",
                          line=dict(color=CUT_COLOR, width=2, dash="dash"),
                          hovertemplate=f"{label}<extra></extra>")

    def traces(e: int) -> list[go.BaseTraceType]:
        hatch = dict(shape="/" if kind(e) else "", fgcolor="#ffffff", solidity=0.3)
        out: list[go.BaseTraceType] = [
            go.Bar(x=x, y=h.kept[e], width=width, name="trained", marker_color=color,
                   marker_pattern=hatch, customdata=h.centers,
                   hovertemplate="score %{customdata:.3g}: %{y} trained<extra></extra>"),
            go.Bar(x=x, y=h.dropped[e], width=width, name="dropped",
                   marker_color=charts.DROPPED_COLOR, customdata=h.centers,
                   hovertemplate="score %{customdata:.3g}: %{y} dropped<extra></extra>")]
        return [*out, cut_line(e)] if has_cut else out

    def heading(e: int) -> str:
        if not kind(e):
            return f"{title}: epoch {e + 1}"
        return f"{title}: epoch {e + 1}, {kind(e)}: {trained(e)}, not by score"

    def trained(e: int) -> str:
        return ("every window" if h.share[e] >= 1
                else f"a random {h.share[e]:.0%} of the windows")

    def notes(e: int) -> list[dict]:
        if (h.kept[e] + h.dropped[e]).sum() > 0:
            return []
        return [dict(text=f"No scores yet in epoch {e + 1}: it trained {trained(e)}",
                     showarrow=False,
                     xref="paper", yref="paper", x=0.5, y=0.5, font=dict(size=13))]

    last = int(h.shown[-1]) if h.shown.size else epochs[-1]
    fig = go.Figure(data=traces(last), frames=[
        go.Frame(data=traces(e), name=label(e),
                 layout=dict(title_text=heading(e), annotations=notes(e)))
        for e in epochs])
    charts.style(fig, title=heading(last),
                 x=score + (" (log scale)" if h.log else ""), y="windows", height=380)
    fig.update_layout(barmode="stack", bargap=0, yaxis_range=[0, top],
                      xaxis_range=[lo_x, hi_x], margin=dict(l=10, r=10, t=80, b=10),
                      legend=dict(yref="paper", y=1.0, yanchor="bottom", x=1, xanchor="right"))
    if h.log:
        lo, hi = int(np.floor(x.min())), int(np.ceil(x.max()))
        ticks = list(range(lo, hi + 1))
        fig.update_xaxes(tickvals=ticks, ticktext=[f"{10.0 ** t:g}" for t in ticks])
    if len(epochs) < 2:
        fig.update_layout(height=400)
        return fig
    steps = [dict(method="animate", label=label(e),
                  args=[[label(e)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                         transition=dict(duration=0))])
             for e in epochs]
    fig.update_layout(
        sliders=[dict(active=epochs.index(last), steps=steps, currentvalue=dict(prefix="epoch "),
                      pad=dict(t=40, l=70), len=0.85, x=0.15)],
        updatemenus=[dict(type="buttons", direction="left", x=0, y=0, xanchor="left",
                          yanchor="top", pad=dict(t=45), showactive=False, buttons=[
                              dict(label="Play", method="animate",
                                   args=[None, dict(frame=dict(duration=700, redraw=True),
                                                    fromcurrent=False, mode="immediate",
                                                    transition=dict(duration=0))])])],
        height=460,
    )
    return fig


@cached
def part_share(tables: Mapping[str, pd.Series], colors: Mapping[str, str], clock: str,
               part: str) -> go.Figure:
    """Share of windows kept by one calendar part (`importance.calendar.profile` of the runs'
    step: hour of day, day of week, ...), one line per run; `clock` names the clock
    (`provenance.clock_label`)."""
    fig = go.Figure()
    for name, s in tables.items():
        fig.add_scatter(x=_ticks(part, s.index), y=100 * s.to_numpy(), mode="lines+markers",
                        name=name, line=dict(color=colors[name], width=2),
                        hovertemplate=f"{part} %{{x}}: %{{y:.0f}}% kept<extra></extra>")
    charts.style(fig, title=f"Share of windows trained, by {part}",
                 x=f"{part} of the first forecast step ({clock})",
                 y="trained (% of window-epochs)", height=340)
    fig.update_xaxes(type="category")
    return fig


CALENDAR_HEIGHT = 380


@cached
def calendar(week: pd.DataFrame, days: pd.Series, title: str, clock: str) -> go.Figure:
    """The compact selection calendar: a map of how often the windows starting there were
    trained by the rows and columns of `week` (`aggregates.importance.selection_grid`:
    weekday x hour of day, or weekday x week of year for daily data) over a one-row strip of
    the mean per calendar day (`aggregates.importance.selection_days`), one color scale; at
    most CALENDAR_HEIGHT px."""
    rows, cols = str(week.index.name), str(week.columns.name)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.74, 0.26], vertical_spacing=0.2,
                        subplot_titles=[f"by {rows} and {cols} ({clock})", "by day"])
    fig.add_heatmap(z=100 * week.to_numpy(), x=_ticks(cols, week.columns),
                    y=list(week.index), coloraxis="coloraxis", xgap=1, ygap=1,
                    hovertemplate=f"%{{y}}, {cols} %{{x}}: trained in %{{z:.0f}}% of epochs"
                                  "<extra></extra>", row=1, col=1)
    fig.add_heatmap(z=[100 * days.to_numpy()], x=naive(days.index), y=["day"],
                    coloraxis="coloraxis",
                    hovertemplate="%{x|%a %d %b %Y}: trained in %{z:.0f}% of epochs"
                                  "<extra></extra>", row=2, col=1)
    charts.style(fig, title=title, legend=False, height=CALENDAR_HEIGHT)
    fig.update_layout(coloraxis=dict(colorscale=charts.SHARE_SCALE, cmin=0, cmax=100,
                                     colorbar=dict(title=dict(text="% epochs", side="right"),
                                                   ticksuffix="%", len=1.0, thickness=14)),
                      margin=dict(l=10, r=10, t=70, b=10))
    fig.update_yaxes(autorange="reversed", type="category", row=1, col=1)
    fig.update_yaxes(showticklabels=False, row=2, col=1)
    fig.update_xaxes(type="category", row=1, col=1)
    fig.update_annotations(font_size=12, x=0, xanchor="left")
    return fig


@cached
def score_vs_error(score: np.ndarray, error: np.ndarray, kept: np.ndarray, color: str,
                   title: str, score_name: str, max_points: int = SCATTER_POINTS) -> go.Figure:
    """Each window's latest score vs the final model's absolute error on it (log-log), for a
    random sample of `max_points` windows (`SCATTER_POINTS`)."""
    ok = np.flatnonzero(np.isfinite(score) & np.isfinite(error) & (score > 0) & (error > 0))
    if len(ok) > max_points:
        ok = np.sort(np.random.default_rng(0).choice(ok, max_points, replace=False))
    fig = go.Figure()
    for mask, name, c in ((kept[ok], "trained in the last epoch", color),
                          (~kept[ok], "dropped in the last epoch", charts.DROPPED_COLOR)):
        i = ok[mask]
        fig.add_scatter(x=score[i], y=error[i], mode="markers", name=name,
                          marker=dict(color=c, size=4, opacity=0.6),
                          hovertemplate="score %{x:.3g}, |error| %{y:,.2f}<extra></extra>")
    charts.style(fig, title=title, x=f"{score_name} (log)", y="|error| of the final model "
                 "(original units, log)", height=400)
    # log axes labelled at 1, 2 and 5 per decade only ("D2"): the default 1..9 crowd on a laptop
    fig.update_xaxes(type="log", dtick="D2")
    fig.update_yaxes(type="log", dtick="D2")
    return fig


@cached
def window_multiples(windows: Sequence[tuple[str, pd.Series, pd.Series]], color: str,
                     cols: int, unit: str) -> go.Figure:
    """Small multiples: each window's input (gray) and forecast target (colored)."""
    rows = -(-len(windows) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[w[0] for w in windows],
                        horizontal_spacing=0.04, vertical_spacing=0.16)
    for k, (_, inp, target) in enumerate(windows):
        r, c = k // cols + 1, k % cols + 1
        fig.add_scatter(x=naive(inp.index), y=inp.to_numpy(), mode="lines",
                        line=dict(color="#94a3b8", width=1), showlegend=False,
                        hovertemplate="%{x}: %{y:,.1f}<extra>input</extra>", row=r, col=c)
        fig.add_scatter(x=naive(target.index), y=target.to_numpy(), mode="markers+lines",
                        marker=dict(color=color, size=6), line=dict(color=color),
                        showlegend=False, hovertemplate="%{x}: %{y:,.1f}<extra>target</extra>",
                        row=r, col=c)
    charts.style(fig, title="", legend=False, height=220 * rows + 40)
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(title_text=unit, col=1)
    fig.update_annotations(font_size=12)
    return fig


# The forecast charts below are cached by `key`, a small value naming what their frames hold
# (run ids, series, step, models, colours): hashing the frames themselves cost 0.4 s per
# Forecasts page visit, more than building the figures.
Lines = Sequence[tuple[str, pd.DataFrame, str, str]]  # (name, frame, color, dash)


@cached
def overlay(key: Hashable, _actual: pd.DataFrame, _lines: Lines, title: str, x: str,
            y: str) -> go.Figure:
    """Actual vs each forecast over the test period."""
    fig = go.Figure()
    fig.add_scatter(x=naive(_actual["time"]), y=_actual["actual"], mode="lines",
                    name="actual", line=dict(color=charts.ACTUAL_COLOR, width=2))
    for name, frame, color, dash in _lines:
        fig.add_scatter(x=naive(frame["time"]), y=frame["forecast"], mode="lines",
                        name=name, line=dict(color=color, width=1.5, dash=dash))
    charts.style(fig, title=title, x=x, y=y, height=420)
    return charts.range_buttons(_dates_inside(fig))


@cached
def residuals(key: Hashable, _lines: Lines, x: str, unit: str) -> go.Figure:
    """Residuals (forecast - actual) over time and their distribution, per forecast."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.7, 0.3], shared_yaxes=True,
                        horizontal_spacing=0.02)
    for name, frame, color, dash in _lines:
        res = (frame["forecast"] - frame["actual"]).to_numpy()
        fig.add_scatter(x=naive(frame["time"]), y=res, mode="lines", name=name,
                        legendgroup=name, line=dict(color=color, width=1, dash=dash),
                        row=1, col=1)
        fig.add_histogram(y=res, name=name, legendgroup=name, showlegend=False,
                          marker_color=color, opacity=0.55, nbinsy=60, row=1, col=2)
    charts.style(fig, title="Residuals (forecast - actual)", height=380)
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text=x, row=1, col=1)
    fig.update_xaxes(title_text="count", row=1, col=2)
    fig.update_yaxes(title_text=unit, row=1, col=1)
    fig.update_xaxes(ticklabeloverflow="hide past domain", row=1, col=1)  # dates
    fig.add_hline(y=0, line=dict(color="#94a3b8", width=1))
    return fig


@cached
def error_by_hour(key: Hashable, _lines: Lines, clock: str, unit: str) -> go.Figure:
    """Mean absolute error by the calendar part of the forecasts' step
    (`importance.calendar.profile`: hour of day below a day, day of week for daily data, week
    of year for weekly), per forecast; the frames' times are wall-clock times
    (`aggregates.forecasts.on_clock`) of the clock named `clock` (`provenance.clock_label`)."""
    times = [pd.DatetimeIndex(frame["time"]) for _, frame, _, _ in _lines]
    part = profile(step_of(times[0]) if times else None)
    fig = go.Figure()
    for (name, frame, color, dash), t in zip(_lines, times, strict=True):
        err = part.means((frame["forecast"] - frame["actual"]).abs(), t).dropna()
        fig.add_scatter(x=_ticks(part.name, err.index), y=err.to_numpy(),
                        mode="lines+markers", name=name, line=dict(color=color, dash=dash),
                        hovertemplate=f"{part.name} %{{x}}: %{{y:{HOVER}}}<extra>{name}"
                                      "</extra>")
    charts.style(fig, title=f"Mean absolute error by {part.name}",
                 x=f"{part.name} ({clock})", y=f"MAE ({unit})", height=340)
    fig.update_xaxes(type="category")
    return _readable(fig)


@cached
def phase_bars(split: pd.DataFrame, value: str, title: str, x: str) -> go.Figure:
    """Horizontal stacked bars per run: scoring / training / validation, built as the report's
    (`importance.report_charts.phase_bars`)."""
    fig = report_charts.phase_bars(go.Figure(), split, value)
    return charts.style(fig, title=title, x=x, height=120 + 50 * split["run"].nunique())


@cached
def cost_curves(curves: pd.DataFrame, xcol: str, x: str, colors: Mapping[str, str],
                target: float | None, title: str) -> go.Figure:
    """Validation MAE against cumulative cost per epoch, one line per run."""
    fig = go.Figure()
    for rid, part in curves.groupby("run_id", sort=False):
        fig.add_scatter(x=part[xcol], y=part["val_mae"], mode="lines+markers",
                        name=str(part["run"].iloc[0]), line=dict(color=colors[str(rid)]),
                        customdata=part["epoch"],
                        hovertemplate="epoch %{customdata}: %{x:.3g}, MAE %{y:,.2f}<extra>"
                                      "</extra>")
    if target is not None:
        fig.add_hline(y=target, line=dict(color="#94a3b8", dash="dot"),
                      annotation_text="target: baseline's best within tolerance",
                      annotation_position="bottom left")
    charts.style(fig, title=title, x=x, y="validation MAE (original units)", height=400)
    return fig


@cached
def weekday_profile(profile: pd.DataFrame, column: str, local: str) -> go.Figure:
    """Average daily profile, one line per weekday (weekend dashed)."""
    fig = go.Figure()
    blues = ("#1e3a8a", "#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa")
    for k, day in enumerate(profile.columns):
        weekend = k >= 5
        fig.add_scatter(x=list(profile.index), y=profile[day].to_numpy(), mode="lines",
                        name=str(day), line=dict(width=2 if weekend else 1.5,
                                                 dash="dash" if weekend else "solid",
                                                 color="#ea580c" if k == 5 else "#db2777"
                                                 if k == 6 else blues[k]))
    charts.style(fig, title="Average daily profile by weekday", x=f"time of day ({local})",
                 y=f"mean {column}", height=360)
    fig.update_xaxes(type="category", nticks=13)
    return fig


@cached
def decomposition(parts: pd.DataFrame, local: str, max_points: int = 2000) -> go.Figure:
    """MSTL components stacked: observed, trend, each season, remainder."""
    cols = list(parts.columns)
    fig = make_subplots(rows=len(cols), cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        subplot_titles=cols)
    for k, col in enumerate(cols):
        s = downsample(parts[col], max_points)
        fig.add_scatter(x=naive(s.index), y=s.to_numpy(), mode="lines", name=col,
                        line=dict(color=charts.ACTUAL_COLOR if k == 0 else "#2563eb", width=1),
                        showlegend=False, row=k + 1, col=1)
    charts.style(fig, title="Decomposition (MSTL)", legend=False, height=130 * len(cols) + 80)
    fig.update_xaxes(title_text=local, row=len(cols), col=1)
    fig.update_annotations(font_size=12, x=0, xanchor="left")
    return _dates_inside(fig)


@cached
def autocorrelation(corr: pd.DataFrame, step: str) -> go.Figure:
    """ACF and PACF as stems with their 95% bands around zero."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["ACF", "PACF"], shared_yaxes=True,
                        horizontal_spacing=0.04)
    lag = corr["lag"].to_numpy()
    for k, name in enumerate(("acf", "pacf")):
        band = corr[f"{name}_ci"].to_numpy()
        fig.add_scatter(x=np.r_[lag, lag[::-1]], y=np.r_[band, -band[::-1]], fill="toself",
                        fillcolor="rgba(37,99,235,0.12)", line=dict(width=0), hoverinfo="skip",
                        showlegend=False, row=1, col=k + 1)
        fig.add_bar(x=lag, y=corr[name], marker_color="#2563eb", width=0.6, showlegend=False,
                    hovertemplate="lag %{x}: %{y:.3f}<extra>" + name.upper() + "</extra>",
                    row=1, col=k + 1)
        # lag 0's label sits on the left edge, by the correlation axis' labels
        fig.update_xaxes(title_text=f"lag ({step}s)", ticklabeloverflow="hide past domain",
                         row=1, col=k + 1)
    charts.style(fig, title="Autocorrelation", y="correlation", legend=False, height=340)
    fig.update_annotations(font_size=12)
    return fig


@cached
def live_mae(lines: tuple[tuple[str, str, tuple[float, ...]], ...]) -> go.Figure:
    """Validation MAE per epoch while jobs train: (name, color, MAE per epoch) per job."""
    fig = go.Figure()
    for name, color, mae in lines:
        fig.add_scatter(x=list(range(1, len(mae) + 1)), y=list(mae), mode="lines+markers",
                        name=name, line=dict(color=color))
    charts.style(fig, title="Validation MAE per epoch", x="epoch",
                 y="validation MAE (original units)", height=300)
    fig.update_xaxes(dtick=1)
    return fig

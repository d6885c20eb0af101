"""The Sweep page's figures (plotly only, no Streamlit): the Pareto chart, the interval chart
and the Milan map, from the tables of `importance.sweep.view` and `importance.evidence`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from importance import evidence
from importance.strategies import STRATEGIES
from importance.sweep import view
from ui import charts


def label(s: str) -> str:
    return STRATEGIES[s].label if s in STRATEGIES else s


def pareto_figure(pairs: pd.DataFrame, means: pd.DataFrame, cost: str) -> go.Figure:
    """Every run a point (coloured by strategy), the per strategy x keep means as diamonds,
    the front through the means that no other mean undercuts on both axes."""
    col = f"{cost}_ratio"
    fig = go.Figure()
    fig.add_hline(y=1, line=dict(color="#9ca3af", width=1, dash="dot"))
    fig.add_vline(x=1, line=dict(color="#9ca3af", width=1, dash="dot"))
    for strategy, g in pairs.groupby("strategy", sort=False):
        color = charts.strategy_color(strategy)
        fig.add_scatter(
            x=g[col].tolist(), y=g["mae_ratio"].tolist(), mode="markers", name=label(strategy),
            legendgroup=strategy, marker=dict(color=color, size=8, opacity=0.55),
            customdata=np.stack([g["series"].astype(str), g["seed"].astype(str),
                                 g["keep_ratio"].map(view.keep_label)], axis=-1),
            hovertemplate=(f"{label(strategy)} keep %{{customdata[2]}}<br>series "
                           "%{customdata[0]}, seed %{customdata[1]}<br>MAE ratio %{y:.3f}"
                           f"<br>{view.COST_WORDS[cost]} ratio %{{x:.3f}}<extra></extra>"))
        m = means[means["strategy"] == strategy]
        fig.add_scatter(
            x=m["cost_ratio"].tolist(), y=m["mae_ratio"].tolist(), mode="markers",
            legendgroup=strategy,
            showlegend=False, marker=dict(color=color, size=13, symbol="diamond",
                                          line=dict(color="#111827", width=1)),
            text=[f"{label(strategy)} keep {view.keep_label(k)}: mean of {n} runs"
                  for k, n in zip(m["keep_ratio"], m["runs"], strict=True)],
            hovertemplate="%{text}<br>MAE ratio %{y:.3f}<br>cost ratio %{x:.3f}<extra></extra>")
    front = means[means["front"]].sort_values("cost_ratio")
    if len(front):
        fig.add_scatter(x=front["cost_ratio"].tolist(), y=front["mae_ratio"].tolist(),
                        mode="lines",
                        name="Pareto front (of the means)", hoverinfo="skip",
                        line=dict(color="#111827", width=2, dash="dash"))
    charts.style(fig, title=f"Test MAE against {view.COST_WORDS[cost]}, as ratios to full "
                            "data on the same series and seed",
                 x=f"{view.COST_WORDS[cost]} ratio to full (lower is cheaper)",
                 y="test MAE ratio to full (lower: smaller error)", height=460)
    return fig


def map_figure(squares: pd.DataFrame, metric: str, title: str) -> go.Figure:
    """The Milan grid around the squares: each square a cell at its column (west to east)
    and row (south to north), coloured by `metric`."""
    cols, rows, r_at, c_at = charts.milan_grid_window(squares)
    z = np.full((len(rows), len(cols)), np.nan)
    text = np.full(z.shape, "", dtype=object)
    z[r_at, c_at] = squares["value"].to_numpy(dtype=float)
    text[r_at, c_at] = [f"square {q} ({n} seeds)" for q, n in zip(squares["square"],
                                                                    squares["seeds"], strict=True)]
    ratio = metric == "mae_ratio"
    fig = go.Figure(go.Heatmap(
        z=z, x=cols.tolist(), y=rows.tolist(), text=text.tolist(), zmid=1.0 if ratio else 0.0,
        colorscale="RdYlGn_r" if ratio else "RdYlGn",
        colorbar=dict(title="ratio" if ratio else "%"), xgap=1, ygap=1,
        hovertemplate="%{text}<br>column %{x}, row %{y}<br>%{z:.3f}<extra></extra>"
        if ratio else "%{text}<br>column %{x}, row %{y}<br>%{z:.1f} %<extra></extra>"))
    charts.style(fig, title=title, x="grid column (west → east)",
                 y="grid row (south → north)", height=460, legend=False)
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def listed(values: np.ndarray) -> list[float | None]:
    """Floats for plotly, None (no error bar) where not finite."""
    return [float(v) if math.isfinite(v) else None for v in values]


def interval_figure(intervals: pd.DataFrame, order: Sequence[str], cost: str,
                    word: str = "run") -> go.Figure:
    """One row per strategy x keep ratio (`evidence.interval_table`): the mean (dot) and 95%
    interval (bar, from `evidence.MIN_SEEDS` runs up: `view.gated`) over series and seeds of
    the test MAE ratio to full data (left, with the kept-accuracy line) and of the `cost`
    saving (right); strategies in `order`, coloured as on the Pareto chart."""
    intervals = view.gated(intervals)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05)
    panels = ((("mae_ratio", "mae_ratio_low", "mae_ratio_high"), "test MAE ratio", ".3f", ""),
              ((f"{cost}_saved_pct", f"{cost}_saved_low", f"{cost}_saved_high"),
               f"{view.COST_WORDS[cost]} saved", ".1f", " %"))
    for strategy in order:
        g = intervals[intervals["strategy"] == strategy]
        rows = [strategy + ("" if math.isnan(k) else f" · keep {view.keep_label(k)}")
                for k in g["keep_ratio"]]
        color = charts.strategy_color(strategy)
        for col, (columns, words, fmt, unit) in enumerate(panels, start=1):
            mean, low, high = (g[c].to_numpy(dtype=float) for c in columns)
            fig.add_scatter(
                x=listed(mean), y=rows, mode="markers", name=label(strategy),
                legendgroup=strategy, showlegend=col == 1, marker=dict(color=color, size=10),
                error_x=dict(type="data", symmetric=False, array=listed(high - mean),
                             arrayminus=listed(mean - low), color=color, thickness=2, width=6),
                text=[f"{words} {view.interval_text(m, lo, hi, fmt, unit, int(n), word)}"
                      for m, lo, hi, n in zip(mean, low, high, g["runs"], strict=True)],
                hovertemplate="%{y}<br>%{text}<extra></extra>", row=1, col=col)
    pct = evidence.KEPT_ACCURACY_PCT  # shapes after the traces: none on empty subplots
    fig.add_vline(x=1 + pct / 100, line=dict(color="#16a34a", width=1, dash="dash"), row=1,
                  col=1)
    fig.add_annotation(x=1 + pct / 100, y=1, xref="x", yref="paper", yanchor="bottom",
                       showarrow=False, text=f"kept accuracy: interval ends at most +{pct:g}%",
                       font=dict(size=11, color="#16a34a"))
    for col, x in ((1, 1.0), (2, 0.0)):
        fig.add_vline(x=x, line=dict(color="#6b7280", width=1, dash="dot"), row=1, col=col)
    charts.style(fig, title="Mean and 95% interval over series and seeds, per strategy and "
                            "keep ratio", height=170 + 40 * len(intervals))
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(title_text="test MAE ratio to full (lower: lower error)", row=1, col=1)
    fig.update_xaxes(title_text=f"{view.COST_WORDS[cost]} saved, % (higher: saves more)",
                     row=1, col=2)
    return fig

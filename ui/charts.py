"""One palette and one chart style for every page."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from importance.strategies import STRATEGIES

# One color per strategy, the same on every page. Later strategies take the spare colors in
# registry order, so a new strategy gets a stable color too.
STRATEGY_COLORS = {"full": "#2563eb", "gradnorm": "#ea580c", "random": "#0d9488"}
SPARE_COLORS = ("#7c3aed", "#db2777", "#ca8a04", "#16a34a", "#0891b2", "#9f1239", "#4f46e5",
                "#854d0e", "#a21caf", "#64748b", "#0369a1")
ACTUAL_COLOR = "#111827"
DROPPED_COLOR = "#cbd5e1"
CLASSICAL_COLORS = ("#9333ea", "#be185d", "#65a30d", "#0e7490", "#78716c")  # drawn dotted
SEQUENTIAL = "Blues"
SHARE_SCALE = [[0, "#dbeafe"], [1, "#1e3a8a"]]  # 0% stays visible against blank cells
FONT = dict(family="Source Sans, sans-serif", size=13, color="#1f2937")

# The house template: plotly_white plus our font and palette. Installed as Plotly's default,
# which new figures pick up without re-validating it (setting a template per figure costs
# ~25 ms each).
pio.templates["importance"] = go.layout.Template(pio.templates["plotly_white"]).update(
    layout=dict(font=FONT, colorway=[*STRATEGY_COLORS.values(), *SPARE_COLORS],
                hoverlabel=dict(font_size=12), margin=dict(l=10, r=10, t=50, b=10),
                legend=dict(orientation="h", yref="container", y=0, yanchor="bottom",
                            x=0, xanchor="left")))
pio.templates.default = "importance"

LEGEND_PER_ROW, LEGEND_ROW_PX = 3, 28  # legend entries a row at 800 px, and a row's height

# Plotly modebar: keep download-as-PNG (at 2x), drop the Plotly logo.
CONFIG = {"displaylogo": False,
          "toImageButtonOptions": {"format": "png", "scale": 2},
          "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def strategy_color(strategy: str) -> str:
    """The strategy's color on every page."""
    if strategy in STRATEGY_COLORS:
        return STRATEGY_COLORS[strategy]
    others = [s for s in STRATEGIES if s not in STRATEGY_COLORS]
    i = others.index(strategy) if strategy in others else sum(map(ord, strategy))
    return SPARE_COLORS[i % len(SPARE_COLORS)]


def run_colors(run_ids: Sequence[str], strategies: Sequence[str]) -> dict[str, str]:
    """Colors per run: its strategy's color; repeats of a strategy get lighter shades."""
    seen: dict[str, int] = {}
    out = {}
    for rid, strat in zip(run_ids, strategies, strict=True):
        k = seen.get(strat, 0)
        seen[strat] = k + 1
        out[rid] = _lighten(strategy_color(strat), min(0.2 * k, 0.6))
    return out


def _lighten(hex_color: str, amount: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * amount) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def style(fig: go.Figure, *, title: str, x: str | None = None, y: str | None = None,
          height: int = 380, legend: bool = True) -> go.Figure:
    """A title, axis titles with units, a height for the plot; room for the legend below it
    (three entries a row, as an 800 px screen fits them), added to the height so the plot keeps
    its own (a y title as long as the plot is tall stays clear of the chart title)."""
    entries = sum(1 for t in fig.data if t.showlegend is not False and t.name) if legend else 0
    rows = -(-entries // LEGEND_PER_ROW)
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=16)),
                      height=height + LEGEND_ROW_PX * rows, showlegend=legend,
                      margin=dict(b=10 + LEGEND_ROW_PX * rows))
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    return fig


def range_buttons(fig: go.Figure) -> go.Figure:
    """Zoom buttons on a time axis: one day, one week, everything (client-side, instant)."""
    fig.update_xaxes(rangeselector=dict(
        buttons=[dict(count=1, label="day", step="day", stepmode="backward"),
                 dict(count=7, label="week", step="day", stepmode="backward"),
                 dict(step="all", label="all")],
        x=0, y=1.0, xanchor="left", yanchor="bottom", font=dict(size=12)))
    return fig


def show(fig: go.Figure, key: str | None = None) -> None:
    """Draw a figure with the house style (not Streamlit's theme) and the PNG download."""
    st.plotly_chart(fig, theme=None, config=CONFIG, key=key)


def milan_grid_window(squares: pd.DataFrame, pad: int = 3
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The part of Milan's 100 x 100 grid around `squares` (columns `col`, `row`), `pad`
    squares wider on each side: (its columns, its rows, each square's row and column in it)."""
    c0, c1 = max(0, squares["col"].min() - pad), min(99, squares["col"].max() + pad)
    r0, r1 = max(0, squares["row"].min() - pad), min(99, squares["row"].max() + pad)
    return (np.arange(c0, c1 + 1), np.arange(r0, r1 + 1),
            squares["row"].to_numpy(dtype=int) - r0, squares["col"].to_numpy(dtype=int) - c0)

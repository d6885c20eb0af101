"""The Importance page's "Which cells matter" section for runs that trained one model on
several series (cells): per cell, the share of its windows kept, per epoch and overall, as a
sortable table and a heat map; the cells never or always kept; the score distribution of the
most and least kept cells; and, for Milan squares, the map of the kept share. Computed by
`importance.aggregates.cells`; single-series runs show nothing here."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from importance.aggregates.cells import (
    QUANTILES,
    CellSelection,
    cells_text,
    is_panel_run,
    run_cells,
    square_map,
)
from importance.aggregates.importance import epoch_list
from importance.runs.identity import RunInfo
from ui import charts, runs, state

N_BOXES = 10  # cells drawn in each group of the score box plot
LABELED_ROWS = 60  # the heat map names its cells up to this many
LEAST_COLOR = "#64748b"

cached = st.cache_resource(max_entries=24, show_spinner=False)


@st.cache_data(show_spinner="Summing the selection per cell...", max_entries=24)
def _cells(root: str, run_id: str, _run: RunInfo) -> CellSelection:
    return run_cells(_run, runs.arrays(run_id))


def panel_runs(subset: Sequence[RunInfo], arrays: Mapping[str, Mapping[str, np.ndarray]]
               ) -> list[RunInfo]:
    """The runs of `subset` that trained one model on several series."""
    return [r for r in subset if is_panel_run(r, arrays[r.run_id])]


def _pct(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(100 * float(v), 2) for v in values]


@cached
def epoch_heatmap(key: Hashable, _cells: CellSelection, title: str) -> go.Figure:
    """Cells (rows, most kept at the top) x epochs: the share of each cell's windows kept."""
    order = _cells.order()
    names = [_cells.names[i] for i in order]
    epochs = [f"{e + 1}" if c else f"{e + 1} (no score)"
              for e, c in enumerate(_cells.counted)]
    z = np.round(100 * _cells.per_epoch[:, order].T, 2)
    fig = go.Figure(go.Heatmap(
        z=z.tolist(), x=epochs, y=names, zmin=0, zmax=100, colorscale=charts.SHARE_SCALE,
        colorbar=dict(title="kept %"), xgap=1,
        hovertemplate="cell %{y}<br>epoch %{x}<br>%{z:.0f}% of its windows kept"
                      "<extra></extra>"))
    charts.style(fig, title=title, x="epoch", y="cell (most kept at the top)",
                 height=min(900, 200 + 12 * len(names)), legend=False)
    fig.update_yaxes(autorange="reversed", type="category",
                     showticklabels=len(names) <= LABELED_ROWS)
    fig.update_xaxes(type="category")
    return fig


@cached
def score_boxes(key: Hashable, _cells: CellSelection, color: str, title: str,
                score: str, n: int = N_BOXES) -> go.Figure:
    """Box per cell of its windows' latest scores (5th, 25th, 50th, 75th and 95th
    percentiles) for the `n` most kept cells and the `n` least kept."""
    most, least = _cells.ranked(n)
    index = {name: i for i, name in enumerate(_cells.names)}
    q = _cells.quantiles
    fig = go.Figure()
    for frame, name, c in ((most, "most kept", color), (least, "least kept", LEAST_COLOR)):
        rows = [index[s] for s in frame["series"]]
        rows = [i for i in rows if np.isfinite(q[i]).all()]
        if not rows:
            continue
        fig.add_box(x=[_cells.names[i] for i in rows], name=name, marker_color=c,
                    lowerfence=q[rows, 0].tolist(), q1=q[rows, 1].tolist(),
                    median=q[rows, 2].tolist(), q3=q[rows, 3].tolist(),
                    upperfence=q[rows, 4].tolist(), boxpoints=False)
    finite = q[np.isfinite(q)]
    log = finite.size > 0 and finite.min() > 0 and finite.max() > 100 * finite.min()
    charts.style(fig, title=title, x="cell", y=f"latest {score}", height=400)
    fig.update_xaxes(type="category")
    if log:
        fig.update_yaxes(type="log")
    return fig


@cached
def kept_map(key: Hashable, _squares: pd.DataFrame, title: str) -> go.Figure:
    """The Milan grid around the squares (columns west to east, rows south to north), each
    square coloured by the share of its windows kept."""
    cols, rows, r_at, c_at = charts.milan_grid_window(_squares)
    z = np.full((len(rows), len(cols)), np.nan)
    text = np.full(z.shape, "", dtype=object)
    z[r_at, c_at] = 100 * _squares["kept"].to_numpy(dtype=float)
    text[r_at, c_at] = [f"square {s}" for s in _squares["square"]]
    fig = go.Figure(go.Heatmap(
        z=np.where(np.isfinite(z), np.round(z, 2), None).tolist(), x=cols.tolist(),
        y=rows.tolist(), text=text.tolist(), zmin=0, zmax=100, colorscale=charts.SHARE_SCALE,
        colorbar=dict(title="kept %"), xgap=1, ygap=1,
        hovertemplate="%{text}<br>column %{x}, row %{y}<br>%{z:.0f}% of its windows kept"
                      "<extra></extra>"))
    charts.style(fig, title=title, x="grid column (west → east)",
                 y="grid row (south → north)", height=460, legend=False)
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def table_view(cells: CellSelection) -> tuple[pd.DataFrame, dict]:
    """The cells' table in percent, with a per-epoch sparkline, and its column settings."""
    table = cells.table()
    epochs = [c for c in table.columns if c.startswith("epoch ")]
    shares = table[epochs].to_numpy(dtype=float)
    table["kept"] = _pct(table["kept"].to_numpy(dtype=float))
    for c in epochs:
        table[c] = _pct(table[c].to_numpy(dtype=float))
    table.insert(3, "per epoch", [_pct(row) for row in shares])
    scores = [c for c in table.columns if c.startswith("score ")]
    config = {
        "kept": st.column_config.ProgressColumn(
            "kept %", min_value=0, max_value=100, format="%.0f%%",
            help="share of the cell's windows kept, over the epochs that selected by score"),
        "per epoch": st.column_config.LineChartColumn(
            "kept % per epoch", y_min=0, y_max=100, help="epoch 1 on the left"),
        **{c: st.column_config.NumberColumn(c, format="%.0f%%") for c in epochs},
        **{c: st.column_config.NumberColumn(c, format="%.3g") for c in scores},
    }
    return table, config


def section(subset: Sequence[RunInfo], arrays: Mapping[str, Mapping[str, np.ndarray]],
            names: Mapping[str, str], colors: Mapping[str, str],
            score_names: Mapping[str, str]) -> None:
    """The section for the panel runs among `subset` (runs that trained a subset of the
    windows); nothing when there is none."""
    panels = panel_runs(subset, arrays)
    if not panels:
        return
    st.header("Which cells matter")
    st.caption("For a run that trained one model on several series (cells): the share of each "
               "cell's training windows that the strategy kept. A cell the strategy never keeps "
               "adds nothing to the model after warm-up; one it always keeps is trained in "
               "full. Overall shares count the epochs that selected by score (warm-up epochs "
               "pick at random).")
    ids = [r.run_id for r in panels]
    pick = ids[-1]
    if len(ids) > 1:
        pick = st.selectbox("Cells of run", ids, index=len(ids) - 1, key=state.IMP_CELLS_RUN,
                            format_func=names.__getitem__)
    run = next(r for r in panels if r.run_id == pick)
    cells = _cells(str(runs.store().root), pick, run)
    name = names[pick]
    st.markdown(f"**{name}.** {cells_text(cells)}")
    table, config = table_view(cells)
    st.dataframe(table, hide_index=True, height=360, column_config=config)
    uncounted = np.flatnonzero(~cells.counted)
    st.caption("One row per cell, most kept first; click a column's header to sort by it. "
               f"Scores: percentiles ({', '.join(f'{round(100 * q)}th' for q in QUANTILES)}) "
               "of the cell's windows' latest scores."
               + (f" Not counted in 'kept %': {epoch_list(uncounted)} (no selection by "
                  "score)." if uncounted.size else ""))
    charts.show(epoch_heatmap(pick, cells, f"Share of each cell's windows kept per epoch: "
                                           f"{name}"), key=f"cells-epochs-{pick}")
    if np.isfinite(cells.quantiles).any():
        charts.show(score_boxes(pick, cells, colors[pick],
                                f"Latest scores of the {N_BOXES} most and {N_BOXES} least "
                                f"kept cells: {name}", score_names[pick]),
                    key=f"cells-scores-{pick}")
        st.caption("Each box: the 25th to 75th percentile of the cell's windows' latest "
                   "scores, with the median; whiskers from the 5th to the 95th percentile.")
    squares = square_map(cells)
    if not squares.empty:
        charts.show(kept_map(pick, squares, f"Share of each square's windows kept: {name}"),
                    key=f"cells-map-{pick}")
        st.caption("Squares are placed by their number on the 100 x 100 Milan grid (numbered "
                   "row by row from the south-west corner); blank cells are squares outside "
                   "the run.")

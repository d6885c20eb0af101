"""The context of every result page: which data and settings the runs shown were trained on
(a compact "Runs shown" card), their data in the sidebar, and the "synthetic demo data" badge
wherever the embedded default is in play.

Each result page calls `show(chosen, names)` once, right after `runs.chosen_for_page()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from importance.provenance import (
    SYNTHETIC_BADGE,
    SYNTHETIC_NAME,
    SYNTHETIC_NOTE,
    data_file_text,
    is_synthetic,
    run_is_synthetic,
    series_text,
)
from importance.runcard import run_card_table, run_step, runs_data_text, steps_text
from importance.runs.identity import RunInfo
from ui import runs
from ui.data import Dataset

BADGE_ICON = ":material/science:"


def badge(where=st) -> None:
    """The orange "Synthetic demo data" badge, with what that means on hover."""
    where.badge(SYNTHETIC_BADGE, icon=BADGE_ICON, color="orange", help=SYNTHETIC_NOTE)


def dataset_badge(dataset: Dataset) -> None:
    """The badge on the Data page when the dataset chosen is the embedded default."""
    if is_synthetic(dataset.config):
        badge()


def steps(chosen: Sequence[RunInfo]) -> dict[str, pd.Timedelta | None]:
    """Each run's time step, from its stored test forecasts (cached loads)."""
    out = {}
    for r in chosen:
        try:
            out[r.run_id] = run_step(runs.predictions(r.run_id))
        except (KeyError, ValueError):  # removed or damaged since it was listed
            out[r.run_id] = None
    return out


def summary_line(chosen: Sequence[RunInfo],
                 by_run: dict[str, pd.Timedelta | None]) -> str:
    """The card's title: what the runs share ("square 5060 (Duomo) · internet, lookback
    1 day (144 x 10 min), horizon 10 min (1 step), seed 0"), or how many setups they span."""
    data = {(data_file_text(r.config.data, r.summary), series_text(r))
            for r in chosen}
    windows = {(r.config.window.lookback, r.config.window.horizon, by_run.get(r.run_id))
               for r in chosen}
    seeds = {r.config.train.seed for r in chosen}
    parts = []
    if len(data) == 1:
        (file, series), = data
        parts.append(series if file == SYNTHETIC_NAME else f"{file}: {series}")
    else:
        parts.append(f"{len(data)} datasets")
    if len(windows) == 1:
        (lookback, horizon, step), = windows
        parts.append(f"lookback {steps_text(lookback, step)}, horizon "
                     f"{steps_text(horizon, step)}")
    parts.append(f"seed {next(iter(seeds))}" if len(seeds) == 1 else f"{len(seeds)} seeds")
    return f"Runs shown ({len(chosen)}): " + ", ".join(parts)


def show(chosen: Sequence[RunInfo], names: dict[str, str]) -> None:
    """The run card (a collapsed table: data file and column, step and zone, lookback and
    horizon in time units, epochs, seed, strategy parameters, model), the synthetic badge when
    a run used the embedded data, and the runs' own data in the sidebar."""
    by_run = steps(chosen)
    synthetic = any(run_is_synthetic(r) for r in chosen)
    if synthetic:
        badge()
    with st.expander(summary_line(chosen, by_run), expanded=False):
        # a static table: the pages' own st.dataframe tables keep their places
        st.table(run_card_table(chosen, names, by_run, compact=True), hide_index=True)
        st.caption("Epochs: run / planned. Lookback, horizon and stride in the runs' own time "
                   "step." + (f" {SYNTHETIC_NOTE}" if synthetic else ""))
    st.sidebar.caption(f"**Data of the runs shown:** {runs_data_text(chosen)}")
    if synthetic:
        badge(st.sidebar)

"""The job manager singleton, the run store, cached run loaders and the runs picker.

The library's run store and job manager import torch (seconds): they are imported on first
use, so the Data page starts without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from importance import provenance
from importance.runcard import run_names
from importance.runs.identity import RunInfo, latest_batch
from importance.timeaxis import tz_name
from ui import charts, state
from ui.data import load

if TYPE_CHECKING:
    from importance.runs.jobs import JobManager
    from importance.runs.store import RunStore


@st.cache_resource(show_spinner="Starting the job manager...",
                   on_release=lambda mgr: mgr.close())
def manager() -> JobManager:
    """One job manager per server: it trains queued jobs in its lanes (one per core on a
    local Dask cluster, or one worker process; `importance.runs.jobs`), started at the first
    job, and restores the queue a previous server left in the runs folder. Clearing the cache
    closes it: its workers end, and its queued jobs wait in the queue file for the next
    manager."""
    from importance.runs.jobs import JobManager
    from importance.runs.store import RunStore

    return JobManager(RunStore())  # RunStore() reads $IMPORTANCE_RUNS_DIR


def store() -> RunStore:
    return manager().store


@st.cache_data(show_spinner=False, max_entries=512)
def _info(root: str, run_id: str) -> RunInfo:
    run = store().load(run_id)
    return RunInfo(run_id, run.summary, run.config)


@st.cache_data(show_spinner="Loading the run's scores...", max_entries=24)
def _arrays(root: str, run_id: str) -> dict[str, np.ndarray]:
    return dict(store().load(run_id).arrays)


@st.cache_data(show_spinner="Loading the run's forecasts...", max_entries=24)
def _predictions(root: str, run_id: str) -> pd.DataFrame:
    return store().load(run_id).predictions()


def all_runs() -> list[RunInfo]:
    """Every readable stored run, oldest first (summaries cached by run id: runs never
    change). Unreadable run folders are skipped: `unreadable()` lists them."""
    from importance.runs.store import UnreadableRun

    s = store()
    out = []
    for rid in s.ids():
        try:
            out.append(_info(str(s.root), rid))
        except (KeyError, UnreadableRun):  # removed or damaged since the scan
            continue
    return out


def unreadable() -> list[tuple[str, str]]:
    """(folder name, reason) of each run folder that cannot be read, by name; the result
    pages and `all_runs` skip them."""
    return store().unreadable()


def arrays(run_id: str) -> dict[str, np.ndarray]:
    """A run's score/selection arrays (cached by run id)."""
    return _arrays(str(store().root), run_id)


def predictions(run_id: str) -> pd.DataFrame:
    """A run's test forecasts (cached by run id)."""
    return _predictions(str(store().root), run_id)


def run_tz(run: RunInfo) -> str | None:
    """The clock of a run's stored times (`provenance.run_tz`); loads the series only for runs
    stored before their summary recorded it."""

    def loaded_tz() -> str | None:
        loaded, _ = load(run.config.data)
        return tz_name(loaded.values.index) if loaded is not None else None

    return provenance.run_tz(run, loaded_tz)


# The runs' names are longer than the sidebar is wide: their chips wrap instead of ending in an
# ellipsis (a chip is one line at most, cut), so each run chosen reads whole.
CHIPS_WRAP = ("<style>[data-testid=stSidebar] [data-testid=stMultiSelectTagsContainer] [data-tag]"
              "{height:auto;max-width:100%}"
              "[data-testid=stSidebar] [data-testid=stMultiSelectTagsContainer] [data-tag]>span"
              "{white-space:normal;overflow:visible;text-overflow:clip;overflow-wrap:anywhere}"
              "</style>")


def picker() -> list[RunInfo]:
    """Sidebar multiselect of stored runs; defaults to the latest batch, and moves to each new
    batch when it lands. Returns the chosen runs, oldest first."""
    runs = all_runs()
    by_id = {r.run_id: r for r in runs}
    ids = list(by_id)
    seen = st.session_state.get(state.RUNS_SEEN)
    chosen = [i for i in st.session_state.get(state.RUNS, []) if i in by_id]
    if seen != ids:  # first visit, or new runs arrived: show the latest batch
        chosen = latest_batch(runs)
    st.session_state[state.RUNS_SEEN] = ids
    st.session_state[state.RUNS] = chosen
    names = run_names(runs)
    sb = st.sidebar
    sb.header("Runs to compare")
    sb.html(CHIPS_WRAP)
    picked = sb.multiselect(
        "Runs", ids, key=state.RUNS, label_visibility="collapsed",
        format_func=lambda i: f"{names[i]} · {str(by_id[i].summary.get('created', ''))[5:16]}",
        placeholder="Choose stored runs", persist_state="session",
        help="Any stored runs; the latest comparison is chosen when it finishes.")
    return [by_id[i] for i in ids if i in picked]


def guard(runs: list[RunInfo]) -> None:
    """Stop the page with a helpful message when there is nothing to show."""
    if runs:
        return
    if not store().ids():
        st.info("No runs yet. Launch a comparison on the Train page: the defaults compare "
                "full data, gradient-norm importance and a random subset on 3 seeds, and the "
                "page says how long that takes before you launch. The Overview's quick demo "
                "(one seed) is shorter.")
    else:
        st.info("Choose one or more runs in the sidebar.")
    st.page_link("pages/train.py", label="Go to the Train page")
    st.stop()


def chosen_for_page() -> tuple[list[RunInfo], dict[str, str], dict[str, str]]:
    """The sidebar's chosen runs (the page stops if there are none), their display names and
    colours by run id: the shared head of every result page."""
    chosen = picker()
    guard(chosen)
    colors = charts.run_colors([r.run_id for r in chosen], [r.strategy for r in chosen])
    return chosen, run_names(chosen), colors

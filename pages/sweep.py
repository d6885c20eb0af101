"""Sweep: a grid of strategies x keep ratios x seeds x series on Dask, in the background, and
the evidence of a stored sweep (Pareto chart, intervals over seeds and series, Milan map) with
its exports (tables as CSV and Parquet, charts as HTML and PNG)."""

from __future__ import annotations

import streamlit as st

from ui import entry, sidebar, sweep_explore
from ui import sweep as ui

entry.require_entry()

st.title("Sweep")
st.caption("One comparison on one series and one seed is an anecdote: a sweep trains every "
           "strategy at every keep ratio on several seeds and series, on Dask workers (a "
           "local cluster, or an existing one), and compares each run with the full-data run "
           "of the same series and seed. Running the same grid again trains only what is "
           "missing.")

dataset = sidebar.current()
mgr = ui.manager()

st.subheader("Grid")
request = ui.grid_form(dataset, busy=mgr.active)
if request is not None:
    axes, form, address, workers = request
    try:
        with st.spinner("Checking the series..."):
            sweep_id = ui.launch_sweep(axes, form, dataset, address, workers)
    except ValueError as exc:
        st.error(str(exc))
    else:
        st.success(f"Launched {sweep_id}.")

st.subheader("Progress")
ui.follow(mgr)

st.divider()
st.subheader("Explore a sweep")
sweep_explore.explore(mgr.snapshot().get("sweep_id"))

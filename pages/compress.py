"""Compress: quantised and pruned variants of a stored run, measured on this machine against
the uncompressed model, in the background; and what each changes in size, speed, energy and
accuracy, on the device the figures came from."""

from __future__ import annotations

import streamlit as st

from ui import compress as ui
from ui import entry

entry.require_entry()

st.title("Compress")
st.caption("Serving a forecaster costs energy on every forecast. Compressing it (16-bit or "
           "int8 weights, pruned weights or hidden units) can make it smaller, faster or "
           "cheaper, or none of these: it depends on the device. Each variant is evaluated on "
           "the run's test windows and timed against the uncompressed model on this machine; "
           "the figures hold for this device only.")

mgr = ui.manager()
run = ui.pick_run()
request = ui.variant_form(run, busy=mgr.active)
if request is not None:
    ui.launch(mgr, run, *request)

st.subheader("Progress")
ui.follow(mgr)

st.subheader("Results")
ui.results(run)

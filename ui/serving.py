"""The Energy page's "Training and serving" section: each run's training energy beside what
serving its model would cost per day, from the Compress page's measurements."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from importance.compress.cost import MAE_TOLERANCE, serving_rows
from importance.compress.results import read_results
from importance.runs.identity import RunInfo
from importance.text import round_significant
from ui import runs

FORECASTS_KEY = "energy.forecasts_per_day"
DEFAULT_FORECASTS = 1_440_000  # one forecast every 10 minutes for each of 10,000 cells


def section(chosen: Sequence[RunInfo], names: dict[str, str]) -> None:
    """Daily serving cost of each chosen run that has compression results, at a chosen number
    of forecasts per day, beside its training energy (scoring included)."""
    st.header("Training and serving")
    measured = []
    for r in chosen:
        try:
            res = read_results(runs.store().root / r.run_id)
        except ValueError as exc:
            st.warning(str(exc))
            continue
        if res and res.get("variants"):
            measured.append((names[r.run_id], r.summary.get("energy_kwh"), res))
    if not measured:
        st.caption("No serving cost measured for these runs yet: the Compress page measures "
                   "a run's inference latency and energy (and its compressed variants').")
        st.page_link("pages/compress.py", label="Go to the Compress page")
        return
    per_day = st.number_input(
        "Forecasts per day", 0, 10**10, DEFAULT_FORECASTS, step=10_000, key=FORECASTS_KEY,
        help="One forecast = one window through the model. Default: a forecast every 10 "
             "minutes for each of 10,000 cells (the Milan grid).")
    rows = serving_rows(measured, float(per_day))
    table = pd.DataFrame([{
        "run": row["run"], "model": row["variant"], "device": row["device"],
        "test MAE x": round_significant(row["mae_ratio"]),
        "compute s/day": round_significant(row["seconds_per_day"]),
        "serving Wh/day (estimated)": round_significant(None if row["kwh_per_day"] is None
                                             else 1000 * row["kwh_per_day"]),
        "serving g CO2e/day": round_significant(None if row["kg_per_day"] is None
                                     else 1000 * row["kg_per_day"]),
        "training Wh (estimated)": round_significant(None if row["train_kwh"] is None
                                          else 1000 * row["train_kwh"]),
        "days of serving = training energy": round_significant(row["days_to_training_energy"])}
        for row in rows])
    st.dataframe(table, hide_index=True)
    methods = sorted({res.get("energy_method") or "not recorded" for _, _, res in measured})
    st.caption(f"Per run: the uncompressed model, and the measured variant of least inference "
               f"energy whose test MAE stays within {100 * (MAE_TOLERANCE - 1):.0f}% of it. "
               "Serving scales the latency and energy per 1,000 forecasts measured on the "
               "device named (one thread) to a day; training counts every phase, scoring "
               "included. How serving energy was measured: " + " / ".join(methods) + ".")

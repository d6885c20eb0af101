"""Forecasts: actual vs every run's (and classical model's) forecast on the test period."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from importance import calendar, text
from importance.aggregates.forecasts import (
    at_step,
    classical_frame,
    leaderboard_table,
    of_series,
    on_clock,
    other_setup_text,
    per_series_table,
    run_series,
    same_test_period,
    seed_baseline_ids,
    spike_sentence,
    spike_table,
)
from importance.provenance import clock_label
from importance.runs.identity import pick_baseline
from ui import (
    charts,
    classical,
    entry,
    exports,
    figures,
    runcard,
    runs,
    spikes,
    state,
    tables,
    verdict,
)

entry.require_entry()

st.title("Forecasts")
st.caption("Every run forecasts the same held-out test period (the last part of the series, "
           "never seen in training). Classical models fitted on the same history are the bar "
           "a neural network has to clear.")

chosen, names, colors = runs.chosen_for_page()
top = st.container()  # the verdict first (importance.verdict): filled once the models are fitted
runcard.show(chosen, names)  # data, settings, synthetic badge
ref = chosen[-1]
setup = (ref.config.data, ref.config.window)
same = same_test_period(chosen)
if other := other_setup_text(len(chosen), len(same), names[ref.run_id]):
    st.warning(other)
panel = run_series(ref)  # several series, one model: draw one series at a time
shown_series = None
if panel:
    shown_series = st.selectbox(
        "Series", panel, key=state.FC_SERIES,
        help="These runs trained one model on several series; the charts, the classical "
             "baselines and the metrics below are of the series chosen here.")
    setup = (setup[0].members()[panel.index(shown_series)], setup[1])  # its own data config
preds = {r.run_id: of_series(runs.predictions(r.run_id), shown_series) for r in same}
template = preds[ref.run_id]
tz = runs.run_tz(ref)  # the runs in `same` share its data, so its clock
local = clock_label(tz)
unit = f"{ref.config.data.column or 'value'} (original units)"
horizon = int(template["step"].max())

c1, c2 = st.columns([3, 1])
with c1:
    options = classical.models()
    _, cannot = classical.fitted(*setup)  # the defaults, always fitted (cached): which fit
    picked = st.multiselect(
        "Classical baselines", options,
        default=[m for m in classical.DEFAULTS if m in options and m not in cannot],
        key=state.FC_CLASSICAL, persist_state="session",
        format_func=lambda m: m.replace("_", " "),
        help="The models drawn. Fitted once on the training + validation data and cached; "
             "seasonal naive needs no fitting, the others take a few seconds the first time. "
             "Seasonal naive and Holt-Winters are always fitted: the verdict and the "
             "leaderboard compare with the best of every model fitted, drawn or not.")
with c2:
    step = 1
    if horizon > 1:
        step = st.select_slider("Steps ahead", list(range(1, horizon + 1)), value=1,
                                key=state.FC_STEP, persist_state="session")
if picked and runs.manager().busy:
    st.caption("A job is training: fitting classical models now slows it and adds to its "
               "measured energy (the seasonal naive models cost nothing).")

fitted = []
for k, name in enumerate(picked):
    try:
        res = classical.forecast(name, *setup)
    except ValueError as exc:
        st.warning(f"{name} cannot forecast this series: {exc}")
        continue
    frame = classical_frame(template, res.predictions)
    color = charts.CLASSICAL_COLORS[k % len(charts.CLASSICAL_COLORS)]
    fitted.append((res, frame, color))
# every model fitted for this data (the defaults, the drawn, any fitted before): the verdict's
all_fitted, _ = classical.fitted(*setup, drawn=picked)


def _shown(pred: pd.DataFrame) -> pd.DataFrame:
    """`step`-ahead forecasts on the run's clock."""
    return on_clock(at_step(pred, step), tz)


lines = [(names[r.run_id], _shown(preds[r.run_id]), colors[r.run_id], "solid") for r in same]
lines += [(res.label, _shown(frame), color, "dot") for res, frame, color in fitted]
# what the charts show, for their cache (the frames follow from it: runs never change)
shown_key = (str(runs.store().root), setup, shown_series, step, tz,
             tuple((r.run_id, names[r.run_id], colors[r.run_id]) for r in same),
             tuple((res.label, color) for res, _, color in fitted))
ahead = "one step" if step == 1 else f"{step} steps"
charts.show(figures.overlay(shown_key, _shown(template), lines,
                            f"Actual vs forecast, {ahead} ahead (test period)", local, unit))
st.caption("Use the day / week buttons or drag to zoom; double-click to reset. Click a legend "
           "entry to hide it.")
charts.show(figures.residuals(shown_key, lines, local, unit))
charts.show(figures.error_by_hour(shown_key, lines, local, unit))
part = calendar.profile(calendar.step_of(pd.DatetimeIndex(lines[0][1]["time"])))
st.caption(f"Where in the {part.cycle} each model errs: compare the {part.noun}s with the "
           f"weekly rhythm on the Data page and with the {part.noun}s the importance run kept "
           "most often.")

st.header("Leaderboard on the test period")
baseline = pick_baseline(chosen)
table = leaderboard_table(chosen, names, all_fitted, baseline, shown_series, drawn=preds)
classical_mae = {res.label: res.metrics["mae"] for res in all_fitted}
with top:
    verdict.forecasts_block(chosen, same, classical_mae, shown_series)
    if all_fitted:
        st.caption(f"Against the best of the {len(all_fitted)} classical models fitted on this "
                   f"data ({', '.join(classical_mae)}), drawn or not"
                   + (f", on series {shown_series}" if panel else "") + ".")
LEADERBOARD_HELP = {
    "rank": "By test MAE, lowest first.",
    "MASE": "Test MAE over the in-sample MAE of the seasonal naive forecast (a day's season "
            "below daily steps, a week's at daily steps) on the series' own training + "
            "validation data: below 1 beats repeating the last season; a run on several "
            "series not drawn: the mean over its series.",
    "MAE vs full %": "A neural run against full data of the same seed; a classical model "
                     "against the mean of full data over its seeds.",
    "MAE vs best classical %": "Against the classical model with the lowest test MAE among "
                               "all those fitted; negative: a lower test MAE.",
    "time": "Neural: training wall time (all epochs, incl. scoring and validation), the "
            "figure every page shows; classical: fit + forecast.",
}
key_first = ["rank", "model", "MAE", "MAE vs full %", "MAE vs best classical %", "MASE", "RMSE",
             "sMAPE %", "time s", "kind"]  # the run id stays in the CSV
tables.show(table[[c for c in key_first if c in table.columns]].rename(columns={"time s": "time"}),
            formats={"MAE": "{:,.2f}", "RMSE": "{:,.2f}", "sMAPE %": "{:.2f}",
                     "MASE": "{:.3f}", "MAE vs full %": "{:+.1f}",
                     "MAE vs best classical %": "{:+.1f}", "time": text.seconds},
            help=LEADERBOARD_HELP)
exports.forecast_csv_button(table, chosen, names)  # rounded, units, settings
st.caption("MAE and RMSE in original units over every test window and horizon step; sMAPE in "
           "percent (0-200). Neural time is the whole training run; classical time is fit + "
           "forecast." + (f" Runs on several series: the figures of series {shown_series}, "
                          "the one drawn." if panel else ""))
# one offline HTML file; with the classical models when they were fitted on every run's data
exports.report_button(chosen, names, key="export.report_forecasts", classical=None
                      if panel or len(same) < len(chosen) else classical_mae)

per_series = per_series_table(chosen, names)
if not per_series.empty:
    st.subheader("Test MAE per series")
    st.dataframe(per_series, hide_index=True, column_config={
        c: st.column_config.NumberColumn(format="%.2f") for c in per_series.columns[1:]})
    st.caption("Runs that trained one model on several series: each series' test MAE in its "
               "own units, and the MAE pooled over the test windows of all of them (driven by "
               "the busiest series).")
    per_mase = per_series_table(chosen, names, "test_mase")
    st.subheader("Test MASE per series")
    st.dataframe(per_mase, hide_index=True, column_config={
        c: st.column_config.NumberColumn(format="%.3f") for c in per_mase.columns[1:]})
    st.caption("Each series' test MAE over the in-sample MAE of its seasonal naive forecast on "
               "its own training + validation data, so every series counts alike; the last "
               "row is the mean over the series that have one (the figure the verdict judges "
               "runs on several series on). A series constant before the test period has "
               "none.")

st.subheader("Error on spike windows")
thresholds, spike_error = spikes.thresholds(ref.config.data, ref.config.window)
if thresholds is None:
    st.info(f"The runs' data cannot be loaded any more ({spike_error}), so the spike windows "
            "cannot be told apart.")
else:
    if shown_series is not None:  # the drawn series, by its own threshold
        thresholds = {shown_series: thresholds[shown_series]}
    # each run against full data of its own seed
    spike = spike_table(preds, thresholds, names, seed_baseline_ids(chosen, baseline))
    tables.show(spike[[c for c in ("model", "MAE spikes", "spikes vs full %", "MAE ordinary",
                                   "ordinary vs full %", "spike windows", "test windows")
                       if c in spike.columns]],
                formats={"MAE ordinary": "{:,.2f}", "MAE spikes": "{:,.2f}",
                         "ordinary vs full %": "{:+.1f}", "spikes vs full %": "{:+.1f}"})
    st.caption(spike_sentence(thresholds, spike)
               + (f" Runs that use other data than {names[ref.run_id]} are left out."
                  if len(same) < len(chosen) else ""))

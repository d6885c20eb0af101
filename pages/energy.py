"""Energy: what each run cost against the baseline, and what it bought in accuracy."""

from __future__ import annotations

import streamlit as st

from importance import text
from importance.aggregates.energy import (
    accuracy_target,
    backprop_help,
    comparison_display,
    energy_methods,
    energy_text,
    energy_to_accuracy_caption,
    energy_to_accuracy_display,
    energy_to_accuracy_verdict,
    epoch_curves,
    phase_split,
    runs_energy_unit,
    saving_delta,
    scoring_note,
    seeds_note,
    to_target_text,
    wall_help,
)
from importance.compare import backprops_all
from importance.runs.identity import (
    BASELINE,
    pick_baseline,
    seed_baselines,
    seed_paired_reach,
    seed_paired_table,
)
from importance.stopping import scores_unused_note
from ui import (
    charts,
    classical,
    entry,
    exports,
    figures,
    runcard,
    runs,
    serving,
    state,
    tables,
    verdict,
)

entry.require_entry()

st.title("Energy")
st.caption("What each strategy cost, with the share saved against the baseline. Every total "
           "includes the strategy's own scoring cost. Backpropagated samples need no power "
           "model and do not depend on the machine's load; wall time does (other work on the "
           "machine can differ between runs, and a run trained beside others says so); "
           "energy and emissions are estimates, measured as stated below.")

chosen, names, colors = runs.chosen_for_page()
verdict.strategy_block(chosen)  # the verdict first (importance.verdict), against full data
runcard.show(chosen, names)  # data, settings, synthetic badge
by_id = {r.run_id: r for r in chosen}
ids = list(by_id)
default = pick_baseline(chosen) or chosen[0]
base_id = st.selectbox("Baseline", ids, index=ids.index(default.run_id), key=state.EN_BASELINE,
                       format_func=names.__getitem__,
                       help="Savings are 1 - run / baseline, each run against the baseline's "
                            "run of the same seed. The newest full-data run is the default.")
base = by_id[base_id]
if base.strategy != BASELINE:
    st.warning("The baseline is not a full-data run, so the figures below compare two subset "
               "strategies, not a strategy with training on everything (the verdict above "
               "stays against full data).")
table = seed_paired_table(chosen, base)  # each run against its own seed's baseline
rows = {r.run_id: row for r, row in zip(chosen, table.to_dict("records"), strict=True)}
refs = {ref.run_id for ref in seed_baselines(chosen, base).values()}

methods = energy_methods(chosen)
st.info("**How energy was measured:** " + " / ".join(methods))

exports.report_button(chosen, names, base_id)  # one offline HTML file of these runs
for r in chosen:  # a best epoch from before any selection by score: say so plainly
    if note := scores_unused_note(r.summary, names[r.run_id]):
        st.warning(note)

scale, unit = runs_energy_unit(chosen)

for r in chosen:
    row, s = rows[r.run_id], r.summary
    is_base = r.run_id in refs  # the baseline of its seed
    with st.container(border=True):
        st.markdown(f"<span style='color:{colors[r.run_id]}; font-size:1.2em'>&#9679;</span> "
                    f"**{names[r.run_id]}**" + (" &nbsp; (baseline)" if is_base else ""),
                    unsafe_allow_html=True)
        c = st.container(horizontal=True)  # wraps on a narrow screen instead of truncating
        c.metric(f"Energy ({unit})", energy_text(s.get("energy_kwh"), scale),
                    saving_delta(row.get("energy_saved_pct"), is_base), delta_color="inverse",
                    help="CPU + RAM energy over every phase (scoring, training, validation).")
        c.metric("Emissions (gCO2e)", energy_text(s.get("emissions_kg"), 1000),
                    saving_delta(row.get("emissions_saved_pct"), is_base), delta_color="inverse",
                    help="Energy x the grid's average carbon intensity.")
        c.metric("Wall time (s)", text.significant(s["wall_s"]),
                    saving_delta(row.get("wall_saved_pct"), is_base), delta_color="inverse",
                    help=wall_help(s))
        c.metric("Backpropagated samples", f"{backprops_all(s):,}",
                    saving_delta(row.get("backprop_saved_pct"), is_base), delta_color="inverse",
                    help=backprop_help(s))
        mae_change = row.get("mae_change_pct")
        c.metric("Test MAE", f"{s['test_mae']:,.2f}",
                    None if is_base else f"{mae_change:+.1f}% vs baseline",
                    delta_color="inverse", help="Lower: a smaller error; original units.")
        note = scoring_note(s)
        if len(methods) > 1:
            note += f" Energy: {s.get('energy_method') or 'not recorded'}"
        st.caption(note)

st.header("Where the time and energy went")
split = phase_split(chosen, names)
# one above the other: side by side, the runs' names left half a laptop's width to the bars,
# whose tick labels then crowd (issue 24)
charts.show(figures.phase_bars(split, "seconds", "Wall time by phase", "seconds"))
split_e = split.assign(energy=split["energy_kwh"] * scale)
charts.show(figures.phase_bars(split_e, "energy", f"Energy by phase (estimated, {unit})", unit))

st.header("Cost to reach accuracy")
axes = {"energy": (f"cumulative energy ({unit}, estimated)", "cum_energy"),
        "time": ("cumulative wall time (s)", "cum_wall_s"),
        "backprop": ("cumulative backpropagated samples", "cum_backprop")}
axis = st.segmented_control("x axis", list(axes), default="energy", key=state.EN_AXIS,
                            format_func={"energy": "Energy", "time": "Wall time",
                                         "backprop": "Backprops"}.__getitem__,
                            required=True, persist_state="session") or "energy"
curves = epoch_curves(chosen, names)
curves["cum_energy"] = curves["cum_energy_kwh"] * scale
best, target = accuracy_target(base)
charts.show(figures.cost_curves(curves, axes[axis][1], axes[axis][0],
                                {r.run_id: colors[r.run_id] for r in chosen}, target,
                                "Validation MAE vs cumulative cost, per epoch"))
st.caption(to_target_text(rows.values(), names, base_id, scale, unit,
                                base.config.train.tol, target))

st.header("Energy to reach accuracy")
# the classical models fitted on the baseline's data and window (the cheap strong ones fitted
# now when they were not yet): what a neural run costs against a classical fit
fits, _ = classical.fitted(base.config.data, base.config.window)
reached = seed_paired_reach(chosen, base, [f.summary for f in fits])  # each seed: its baseline
st.caption(energy_to_accuracy_caption(any("estimated" in m for m in methods), best, bool(fits))
           + seeds_note(chosen))
reach_table = energy_to_accuracy_display(reached, names, scale, unit)
tables.show(reach_table, numeric=[c for c in reach_table.columns if c not in ("run", "to reach")])
st.markdown(energy_to_accuracy_verdict(reached, names, scale, unit))

serving.section(chosen, names)

st.header("Comparison table")
shown = comparison_display(table, names, scale, unit)
st.dataframe(shown, hide_index=True, column_config={  # as rounded: 0.000123 Wh, not 0.0001
    c: st.column_config.NumberColumn(format="plain") for c in shown.columns[1:]})
exports.energy_csv_button(chosen, names, base_id)  # rounded, units, settings
with st.expander("Measurement details"):
    st.markdown(
        "- CodeCarbon's offline tracker measures one phase at a time; jobs run one at a time, "
        "because a tracker counts the whole process and two at once would double-count.\n"
        "- Without hardware energy counters CPU power is estimated from CPU load, and RAM power "
        "is a constant per GB, so energy largely follows wall time.\n"
        "- Work the dashboard does while a job trains (its own page updates, fitting classical "
        "models) runs in the same process and is counted into that job.")
    for r in chosen:
        st.write(names[r.run_id])
        st.json(r.summary.get("energy_method_detail") or {}, expanded=False)

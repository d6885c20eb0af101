"""Importance: which training windows get high gradient norms, which are kept, and why."""

from __future__ import annotations

import numpy as np
import streamlit as st

from importance import calendar, timeaxis
from importance.aggregates.extremes import (
    extreme_group_size,
    extreme_panels,
    extreme_windows,
    extremes_text,
    group_ratios,
    window_levels,
)
from importance.aggregates.forecasts import run_series
from importance.aggregates.importance import (
    epochs_by_score,
    has_scores,
    is_reweighted,
    latest_scores,
    no_scores_text,
    score_error_text,
    score_histograms,
    scores_unused_text,
    selection_by_part,
    selection_days,
    selection_grid,
    selection_to_show,
    spearman,
    unscored_epochs_text,
    unweighted_text,
    weight_table,
    weights_text,
)
from importance.provenance import clock_label
from importance.runcard import score_name
from importance.stopping import scores_unused_note
from importance.timeaxis import tz_name
from ui import cells, charts, entry, fidelity, figures, runcard, runs, state, teaching
from ui.data import load

entry.require_entry()

N_EXTREMES = 4

st.title("Importance")
st.caption("Which training windows each strategy scores high, which it keeps, and what they "
           "have in common. Each strategy scores the windows in its own way (gradient-norm "
           "importance: the L2 norm of a window's own loss gradient; InfoBatch and selective "
           "backprop: its loss; EL2N: its error norm) and uses the scores with its own policy: "
           "top-k, sampling, coin flips or pruning with rescaling. How it works, below, gives "
           "the steps, the formulas and the sources.")

chosen, names, colors = runs.chosen_for_page()
runcard.show(chosen, names)  # data, settings, synthetic badge
arrays = {r.run_id: runs.arrays(r.run_id) for r in chosen}
scored = [r for r in chosen if has_scores(arrays[r.run_id]["scores"])]
subset = [r for r in chosen if not arrays[r.run_id]["selected"].all()]
by_score = {r.run_id: epochs_by_score(r.summary) for r in chosen}
teaching.how_it_works(chosen, names)
for r in chosen:  # a best epoch from before any selection by score: say so plainly
    if note := scores_unused_note(r.summary, names[r.run_id]):
        st.warning(note)


# --- score distributions per epoch ------------------------------------------------------------
st.header("Score distributions per epoch")
st.caption("Counts of windows per score bin, using the scores each epoch's selection was made "
           "from; colored = trained that epoch, gray = scored but skipped; the dashed line is "
           "where the keep ratio cut (the lowest score kept). Hatched bars: an epoch that "
           "did not select by score (warm-up or random), named on the slider. Press Play or "
           "drag the epoch slider.")
unscored = [r for r in chosen if r not in scored]
if unscored:
    st.info(" ".join(no_scores_text(names[r.run_id], arrays[r.run_id]["selected"])
                     for r in unscored))
cols = st.columns(2) if len(scored) > 1 else [st.container()]
for k, r in enumerate(scored):
    with cols[k % len(cols)]:
        a = arrays[r.run_id]
        h = score_histograms(a["scores"], a["selected"], by_score=by_score[r.run_id])
        if skipped := unscored_epochs_text(h):
            st.markdown(f"**{names[r.run_id]}.** {skipped}")
        charts.show(figures.score_animation(h, colors[r.run_id], names[r.run_id],
                                            score_name(r)),
                    key=f"hist-{r.run_id}")
        if not np.isfinite(h.cut[h.shown]).any():
            st.caption(f"No dashed line for {names[r.run_id]}: no epoch kept exactly the top of "
                       "its scores (its policy samples, flips coins, grows a pool or picks at "
                       "random), so high and low scores are both trained and skipped.")

# --- which windows were kept ------------------------------------------------------------------
st.header("Which windows were kept")
if not subset:
    st.info("Every chosen run trained on all windows every epoch. Choose a subset run "
            "(gradient-norm or random) in the sidebar to see which windows were kept.")
else:
    clocks = {r.run_id: runs.run_tz(r) for r in subset}
    shown = {r.run_id: selection_to_show(arrays[r.run_id]["scores"],
                                         arrays[r.run_id]["selected"], by_score[r.run_id])
             for r in subset}
    # each run's step, from its windows' times (importance.calendar decides the groupings)
    steps = {r.run_id: calendar.step_of(arrays[r.run_id]["train_time_ns"],
                                        r.config.window.stride) for r in subset}
    unused = {r.run_id: scores_unused_text(names[r.run_id], r.config.train.strategy,
                                           by_score[r.run_id], arrays[r.run_id]["scores"])
              for r in subset}
    for part in dict.fromkeys(calendar.profile(steps[r.run_id]) for r in subset):
        mine = [r for r in subset if calendar.profile(steps[r.run_id]) is part]
        shares = {r.run_id: selection_by_part(arrays[r.run_id]["train_time_ns"],
                                              shown[r.run_id], clocks[r.run_id], part)
                  for r in mine}
        charts.show(figures.part_share({names[k]: v for k, v in shares.items()},
                                       {names[r.run_id]: colors[r.run_id] for r in mine},
                                       clock_label(*(clocks[r.run_id] for r in mine)),
                                       part.name))
        # a pattern is a finding only for runs whose scores chose the windows
        said = [unused[r.run_id] or calendar.extremes_text(names[r.run_id], shares[r.run_id],
                                                           part)
                for r in mine]
        st.caption(f"A uniform random subset keeps every {part.noun} about equally often; an "
                   f"importance strategy that keeps some {part.noun}s more often is telling "
                   f"you those {part.noun}s pull hardest on the model. Importance runs count "
                   "only the epochs that selected by score (their warm-up epochs pick at "
                   "random). " + " ".join(t for t in said if t)
                   + (" Runs on several series pool the windows of all of them here and in "
                      "the calendar below." if any(run_series(r) for r in mine) else ""))
    ids = [r.run_id for r in subset]
    default = next((r.run_id for r in reversed(subset) if r in scored), ids[-1])
    pick = st.selectbox("Calendar of run", ids, index=ids.index(default), key=state.IMP_RUN,
                        format_func=names.__getitem__)
    if axes := calendar.grid(steps[pick]):
        week = selection_grid(arrays[pick]["train_time_ns"], shown[pick], clocks[pick], axes)
        days = selection_days(arrays[pick]["train_time_ns"], shown[pick], clocks[pick])
        charts.show(figures.calendar(week, days,
                                     f"How often the windows were trained: {names[pick]}",
                                     clock_label(clocks[pick])))
        st.caption("Color = the share of epochs in which the windows were trained, by the "
                   f"time of their first forecast step: top, averaged by {axes[0].name} and "
                   f"{axes[1].name}; bottom, by calendar day (holidays and unusual days stand "
                   "out there). Blank cells have no training window.")
    else:
        st.caption(f"No calendar for {names[pick]}: with a week or more between points, the "
                   "chart above by week of year is its calendar.")

# --- which cells matter (runs on several series) ---------------------------------------------
cells.section(subset, arrays, names, colors, {r.run_id: score_name(r) for r in subset})

# --- loss weights ----------------------------------------------------------------------------
weighted = [r for r in chosen if is_reweighted(arrays[r.run_id].get("weights"),
                                                     arrays[r.run_id]["selected"])]
if weighted:
    st.header("Loss weights of the trained windows")
    st.caption("Some strategies train a kept window with a loss weight other than 1, so that it "
               "stands in for the similar windows they skipped and the expected gradient stays "
               "the full data's: InfoBatch weighs its kept low-loss windows 1/(1-r), importance "
               "sampling each drawn window mean(score)/score. Per epoch, the weights of the "
               "windows trained that epoch.")
    cols = st.columns(2) if len(weighted) > 1 else [st.container()]
    for k, r in enumerate(weighted):
        a = arrays[r.run_id]
        table = weight_table(a["weights"], a["selected"])
        with cols[k % len(cols)]:
            st.markdown(weights_text(f"**{names[r.run_id]}**", table))
            st.dataframe(table, hide_index=True, height=250,
                         column_config={
                             "reweighted %": st.column_config.NumberColumn(format="%.0f"),
                             **{c: st.column_config.NumberColumn(format="%.3g")
                                for c in ("min", "mean", "max")}})
if weighted and (same_weight := unweighted_text([names[r.run_id] for r in chosen
                                                   if r not in weighted])):
    st.caption(same_weight)

if not scored:
    st.info("None of the chosen runs computed importance scores: choose a gradient-norm run "
            "in the sidebar for the score-vs-error view and the extreme windows.")
    st.stop()

# --- score vs error ---------------------------------------------------------------------------
st.header("Does the score track the error?")
cols = st.columns(min(len(scored), 2))
rhos = {}
for k, r in enumerate(scored):
    a = arrays[r.run_id]
    score = latest_scores(a["scores"])
    rho = rhos[r.run_id] = spearman(score, a["train_abs_error"])
    group = extreme_group_size(int(np.isfinite(score).sum()), N_EXTREMES)
    top = group_ratios(extreme_windows(score, group)[0], a.get("train_actual"),
                       a["train_abs_error"], a.get("train_series"))
    with cols[k % len(cols)]:
        charts.show(figures.score_vs_error(score, a["train_abs_error"], a["selected"][-1],
                                           colors[r.run_id], names[r.run_id],
                                           score_name(r)),
                    key=f"scatter-{r.run_id}")
        st.markdown(f"**{names[r.run_id]}.** "
                    + score_error_text(rho, top, group, r.config.window.log1p,
                                       calendar.step_of(a["train_time_ns"],
                                                        r.config.window.stride)))
        st.caption(f"Up to {figures.SCATTER_POINTS:,} windows drawn at random; the rank "
                   "correlation is over all of them, between a window's latest score and the "
                   "final model's absolute error on it.")

# --- the most and least important windows -----------------------------------------------------
st.header("The most and least important windows")
focus = scored[-1]
if len(scored) > 1:
    chosen = st.selectbox("Run", [r.run_id for r in scored], index=len(scored) - 1,
                          format_func=names.__getitem__, key=state.IMP_EXTREMES_RUN)
    focus = next(r for r in scored if r.run_id == chosen)
a = arrays[focus.run_id]
members = focus.config.data.members()  # several for a run on several series
loads = [load(d) for d in members]
loaded, error = next((le for le in loads if le[0] is None), loads[0])
clock = tz_name(loaded.values.index) if loaded is not None else None
same_clock = (runs.run_tz(focus) is None) == (clock is None)
score = latest_scores(a["scores"])
n_scored = int(np.isfinite(score).sum())
group = extreme_group_size(n_scored, N_EXTREMES)
top_g, bottom_g = extreme_windows(score, group)
run_times = timeaxis.from_ns(a["train_time_ns"], runs.run_tz(focus))  # on the run's clock
level = window_levels(a.get("train_actual"), None if loaded is None else loaded.values,
                      run_times, one_series=len(members) == 1, same_clock=same_clock)
step = calendar.step_of(a["train_time_ns"], focus.config.window.stride)
spans = calendar.spans(step)
if unused := scores_unused_text(names[focus.run_id], focus.config.train.strategy,
                                by_score[focus.run_id], a["scores"]):
    st.info(f"{unused} Its highest and lowest scores are drawn below, but what they have in "
            "common is no lesson about importance.")
elif lesson := extremes_text(run_times, top_g, bottom_g, level, a.get("train_abs_error"),
                             a.get("train_series"), step=step, rho=rhos[focus.run_id]):
    st.markdown(f"**What they have in common.** {lesson}")
    when = (f"When: the first forecast step ({clock_label(runs.run_tz(focus))}), by "
            + ", ".join(f"{s.name} ({s.label})" for s in spans)
            + ", against the share of all windows there. " if spans else "")
    st.caption(f"Over the {group:,} highest and {group:,} lowest of the {n_scored:,} scored "
               f"windows by latest score in {names[focus.run_id]}. {when}Level: the first "
               "forecast step over its series' median. Error: the final model's mean absolute "
               "error on the window over the median window's. Both are medians over the "
               "group.")
if loaded is None:
    st.info(f"The run's data cannot be loaded any more ({error}), so its windows cannot be "
            "drawn.")
elif not same_clock:
    st.info("The run's data now loads with a different clock (with or without a time zone) "
            "than the run was trained on, so its windows cannot be drawn.")
else:
    top, bottom = extreme_windows(score, N_EXTREMES)
    w = focus.config.window
    panels = extreme_panels([*top, *bottom], timeaxis.from_ns(a["train_time_ns"], clock),
                            score, [lo.values for lo, _ in loads], a.get("train_series"),
                            [m.series for m in members], w.lookback, w.horizon, step)
    st.subheader("Highest scores (top row), lowest scores (bottom row)")
    # one figure for both groups: each figure costs the browser a fixed ~0.1 s to draw
    charts.show(figures.window_multiples(panels, colors[focus.run_id], max(1, len(top)),
                                         loaded.column), key="windows")
    st.caption(f"Each panel is one training window: its {w.lookback}-step input (gray) and the "
               f"{w.horizon}-step target (colored), with its latest score in "
               f"{names[focus.run_id]}: the first {N_EXTREMES} of each group above.")

# --- scoring proxies --------------------------------------------------------------------------
fidelity.section(focus, names[focus.run_id])

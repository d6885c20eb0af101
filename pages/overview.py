"""Overview: the question, the latest comparison's verdict and key figures, and one click to a
quick demo or to the full setup."""

from __future__ import annotations

import time

import streamlit as st

from importance import verdict as vd
from importance.aggregates.data import last_days
from importance.aggregates.train import newest_batch
from importance.provenance import clock_label, naive
from importance.runcard import run_names, strategy_label
from importance.runs.identity import latest_batch
from importance.runs.tasks import ACTIVE
from ui import charts, demo, entry, exports, launch, runcard, runs, state, svg
from ui import verdict as verdict_ui
from ui.data import load

entry.require_entry()

POLL_S = 1.0  # as the Train page: faster polling slows the runs on 2 cores

st.title("Overview")
st.markdown(f"#### {vd.QUESTION}")

mgr = runs.manager()
stored = runs.all_runs()
if not stored:
    st.markdown(
        "This dashboard trains a traffic forecaster (an LSTM on a telecom time series) once "
        "on **all** its training windows and once per **sample-selection strategy**, which "
        "trains only part of them each epoch: the windows with the largest gradient norm "
        "(*importance*), or a random subset of the same size (the *control* every importance "
        "method must beat). It measures what each run cost (energy, wall time, "
        "backpropagated samples, scoring included) and how well it forecasts a held-out test "
        "period, then says which strategy saved what, at what accuracy, and whether "
        "importance did better than chance.")

# The call to action above the verdict: on a laptop's first screen whatever the verdict's length
with st.container(border=True):
    cta = st.columns([3, 2], vertical_alignment="center")
    clicked = cta[0].button(f"Run the quick demo (about {demo.seconds_words()})", type="primary",
                            width="stretch", key=state.OV_DEMO, disabled=mgr.busy,
                            help=f"Command-line equivalent: `{demo.CLI}`")
    if cta[1].button("Open the full setup", width="stretch", key=state.OV_SETUP):
        st.switch_page("pages/train.py")
    st.caption(f"Quick demo: {demo.words()}. {demo.TIME_WORDS} The full setup (the Train "
               "page) chooses the data, strategies, model and epochs.")

if clicked:
    try:
        launch.launch(demo.form(), demo.dataset())
    except ValueError as exc:
        st.error(f"Cannot launch the demo: {exc}")
    else:
        st.session_state[state.OV_DEMO_STARTED] = time.time()
        st.rerun()  # the button shows as busy, the progress below starts polling


@st.fragment(run_every=POLL_S if mgr.busy else None)
def progress(polling: bool) -> None:
    """The newest batch's overall progress and time left while it runs (measured epoch costs,
    `ui.launch.batch_progress`); one full rerun when it has finished."""
    jobs = mgr.jobs()
    if polling and not mgr.busy:
        st.rerun()  # finished: the verdict below is the new comparison's
    batch = newest_batch(jobs)
    if not any(j.status in ACTIVE for j in batch):
        return
    started = st.session_state.get(state.OV_DEMO_STARTED)
    elapsed = f" · {time.time() - started:,.0f} s elapsed" if started else ""
    running = next((j for j in batch if j.status == "running"), None)
    now = f" · training {strategy_label(running.strategy)}" if running else ""
    p = launch.batch_progress(batch)
    st.progress(p.fraction, text=f"Comparison running: {p.text()}{now}{elapsed}")
    st.page_link("pages/train.py", label="Follow it on the Train page")


progress(mgr.busy)
focus, names, v = [], {}, None
latest = set(latest_batch(stored))  # a comparison's runs, never a sweep's
focus = [r for r in stored if r.run_id in latest]
if focus:  # the latest comparison's verdict, on the first screen
    names = run_names(focus)
    runcard.show(focus, names)  # data, settings, synthetic badge
    v = verdict_ui.overview_block(focus)
    verdict_ui.tiles(v)


def demo_series() -> None:
    """The last week of the series the demo trains on (synthetic: said in the title), as
    inline SVG: the first screen of a cold open does not wait for Plotly's script."""
    loaded, _ = load(demo.dataset().config)
    if loaded is None:
        return
    runcard.badge()
    values = loaded.values
    week = last_days(values, 7)
    svg.show(svg.line_chart(
        naive(week.index), week.to_numpy(), color=charts.ACTUAL_COLOR,
        title=f"What the demo trains on: the last week of {loaded.label} (synthetic demo data)",
        x_label=clock_label(loaded.tz), y_label=str(values.name or "value")))
    st.caption("Each training window is a few hours of this series followed by the step to "
               "forecast; the strategies decide which windows each epoch trains on.")


if not focus:
    st.info(("No runs yet" if not stored else
             f"No comparison yet (the {len(stored)} stored runs are a sweep's: the Sweep page "
             "shows them)")
            + ": the quick demo above trains its three runs in about "
            f"{demo.seconds_words()}; the verdict and its key figures appear here when it "
            "finishes.")
    demo_series()
    st.stop()

when = str(focus[-1].summary.get("created", ""))[:16].replace("T", " ")
st.subheader("The latest comparison")
st.caption(f"Finished {when} UTC. Each strategy is compared with full data and with its "
           "random control on the same data, seed by seed; the other pages show every detail.")
for r in v.results:  # the savings of every strategy (the box above: against controls)
    st.markdown(f"- {vd.savings_sentence(r)}")
if v.results:
    colors = charts.run_colors([r.run_id for r in focus], [r.strategy for r in focus])
    charts.show(verdict_ui.tradeoff_figure(v, colors))
links = st.columns(3)
links[0].page_link("pages/energy.py", label="Energy: every cost, phase by phase")
links[1].page_link("pages/forecasts.py", label="Forecasts: against classical models")
links[2].page_link("pages/importance.py", label="Importance: which windows were kept")
exports.report_button(focus, names, key="export.report_overview")  # one offline HTML file

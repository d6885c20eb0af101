"""Train: configure a comparison, launch it in the background, follow it live, cancel it."""

from __future__ import annotations

import streamlit as st

from importance import estimate
from importance.aggregates.data import series_option
from importance.aggregates.train import (
    curve_lines,
    earlier_finished,
    job_figures,
    newest_batch,
    other_active,
)
from importance.config import LR_SCHEDULES
from importance.data.cells import Cells, cells_of
from importance.data.steps import duration
from importance.form_state import field_bounds
from importance.launch import (
    COUNTRIES,
    LaunchForm,
    parse_seeds_field,
    seeds_field_text,
    strategy_guide_markdown,
)
from importance.models import MODEL_KINDS
from importance.runcard import comparison_name, job_name, job_rows, runs_table, strategy_label
from importance.runs.tasks import ACTIVE
from importance.stopping import ending_note
from importance.strategies import STRATEGIES
from importance.strategies.gradnorm import IN_PASS as SCORINGS
from ui import cell_choice, charts, entry, figures, form_state, launch, runs, sidebar, state
from ui.data import load

entry.require_entry()

MODEL_NAMES = {"lstm": "LSTM", "gru": "GRU", "mlp": "MLP", "dlinear": "DLinear",
               "nlinear": "NLinear"}
SCORING_NAMES = {"last_layer": "last-layer norm (fast)", "exact": "exact norm"}
STATUS_BADGE = {"queued": ("queued", "gray"), "running": ("running", "blue"),
                "done": ("done", "green"), "failed": ("failed", "red"),
                "cancelled": ("cancelled", "orange"), "interrupted": ("interrupted", "violet")}

# Session-state keys of this page (ui.state holds the form's)
LAUNCH = "train.launch"  # button: launch the comparison
NOTICE = "train.notice"  # the last launch's message, shown once after the rerun it causes

st.title("Train")
st.caption(f"One run per strategy and seed, trained {launch.lanes_words()} in the background "
           "(each run's energy counts its share of the machine); results on the Importance, "
           "Forecasts and Energy pages.")

dataset = sidebar.current()
loaded, load_error = load(dataset.config)
mgr = runs.manager()
busy = mgr.busy
d = form_state.defaults(loaded)  # the fields follow the data: ui.form_state.follow
limits = launch.form_limits(loaded, d)
bounds = field_bounds(d, limits.batch, limits.lookback)
info = dataset.info
several = bool(form_state.panel_default(dataset))  # a file of several series: offer a panel
many = len(cells_of(info)) > 1  # several cells (a wide file's columns too): all, top N, pattern
CELLS = "train.cells"  # the cell choice's widgets (ui.cell_choice)
if several and state.F_SERIES not in st.session_state:
    # the sidebar's series as the panel's default, set as state (a `default=` was lost when
    # the page was reached by st.switch_page from the Data page's Launch)
    st.session_state[state.F_SERIES] = form_state.panel_default(dataset)
if followed := form_state.notice(dataset):
    st.info(" ".join(followed))


def _advanced(step: str) -> dict:
    """The settings most comparisons keep, folded away in three columns (model, training,
    stopping and data): LaunchForm fields."""
    model, training, other = st.columns(3)
    countries = list(dict.fromkeys([st.session_state.get(state.F_COUNTRY, d.country),
                                    d.country, "", *COUNTRIES]))
    schedules = list(dict.fromkeys([d.lr_schedule, *LR_SCHEDULES]))
    scorings = list(dict.fromkeys([d.scoring, *SCORINGS]))
    return dict(
        hidden=int(model.number_input("Hidden units", 1, 1024, d.hidden, key=state.F_HIDDEN,
                                      persist_state="session")),
        layers=int(model.number_input("Layers", 1, 8, d.layers, key=state.F_LAYERS,
                                      persist_state="session")),
        scoring=str(model.selectbox(
            "Importance score", scorings, key=state.F_SCORING, persist_state="session",
            format_func=SCORING_NAMES.get,
            help="Which per-window gradient norm ranks the windows: the output layer's part, "
                 "free from the training pass, or the whole gradient (exact, slower).")),
        revin=bool(model.checkbox(
            "Instance normalisation", d.revin, key=state.F_REVIN, persist_state="session",
            help="RevIN: standardise each window by its own mean and spread and put them back "
                 "on the forecast, so level shifts (holidays, events) move the inputs' "
                 "statistics, not the inputs.")),
        batch_size=int(training.number_input(
            "Batch size", *bounds["batch_size"], d.batch_size, key=state.F_BATCH,
            persist_state="session",
            help=f"At most {limits.batch:,} for this series at the default lookback: the "
                 "memory a run may use on this machine (half of what is available). Larger "
                 "lookbacks, hidden sizes or layers lower it; Launch checks the estimate.")),
        lr=float(training.number_input("Learning rate", 1e-5, 1.0, d.lr, format="%.4f",
                                       key=state.F_LR, persist_state="session",
                                       help="Peak learning rate (Adam).")),
        lr_schedule=str(training.selectbox(
            "Learning-rate schedule", schedules, key=state.F_LR_SCHEDULE,
            persist_state="session",
            help="cosine: decays to 5% of the peak by each run's own last batch, so a subset "
                 "strategy gets a full schedule over its fewer steps; constant: no decay.")),
        patience=int(other.number_input(
            "Early-stopping patience", 0, 500, d.patience, key=state.F_PATIENCE,
            persist_state="session",
            help="Stop a run after this many epochs in a row without a validation MAE "
                 "improvement of the minimum below; the model keeps its best epoch's "
                 "weights. 0 = off: every epoch runs.")),
        min_delta=float(other.number_input(
            "Minimum improvement (%)", 0.0, 50.0, 100 * d.min_delta, 0.05, format="%.2f",
            key=state.F_MIN_DELTA, persist_state="session",
            help="The smallest drop of the validation MAE, relative to the last improvement, "
                 "that counts as one for early stopping.")) / 100,
        stride=int(other.number_input(
            f"Window stride ({step})", 1, 1008, d.stride, key=state.F_STRIDE,
            persist_state="session", help="Steps between training window starts; larger is "
                                          "faster.")),
        country=str(other.selectbox(
            "Holidays country", countries, key=state.F_COUNTRY, accept_new_options=True,
            format_func=lambda c: c or "none", persist_state="session",
            help="ISO 3166 alpha-3 code of the country whose public holidays the series "
                 "follows. Default: the country of the series' time zone (Italy for the "
                 "embedded data); none for a series whose clock names no country. The carbon "
                 "grid is the machine's: see the sidebar.") or ""),
        holidays=bool(other.checkbox(
            "Public holidays as input", d.holidays, key=state.F_HOLIDAYS,
            persist_state="session",
            help="A 0/1 input feature on the chosen country's public holidays (by the series' "
                 "local date), besides time of day and day of week. The Data page marks them "
                 "on the series.")))


@st.fragment
def comparison_form() -> None:
    """The comparison's settings, the time it will take and Launch, compact enough to show
    Launch on a laptop's first screen (1280x800). A fragment: a changed setting redraws only
    this part, with its new time estimate."""
    step = "steps" if loaded is None else f"{duration(loaded.freq)} steps"
    with st.container(border=True):
        strategies = st.multiselect(
            "Strategies to compare", list(STRATEGIES), default=list(d.strategies),
            format_func=strategy_label, key=state.F_STRATEGIES, persist_state="session",
            help="Each strategy is one run. Full data is the baseline every saving is "
                 "measured against; a random subset of the same size is the control (RS2: "
                 "without repeats until every window was trained). The methods differ mostly "
                 "in policy (hard top-k, coin flips, soft pruning with rescaling), less in "
                 "their score: see What each strategy does, below.")
        c = st.columns(6)
        keep = c[0].slider("Keep ratio", 0.05, 1.0, d.keep_ratio, 0.05, key=state.F_KEEP,
                           persist_state="session",
                           help="Share of the training windows each subset strategy trains on "
                                "per epoch. The paper kept 65-90%.")
        model = c[1].selectbox("Model", MODEL_KINDS, index=MODEL_KINDS.index(d.model),
                               format_func=MODEL_NAMES.get, key=state.F_MODEL,
                               persist_state="session",
                               help="LSTM (the paper's), GRU, MLP, or the linear DLinear (trend "
                                    "+ remainder) and NLinear (minus the last value); the "
                                    "linear models ignore hidden units and layers.")
        epochs = c[2].number_input("Epochs", 1, 500, d.epochs, key=state.F_EPOCHS,
                                   persist_state="session")
        seeds_text = c[3].text_input(
            "Seeds", seeds_field_text(d.seeds), key=state.F_SEEDS,
            persist_state="session",
            help="How many seeds each strategy trains on (3: seeds 0, 1 and 2), or the seeds "
                 "themselves: 0,3,7 or 0-4 (one seed: 7-7). The verdict needs 3 seeds for an "
                 "interval; one seed names no winner. Runs train "
                 f"{launch.lanes_words()}.")
        try:
            seeds, seeds_error = parse_seeds_field(seeds_text), ""
        except ValueError as exc:
            seeds, seeds_error = d.seeds, str(exc)
        lookback = c[4].number_input(
            "Lookback (steps)", *bounds["lookback"], d.lookback,
            key=state.F_LOOKBACK, persist_state="session",
            help=f"Input {step} per window. The default covers 6 hours below 10-minute steps, "
                 "a day below hourly ones, a week for hourly and four weeks for daily data, "
                 f"shortened when the series is too short. At most {limits.lookback:,} here at "
                 "the default batch size: the memory a run may use on this machine.")
        horizon = c[5].number_input("Horizon (steps)", *bounds["horizon"], d.horizon,
                                    key=state.F_HORIZON,
                                    persist_state="session",
                                    help=f"{step.capitalize()} forecast per window.")
        with st.expander("More settings"):
            picked: list[str] = []
            chosen = cell_choice.pick(
                st, dataset, CELLS, multi="the series selected below" if several else
                "the sidebar's series") if many else None
            if isinstance(chosen, Cells):
                picked = list(chosen.ids)
            elif several and chosen is None:
                picked = st.multiselect(
                    "Series (several: one model on all of them)", info.series,
                    key=state.F_SERIES,
                    format_func=lambda s: series_option(s, info.labels.get(s), None),
                    help="One global model per strategy, trained on the windows of every "
                         "chosen series of this file (each scaled on its own) and evaluated "
                         "per series. Series that repeat one another are where importance "
                         "selection saves the most. Default: the sidebar's series.")
            advanced = _advanced(step)
        with st.expander("What each strategy does"):
            st.markdown(strategy_guide_markdown(STRATEGIES))
        grid = launch.session_grid()  # the machine's, from the sidebar
        form = LaunchForm(
            model=model, lookback=int(lookback), horizon=int(horizon), epochs=int(epochs),
            strategies=tuple(strategies), keep_ratio=float(keep), series=tuple(picked),
            seeds=seeds, grid_country=grid.code, grid_source=grid.source, **advanced)
        cta, words = st.columns([2, 3], vertical_alignment="center")
        clicked = cta.button("Launch comparison", type="primary",
                             disabled=loaded is None or bool(dataset.blocked),
                             width="stretch", key=LAUNCH)
        words.caption(launch.form_words(form, dataset, loaded))
    if dataset.blocked:
        st.warning(dataset.blocked)
    if load_error:
        st.error(f"The chosen series cannot be loaded: {load_error}")
    if seeds_error:
        st.error(seeds_error)
    if not clicked or seeds_error:
        return
    if isinstance(chosen, str):
        st.error(f"{chosen} (Cells, under More settings)")
        return
    if several and not picked:
        st.error("Choose at least one series to train on (under More settings).")
        return
    try:
        ids = launch.launch(form, dataset)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.session_state[NOTICE] = launch.queued_words(ids, mgr.jobs())
    st.rerun()  # the whole page: the jobs below start polling


comparison_form()
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)


def _job_card(job) -> None:
    """One job: status, progress, the latest epoch's figures, cancel and errors."""
    text, color = STATUS_BADGE.get(job.status, (job.status, "gray"))
    with st.container(border=True):
        top = st.columns([5, 1], vertical_alignment="center")
        top[0].markdown(f"**{job_name(job)}** &nbsp; :{color}-badge[{text}]")
        if job.added:  # queued by the manager: a control at the budget a strategy spent
            top[0].caption(f"{job.added[0].upper()}{job.added[1:]}.")
        if job.status in ACTIVE and top[1].button("Cancel", key=state.cancel_key(job.id),
                                                  width="stretch"):
            mgr.cancel(job.id)
            st.toast(f"Cancelling {job_name(job)}: it stops within one batch, or its "
                     "process is ended after a few seconds.")
        if job.status == "done":  # early stopping may have ended it before its last epoch
            st.progress(1.0, text=f"epoch {job.epoch} of {job.epochs} · {job_figures(job)}")
            t = job.config.train
            note = ending_note(job.history, t.epochs, t.patience, t.min_delta)
            if note:
                st.caption(note[0].upper() + note[1:] + ".")
            if outcome := estimate.estimate_outcome([job]):  # the job's time, not training's
                st.caption(f"{outcome.capitalize()} (job time: the worker's start, data "
                           "preparation, training and test).")
        elif job.status != "queued":
            st.progress(job.epoch / job.epochs if job.epochs else 0.0,
                        text=f"epoch {job.epoch} of {job.epochs} · {job_figures(job)}")
        if job.status == "failed":
            st.error(f"This run failed: {job.error}")
            st.caption("The details are in the server's log.")
        elif job.status == "interrupted":
            st.warning(f"This run was interrupted: {job.error}")
        elif job.status == "cancelled" and job.error:
            st.caption(f"Cancelled: {job.error}.")


def _curves(jobs) -> None:
    """Validation MAE per epoch of the jobs in the batch, live (a line per run: the seed
    named when the batch has several)."""
    lines = tuple((name, charts.strategy_color(strategy), maes)
                  for name, strategy, maes in curve_lines(jobs))
    if lines:
        charts.show(figures.live_mae(lines))


def _results(batch, newest: bool) -> None:
    """Links to the result pages for a finished batch: the newest one, or the last one that
    finished when a later batch was cancelled or still runs (pinned, so its links stay)."""
    if newest:
        st.success("Finished. Explore the results:")
        if outcome := estimate.estimate_outcome(batch):
            st.caption(f"{comparison_name(batch[0].batch).capitalize()}: {outcome}.")
    else:
        done = ", ".join(strategy_label(j.strategy) for j in batch if j.status == "done")
        st.info(f"**Last finished: {comparison_name(batch[0].batch)}** ({done}). "
                "Explore its results:")
    links = st.columns(3)
    links[0].page_link("pages/importance.py", label="Importance")
    links[1].page_link("pages/forecasts.py", label="Forecasts")
    links[2].page_link("pages/energy.py", label="Energy")


# Polling twice a second doubled a watched run's wall time and energy here (the browser's
# redraws compete with training on 2 cores); once a second cost ~5% (benchmarks/bench_app.py).
POLL_S = 1.0


@st.fragment(run_every=POLL_S if busy else None)
def live(polling: bool) -> None:
    """The newest batch's jobs with its overall progress and time left, polled every POLL_S
    seconds while anything is queued or running; then the last finished batch's links."""
    jobs = mgr.jobs()
    if polling and not mgr.busy:
        st.rerun()  # all finished: one full rerun stops the polling and refreshes the runs
    st.subheader("Jobs")
    if not jobs:
        st.caption("No jobs on this server yet. Launch a comparison: the defaults compare "
                   "full data, gradient-norm importance and a random subset on 3 seeds.")
        return
    batch = newest_batch(jobs)
    active = [j for j in jobs if j.status in ACTIVE]
    if any(j.status in ACTIVE for j in batch):
        progress = launch.batch_progress(batch)
        name = comparison_name(batch[0].batch).capitalize()
        st.progress(progress.fraction, text=f"{name}: {progress.text()}")
    if len(active) > 1 and st.button("Cancel all queued and running", key=state.CANCEL_ALL):
        for j in active:
            mgr.cancel(j.id)
    for job in other_active(jobs) + batch:
        _job_card(job)
    _curves(batch)
    finished = launch.last_finished(jobs)
    if finished:
        _results(finished, finished[0].batch == jobs[0].batch)


def earlier_jobs() -> None:
    """Finished jobs of earlier batches (outside the polled fragment: they do not change)."""
    jobs = mgr.jobs()
    older = earlier_finished(jobs)
    if older:
        with st.expander(f"Earlier jobs on this server ({len(older)})"):
            st.dataframe(job_rows(older), hide_index=True,
                         column_config={"progress": st.column_config.ProgressColumn(
                             "progress", min_value=0.0, max_value=1.0)})


live(busy)
earlier_jobs()

st.divider()
st.subheader("Stored runs")
stored = runs.all_runs()
if stored:
    table = runs_table(stored)
    st.dataframe(table, hide_index=True)
    st.download_button("Download as CSV", table.to_csv(index=False).encode(),
                       file_name="runs.csv", mime="text/csv")
    method = stored[-1].summary.get("energy_method") or "not recorded"
    st.caption(f"Runs are kept in `{runs.store().root}`; choose any of them for comparison in "
               f"the sidebar of the result pages. Energy (newest run): {method}.")
else:
    st.caption(f"No stored runs in `{runs.store().root}` yet.")

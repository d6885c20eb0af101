"""Train: configure a comparison, launch it in the background, follow it live, cancel it."""

from __future__ import annotations

import streamlit as st

from importance import views
from importance.config import LR_SCHEDULES
from importance.data.steps import duration, steps_words
from importance.models import MODEL_KINDS
from importance.stopping import ending_note
from importance.strategies import STRATEGIES
from importance.strategies.gradnorm import IN_PASS as SCORINGS
from ui import charts, entry, figures, launch, runs, sidebar, state
from ui.data import load

entry.require_entry()

ACTIVE = ("queued", "running")
MODEL_NAMES = {"lstm": "LSTM", "gru": "GRU", "mlp": "MLP", "dlinear": "DLinear",
               "nlinear": "NLinear"}
SCORING_NAMES = {"last_layer": "last-layer norm (fast)", "exact": "exact norm"}
STATUS_BADGE = {"queued": ("queued", "gray"), "running": ("running", "blue"),
                "done": ("done", "green"), "failed": ("failed", "red"),
                "cancelled": ("cancelled", "orange"), "interrupted": ("interrupted", "violet")}
# What a running job is doing (importance.runs.jobs.Job.phase).
PHASES = {"": "waiting for the job's process", "started": "preparing the data",
          "scoring": "scoring windows", "training": "training", "evaluation": "validating",
          "saving": "testing and saving"}

st.title("Train")
st.caption("Train the same forecaster on the same data, split and seed once per strategy, in "
           "the background (one run at a time, in a process of its own, so energy figures "
           "never double-count and a crash ends only that run). Results appear on the "
           "Importance, Forecasts and Energy pages.")

dataset = sidebar.current()
loaded, load_error = load(dataset.config)
mgr = runs.manager()
busy = mgr.busy
d = launch.form_defaults(loaded)
limits = launch.form_limits(loaded, d)
step = f"{duration(loaded.freq)} steps" if loaded is not None else "steps"
info = dataset.info
several = len(info.series) > 1 and dataset.config.series in info.series  # offer a panel
if st.session_state.get(state.F_DATA) != dataset.config or (
        several and state.F_SERIES not in st.session_state):
    st.session_state.pop(state.F_LOOKBACK, None)  # a new series: its step's default lookback
    # and the sidebar's series as the panel's default, set as state (a `default=` was lost
    # when the page was reached by st.switch_page from the Data page's Launch)
    st.session_state[state.F_SERIES] = [dataset.config.series] if several else []
    st.session_state[state.F_DATA] = dataset.config

form_col, live_col = st.columns([2, 3], gap="large")

with form_col, st.form("launch", border=True):
    st.subheader("Comparison")
    picked_series = []
    if several:
        picked_series = st.multiselect(
            "Train one model on several series", info.series, key=state.F_SERIES,
            format_func=lambda s: views.series_option(s, info.labels.get(s), None),
            help="One global model per strategy, trained on the windows of every chosen series "
                 "of this file (each scaled on its own) and evaluated per series. Series that "
                 "repeat one another are where importance selection saves the most. Default: "
                 "the sidebar's series.")
    strategies = st.multiselect(
        "Strategies to compare", list(STRATEGIES), default=list(d.strategies),
        format_func=lambda s: STRATEGIES[s].label, key=state.F_STRATEGIES,
        persist_state="session",
        help="Each strategy is one run. Full data is the baseline every saving is measured "
             "against; a random subset of the same size is the control (RS2: without "
             "repeats until every window was trained). The methods differ mostly in policy "
             "(hard top-k, coin flips, soft pruning with rescaling), less in their score: "
             "see What each strategy does, below.")
    with st.expander("What each strategy does"):
        st.markdown(views.strategy_guide_markdown(STRATEGIES))
    keep = st.slider("Keep ratio (subset strategies)", 0.05, 1.0, d.keep_ratio, 0.05,
                     key=state.F_KEEP, persist_state="session",
                     help="Share of the training windows each subset strategy trains on per "
                          "epoch. The paper kept 65-90%.")
    c1, c2 = st.columns(2)
    model = c1.selectbox("Model", MODEL_KINDS, index=MODEL_KINDS.index(d.model),
                         format_func=MODEL_NAMES.get, key=state.F_MODEL, persist_state="session",
                         help="LSTM (the paper's), GRU, MLP, or the linear DLinear (trend + "
                              "remainder) and NLinear (minus the last value); the linear models "
                              "ignore hidden units and layers.")
    epochs = c2.number_input("Epochs", 1, 500, d.epochs, key=state.F_EPOCHS,
                             persist_state="session")
    lookback = c1.number_input(f"Lookback ({step})", 1, max(limits.lookback, d.lookback),
                               d.lookback, key=state.F_LOOKBACK, persist_state="session",
                               help="Input steps per window. The default covers 6 hours "
                                    "below 10-minute steps, a day below hourly ones, a week for "
                                    "hourly and four weeks for daily data, shortened when "
                                    "the series is too short. At most "
                                    f"{limits.lookback:,} here at the default batch size: "
                                    "the memory a run may use on this machine.")
    horizon = c2.number_input(f"Horizon ({step})", 1, 1008, d.horizon, key=state.F_HORIZON,
                              persist_state="session", help="Steps forecast per window.")
    seed = c1.number_input("Seed", 0, 2**31 - 1, d.seed, key=state.F_SEED,
                           persist_state="session")
    countries = list(dict.fromkeys([d.country, *views.COUNTRIES]))
    country = c2.selectbox("Country (grid carbon)", countries, key=state.F_COUNTRY,
                           accept_new_options=True, persist_state="session",
                           help="ISO 3166 alpha-3 code; sets the grid's carbon intensity "
                                "and the public holidays below.")
    holidays = c2.checkbox("Its public holidays as an input", d.holidays, key=state.F_HOLIDAYS,
                           persist_state="session",
                           help="A 0/1 input feature on the country's public holidays (by the "
                                "series' local date), besides time of day and day of week. "
                                "The Data page marks them on the series.")
    with st.expander("Advanced"):
        a1, a2 = st.columns(2)
        hidden = a1.number_input("Hidden units", 1, 1024, d.hidden, key=state.F_HIDDEN,
                                 persist_state="session")
        layers = a2.number_input("Layers", 1, 8, d.layers, key=state.F_LAYERS,
                                 persist_state="session")
        revin = a1.checkbox("Instance normalisation (RevIN)", d.revin, key=state.F_REVIN,
                            persist_state="session",
                            help="Standardise each window by its own mean and spread and put "
                                 "them back on the forecast, so level shifts (holidays, "
                                 "events) move the inputs' statistics, not the inputs.")
        stride = a1.number_input("Window stride (steps)", 1, 1008, d.stride, key=state.F_STRIDE,
                                 persist_state="session",
                                 help="Steps between training window starts; larger is faster.")
        batch = a2.number_input(
            "Batch size", 1, max(limits.batch, d.batch_size), d.batch_size, key=state.F_BATCH,
            persist_state="session",
            help=f"At most {limits.batch:,} for this series at the default lookback: the "
                 "memory a run may use on this machine (half of what is available). Larger "
                 "lookbacks, hidden sizes or layers lower it; Launch checks the estimate.")
        lr = a1.number_input("Learning rate", 1e-5, 1.0, d.lr, format="%.4f", key=state.F_LR,
                             persist_state="session", help="Peak learning rate (Adam).")
        schedules = list(dict.fromkeys([d.lr_schedule, *LR_SCHEDULES]))
        lr_schedule = a2.selectbox(
            "Learning-rate schedule", schedules, key=state.F_LR_SCHEDULE, persist_state="session",
            help="cosine: decays to 5% of the peak by each run's own last batch, so a subset "
                 "strategy gets a full schedule over its fewer steps; constant: no decay.")
        scorings = list(dict.fromkeys([d.scoring, *SCORINGS]))
        scoring = a2.selectbox(
            "Importance score", scorings, key=state.F_SCORING, persist_state="session",
            format_func=SCORING_NAMES.get,
            help="Which per-window gradient norm ranks the windows: the output layer's part, "
                 "free from the training pass, or the whole gradient (exact, slower).")
        patience = a1.number_input(
            "Early-stopping patience (epochs)", 0, 500, d.patience,
            key=state.F_PATIENCE, persist_state="session",
            help="Stop a run after this many epochs in a row without a validation MAE "
                 "improvement of the minimum below; the model keeps its best epoch's weights. "
                 "0 = off: every epoch runs.")
        min_delta = a2.number_input(
            "Minimum improvement (%)", 0.0, 50.0, 100 * d.min_delta, 0.05,
            format="%.2f", key=state.F_MIN_DELTA, persist_state="session",
            help="The smallest drop of the validation MAE, relative to the last improvement, "
                 "that counts as one for early stopping.")
    submitted = st.form_submit_button("Launch comparison", type="primary",
                                      disabled=loaded is None, width="stretch")
    if loaded is not None:
        shown = (f"{len(picked_series)} series of {dataset.name} (one model)"
                 if len(picked_series) > 1 else loaded.label)
        st.caption(f"Data: {shown} · lookback {steps_words(int(lookback), loaded.freq)}"
                   f" · horizon {steps_words(int(horizon), loaded.freq)}")
    else:
        st.caption(f"Data: {dataset.name}")

if load_error:
    form_col.error(f"The chosen series cannot be loaded: {load_error}")

if submitted and several and not picked_series:
    form_col.error("Choose at least one series to train on.")
elif submitted:
    form = views.LaunchForm(
        model=model, hidden=int(hidden), layers=int(layers), revin=bool(revin),
        lookback=int(lookback),
        horizon=int(horizon), stride=int(stride), epochs=int(epochs), batch_size=int(batch),
        lr=float(lr), lr_schedule=str(lr_schedule), strategies=tuple(strategies),
        keep_ratio=float(keep), scoring=str(scoring), seed=int(seed), country=str(country or ""),
        holidays=bool(holidays), patience=int(patience), min_delta=float(min_delta) / 100,
        series=tuple(picked_series))
    try:
        ids = launch.launch(form, dataset)
    except ValueError as exc:
        form_col.error(str(exc))
    else:
        form_col.success(f"Queued {len(ids)} runs.")
        busy = True


def _label(strategy: str) -> str:
    return STRATEGIES[strategy].label if strategy in STRATEGIES else strategy


def _figures(job) -> str:
    """The latest epoch's figures in one line (light to redraw every poll)."""
    phase = f"{PHASES.get(job.phase, job.phase)} · " if job.status == "running" else ""
    if not job.history:
        return f"{phase}{job.elapsed:,.1f} s"
    last = job.history[-1]
    return (f"{phase}train loss {last['train_loss']:.4f} · validation MAE {last['val_mae']:,.2f} · "
            f"{job.elapsed:,.1f} s · " + ("energy not measured" if job.energy_kwh is None else
                                          f"{1000 * job.energy_kwh:.2g} Wh"
                                          f"{' so far' if job.status in ACTIVE else ''} "
                                          "(estimated)"))


def _job_card(job) -> None:
    """One job: status, progress, the latest epoch's figures, cancel and errors."""
    text, color = STATUS_BADGE.get(job.status, (job.status, "gray"))
    with st.container(border=True):
        top = st.columns([5, 1], vertical_alignment="center")
        top[0].markdown(f"**{_label(job.strategy)}** &nbsp; :{color}-badge[{text}]")
        if job.status in ACTIVE and top[1].button("Cancel", key=state.cancel_key(job.id),
                                                  width="stretch"):
            mgr.cancel(job.id)
            st.toast(f"Cancelling {job.id}: it stops within one batch, or its process is "
                     "ended after a few seconds.")
        if job.status == "done":  # early stopping may have ended it before its last epoch
            st.progress(1.0, text=f"epoch {job.epoch} of {job.epochs} · {_figures(job)}")
            t = job.config.train
            note = ending_note(job.history, t.epochs, t.patience, t.min_delta)
            if note:
                st.caption(note[0].upper() + note[1:] + ".")
        elif job.status != "queued":
            st.progress(job.epoch / job.epochs if job.epochs else 0.0,
                        text=f"epoch {job.epoch} of {job.epochs} · {_figures(job)}")
        if job.status == "failed":
            st.error(f"This run failed: {job.error}")
            st.caption("The details are in the server's log.")
        elif job.status == "interrupted":
            st.warning(f"This run was interrupted: {job.error}")
        elif job.status == "cancelled" and job.error:
            st.caption(f"Cancelled: {job.error}.")


def _curves(jobs) -> None:
    """Validation MAE per epoch of the jobs in the batch, live."""
    lines = tuple((_label(j.strategy), charts.strategy_color(j.strategy),
                   tuple(h["val_mae"] for h in j.history)) for j in jobs if j.history)
    if lines:
        charts.show(figures.live_mae(lines))


# Polling twice a second doubled a watched run's wall time and energy here (the browser's
# redraws compete with training on 2 cores); once a second cost ~5% (benchmarks/bench_app.py).
POLL_S = 1.0


@st.fragment(run_every=POLL_S if busy else None)
def live(polling: bool) -> None:
    """The newest batch's jobs, polled every POLL_S seconds while anything is queued or
    running."""
    jobs = mgr.jobs()
    if polling and not mgr.busy:
        st.rerun()  # all finished: one full rerun stops the polling and refreshes the runs
    st.subheader("Jobs")
    if not jobs:
        st.caption("No jobs on this server yet. Launch a comparison: the defaults compare "
                   "full data, gradient-norm importance and a random subset.")
        return
    batch = [j for j in jobs if j.batch == jobs[0].batch][::-1]  # newest batch, launch order
    active = [j for j in jobs if j.status in ACTIVE]
    if len(active) > 1 and st.button("Cancel all queued and running", key=state.CANCEL_ALL):
        for j in active:
            mgr.cancel(j.id)
    for job in [j for j in active if j.batch != jobs[0].batch][::-1] + batch:
        _job_card(job)
    _curves(batch)
    if not any(j.status in ACTIVE for j in batch) and any(j.status == "done" for j in batch):
        st.success("Finished. Explore the results:")
        links = st.columns(3)
        links[0].page_link("pages/importance.py", label="Importance")
        links[1].page_link("pages/forecasts.py", label="Forecasts")
        links[2].page_link("pages/energy.py", label="Energy")


def earlier_jobs() -> None:
    """Finished jobs of earlier batches (outside the polled fragment: they do not change)."""
    jobs = mgr.jobs()
    older = [j for j in jobs if j.batch != jobs[0].batch and j.status not in ACTIVE]
    if older:
        with st.expander(f"Earlier jobs on this server ({len(older)})"):
            st.dataframe(views.job_rows(older), hide_index=True,
                         column_config={"progress": st.column_config.ProgressColumn(
                             "progress", min_value=0.0, max_value=1.0)})


with live_col:
    live(busy)
    earlier_jobs()

st.divider()
st.subheader("Stored runs")
stored = runs.all_runs()
if stored:
    table = views.runs_table(stored)
    st.dataframe(table, hide_index=True)
    st.download_button("Download as CSV", table.to_csv(index=False).encode(),
                       file_name="runs.csv", mime="text/csv")
    method = stored[-1].summary.get("energy_method") or "not recorded"
    st.caption(f"Runs are kept in `{runs.store().root}`; choose any of them for comparison in "
               f"the sidebar of the result pages. Energy (newest run): {method}.")
else:
    st.caption(f"No stored runs in `{runs.store().root}` yet.")

"""The Sweep page's launch side: the grid form with its run count and time estimate, the
background sweep (one per server, owned by a cached manager whose thread never calls st.*) and
its live progress. A stored sweep's evidence and exports are `ui.sweep_explore`'s.

The sweep itself is the library's (`importance.sweep`): the same `Sweep.run` and
`DaskExecutor` as `importance sweep`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from importance import estimate
from importance import plan as launch_plan
from importance.config import DataConfig
from importance.data.cells import Cells, cells_of, is_wide
from importance.launch import LaunchForm
from importance.strategies import STRATEGIES
from importance.sweep import view
from importance.sweep.grid import Axes, grid_size, parse_keep_ratios, parse_seeds
from ui import cell_choice, launch, runs, sweep_explore
from ui.background import BackgroundSession
from ui.data import Dataset, load

if TYPE_CHECKING:
    from importance.sweep.runner import Sweep, SweepState

# Session-state keys of the page
STRATEGIES_KEY = "sweep.strategies"
KEEPS_KEY = "sweep.keep_ratios"
SEEDS_KEY = "sweep.seeds"
SERIES_KEY = "sweep.series"
CELLS_KEY = "sweep.cells"  # the cell choice's widgets (ui.cell_choice)
EPOCHS_KEY = "sweep.epochs"
WORKERS_KEY = "sweep.workers"
ADDRESS_KEY = "sweep.address"
LAUNCH_KEY = "sweep.launch"
CANCEL_KEY = "sweep.cancel"

POLL_S = 1.0  # as the Train page: faster polling slows the runs on 2 cores
DEFAULT_KEEPS = "0.5,0.7"
DEFAULT_SEEDS = "0,1,2"
# The Train page's form fields a sweep takes as they are (its epochs, strategies, keep ratio,
# seed and series are the sweep's own)
TRAIN_FIELDS = {key: field for key, field in launch.FORM_FIELDS.items()
                if field not in ("epochs", "strategies", "keep_ratio", "seed")}
ACTIVE = ("starting", "running")


# --- the background sweep ---------------------------------------------------------------------

class SweepManager(BackgroundSession):
    """One sweep at a time per server, in a thread of its own."""

    ACTIVE = ACTIVE
    BUSY = "a sweep is running already: wait for it or cancel it"

    def start(self, sweep: Sweep, address: str | None, n_workers: int | None,
              data_paths: list[str], estimate_s: float | None = None) -> None:
        """Train `sweep`'s unfinished cells on Dask in the background (ValueError when one is
        running already); `estimate_s`: the time shown before the launch, kept to show
        beside the time it took."""
        self._launch(f"sweep-{sweep.sweep_id}", self._run,
                     (sweep, address, n_workers, data_paths),
                     {"phase": "starting", "sweep_id": sweep.sweep_id,
                      "title": view.sweep_title(sweep.axes.to_dict()),
                      "total": len(sweep.cells), "skipped": len(sweep.finished),
                      "done": 0, "failed": 0, "cancelled": 0, "running": 0,
                      "pending": len(sweep.todo), "seconds_left": None,
                      "stopping": False, "error": "", "where": "", "workers": 0,
                      "started": time.time(), "ended": None, "estimate_s": estimate_s})

    def _update(self, s: SweepState) -> None:  # on the sweep's thread
        self._set(phase="running", total=s.total, skipped=s.skipped, done=s.done,
                  failed=s.failed, cancelled=s.cancelled, running=len(s.running),
                  pending=max(0, s.pending), seconds_left=s.seconds_left(),
                  stopping=s.stopping)

    def _run(self, sweep: Sweep, address: str | None, n_workers: int | None,
             data_paths: list[str], stop: threading.Event) -> None:
        from importance.runs.dask_executor import DaskExecutor

        ex = None
        try:
            if sweep.todo and not stop.is_set():
                ex = DaskExecutor(address, n_workers=None if address else n_workers)
                where = (f"Dask cluster at {ex.address}" if ex.address
                         else "a local Dask cluster")
                self._set(where=where, workers=ex.workers)
                if ex.address and data_paths:
                    ex.check_paths(data_paths)
            if stop.is_set() and ex is None:
                self._set(phase="cancelled", ended=time.time())
                return
            sweep.run(ex, on_update=self._update, stop=stop)
            self._set(phase="cancelled" if stop.is_set() else "finished", ended=time.time())
        except Exception as exc:  # noqa: BLE001 - shown on the page
            self._set(phase="failed", error=f"{type(exc).__name__}: {exc}".rstrip(": "),
                      ended=time.time())
        finally:
            if ex is not None:
                try:
                    ex.shutdown()
                except Exception:  # noqa: BLE001 - the cluster is gone already
                    pass

    def cancel(self) -> None:
        """Pending runs are dropped, running ones stop at their next batch."""
        super().cancel()
        self._set(stopping=True)


@st.cache_resource(show_spinner=False, on_release=lambda m: m.close())
def manager() -> SweepManager:
    return SweepManager()


# --- the grid ---------------------------------------------------------------------------------

def source(axes: Axes, dataset: Dataset) -> DataConfig:
    """The data the grid's series are taken from: the sidebar's, without its value column when
    they are a wide file's cells (each cell is its own column: `importance.data.cells`)."""
    if axes.series != (None,) and is_wide(dataset.info):
        return replace(dataset.config, column=None)
    return dataset.config


def train_form(dataset: Dataset) -> tuple[LaunchForm, str]:
    """The run settings besides the sweep's axes: the Train page's form as this session left
    it (its defaults otherwise), and a line naming them."""
    loaded, _ = load(dataset.config)
    form = launch.session_form(loaded, dataset, TRAIN_FIELDS)
    words = (f"{form.model.upper()} · hidden {form.hidden} x {form.layers} layers · lookback "
             f"{form.lookback} · horizon {form.horizon} · stride {form.stride} · batch "
             f"{form.batch_size} · lr {form.lr:g} ({form.lr_schedule}) · holidays "
             f"{(form.holidays and form.country) or 'none'} · grid {form.grid_country}"
             + (f" · early stopping after {form.patience}" if form.patience else ""))
    return form, words


def sweep_estimate(axes: Axes, form: LaunchForm, dataset: Dataset, address: str | None,
                   workers: int) -> tuple[float | None, str]:
    """Seconds the grid takes and a caption saying how (`grid_estimate`); None, with the
    reason, when its series or settings cannot make runs (Launch says so too)."""
    try:
        grid = launch_plan.sweep_grid(form, source(axes, dataset), axes)
    except ValueError as exc:
        return None, f"No estimate: {exc}"
    return grid_estimate(grid, address, workers)


def grid_estimate(grid: launch_plan.SweepPlan, address: str | None,
                  workers: int) -> tuple[float, str]:
    """Seconds a planned grid takes (`importance.plan.sweep_estimate`: each series' runs at
    the epoch costs of the stored runs on a sweep's worker, at most one run per core at once
    after a local cluster's start), and a caption saying how."""
    from importance.runtime import cores

    parallel = 1 if address else max(1, min(workers, cores()))
    est = launch_plan.sweep_estimate(grid, runs.all_runs(), parallel=parallel,
                         start_s=0.0 if address else estimate.STARTUP_S)
    how = (" (per worker of the cluster: divide by its workers; its start not counted)"
           if address else f", {parallel} runs at a time on {workers} workers, "
                           f"{view.duration_words(estimate.STARTUP_S)} of it to start them")
    return est.seconds, f"Estimate {estimate.cost_basis(est.costs)}{how}."


def grid_form(dataset: Dataset, busy: bool):
    """Draw the grid's controls, its run count and estimated time; on Launch, return
    (axes, form, address, workers), else None."""
    info = dataset.info
    form, words = train_form(dataset)
    names = list(STRATEGIES)
    default = [s for s in ("full", "gradnorm", "rs2") if s in names]
    # the whole row: a chip's name is cut at half a laptop's width (issue 24)
    strategies = st.multiselect(
        "Strategies", names, default=default, key=STRATEGIES_KEY,
        format_func=lambda s: STRATEGIES[s].label,
        help="Each strategy runs on every keep ratio, seed and series. Full data is what "
             "every ratio is measured against (one run per seed and series); rs2 / random "
             "are the controls the win rates pair with.")
    series_options = list(info.series)
    box = st.container()
    chosen = cell_choice.pick(
        box, dataset, CELLS_KEY, multi="the series selected below, each trained on its own"
        if series_options else "the sidebar's series") if len(cells_of(info)) > 1 else None
    if isinstance(chosen, str):
        return None  # why is shown
    if isinstance(chosen, Cells):
        series = list(chosen.ids)
    elif series_options:
        sweep_explore.drop_stale(SERIES_KEY, series_options, multi=True)
        series = box.multiselect(
            "Series", series_options, default=[dataset.config.series]
            if dataset.config.series in series_options else series_options[:1],
            key=SERIES_KEY, help="Series (squares, cells) of the sidebar's file; each is "
                                 "trained on its own.")
    else:
        series = [None]
        box.caption("Every run uses the sidebar's series." if chosen is None and cells_of(info)
                   else "This file holds one series: every run uses it.")
    c3, c4, c5 = st.columns(3)
    keeps_text = c3.text_input("Keep ratios", DEFAULT_KEEPS, key=KEEPS_KEY,
                               help="Comma-separated, in (0, 1]; only for strategies that "
                                    "take one.")
    seeds_text = c4.text_input("Seeds", DEFAULT_SEEDS, key=SEEDS_KEY,
                               help="Comma-separated seeds or ranges, e.g. 0,1,2 or 0-4.")
    epochs = int(c5.number_input("Epochs", 1, 500, form.epochs, key=EPOCHS_KEY))
    c6, c7 = st.columns(2)
    address = c6.text_input(
        "Cluster address (optional)", "", key=ADDRESS_KEY, placeholder="tcp://HOST:8786",
        help="An existing Dask scheduler whose workers have this project installed and the "
             "data at the same path. Empty: a local cluster on this machine.").strip()
    from importance.runtime import cores

    workers = int(c7.number_input("Local workers", 1, 64, cores(), key=WORKERS_KEY,
                                  disabled=bool(address),
                                  help="Worker processes of the local cluster, one run each "
                                       "at a time (one thread each)."))
    st.caption(f"Other settings as on the Train page: {words}.")
    try:
        keeps, seeds = parse_keep_ratios(keeps_text), parse_seeds(seeds_text)
        axes = Axes(tuple(strategies), keeps, seeds, tuple(series))
        from importance.sweep.grid import check_axes

        check_axes(axes)
    except ValueError as exc:
        st.error(str(exc).replace("--keep-ratios: ", "Keep ratios: ")
                 .replace("--seeds: ", "Seeds: "))
        return None
    n = grid_size(axes)
    seconds, how = sweep_estimate(axes, replace(form, epochs=epochs), dataset, address, workers)
    m1, m2 = st.columns(2)
    m1.metric("Runs", f"{n:,}", help="Strategies without a keep ratio (full, dpet) run once "
                                     "per seed and series.")
    m2.metric("Estimated time", view.duration_words(seconds),
              help="Runs x epochs x seconds per epoch, over the workers; early stopping "
                   "only shortens it.")
    st.caption(how)
    clicked = st.button("Launch sweep", type="primary", key=LAUNCH_KEY, disabled=busy,
                        help="A sweep already running: wait for it or cancel it" if busy
                        else None)
    if not clicked:
        return None
    return axes, replace(form, epochs=epochs), address or None, workers


def launch_sweep(axes: Axes, form: LaunchForm, dataset: Dataset, address: str | None,
                 workers: int) -> str:
    """Plan the grid (`importance.plan.plan_sweep`: its series loaded once and checked here
    rather than in every worker, the memory too when it trains on this machine) and start it
    on the manager; the sweep's id (ValueError: why not)."""
    from importance.sweep.runner import Sweep

    plan = launch_plan.plan_sweep(form, source(axes, dataset), axes,
                                  guard_memory=address is None, workers=workers)
    sweep = Sweep(list(plan.cells), axes, runs.store())
    sweep.sweeps.save(sweep.record)  # listed below at once
    seconds, _ = grid_estimate(plan, address, workers)  # the one shown
    manager().start(sweep, address, workers, plan.paths, estimate_s=seconds)
    st.session_state[sweep_explore.PICK_KEY] = sweep.sweep_id
    return sweep.sweep_id


# --- following it -----------------------------------------------------------------------------

def progress(mgr: SweepManager, polling: bool) -> None:
    """The running (or last) sweep of this server: done / running / failed, time left,
    Cancel. Polled every POLL_S s while it runs (see `follow`)."""
    snap = mgr.snapshot()
    phase = snap["phase"]
    if polling and phase not in ACTIVE:
        st.rerun()  # it ended: one full rerun stops the polling and lists its runs
    if phase == "idle":
        st.caption("No sweep launched on this server yet.")
        return
    total, skipped = snap["total"], snap["skipped"]
    finished = skipped + snap["done"]
    with st.container(border=True):
        top = st.columns([5, 1], vertical_alignment="center")
        badge = {"starting": ("starting the cluster", "gray"), "running": ("running", "blue"),
                 "finished": ("finished", "green"), "failed": ("failed", "red"),
                 "cancelled": ("cancelled", "orange")}[phase]
        top[0].markdown(f"**{snap.get('title') or snap['sweep_id']}** &nbsp; "
                        f":{badge[1]}-badge[{badge[0]}]"
                        + (" &nbsp; :orange-badge[stopping]" if snap["stopping"]
                           and phase in ACTIVE else ""))
        if phase in ACTIVE and top[1].button("Cancel", key=CANCEL_KEY, width="stretch",
                                             disabled=snap["stopping"]):
            mgr.cancel()
            st.toast("Cancelling: pending runs are dropped, running ones stop at their next "
                     "batch.")
        left = snap["seconds_left"]
        text = (f"{finished} of {total} done · {snap['running']} running · "
                f"{snap['failed']} failed"
                + (f" · {snap['cancelled']} cancelled" if snap["cancelled"] else "")
                + (f" · {skipped} done before (resumed)" if skipped else "")
                + (f" · ~{view.duration_words(left)} left" if phase in ACTIVE and left
                   is not None else (" · time left: after the first epoch"
                                     if phase in ACTIVE else "")))
        st.progress(finished / total if total else 1.0, text=text)
        if snap["where"]:
            st.caption(f"On {snap['where']} ({snap['workers']} workers).")
        if phase == "finished" and snap.get("estimate_s") is not None and snap["ended"]:
            st.caption(f"Estimated {view.duration_words(snap['estimate_s'])}, took "
                       f"{view.duration_words(snap['ended'] - snap['started'])}.")
        if phase == "failed":
            st.error(f"The sweep stopped: {snap['error']}")
        elif phase == "finished" and snap["failed"]:
            st.warning(f"{snap['failed']} runs failed: see the sweep's record below.")


def follow(mgr: SweepManager) -> None:
    polling = mgr.active
    st.fragment(run_every=POLL_S if polling else None)(progress)(mgr, polling)

"""The Sweep page's parts: the grid form with its run count and time estimate, the background
sweep (one per server, owned by a cached manager whose thread never calls st.*), its live
progress, and a stored sweep's evidence (Pareto chart, interval chart and table, Milan map) with
its exports: the tables as CSV and Parquet, the charts (`ui.sweep_charts`) as HTML (and PNG by
their camera icon).

The sweep itself is the library's (`importance.sweep`): the same `Sweep.run` and
`DaskExecutor` as `importance sweep`; the tables come from `importance.sweep.view` and
`importance.evidence`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from importance import estimate, evidence
from importance.launch import LaunchForm
from importance.provenance import run_is_synthetic
from importance.runs.identity import RunInfo
from importance.strategies import STRATEGIES
from importance.sweep import view
from importance.sweep.grid import Axes, grid_size, parse_keep_ratios, parse_seeds
from ui import charts, exports, launch, runcard, runs, sweep_charts, verdict
from ui.background import BackgroundSession
from ui.data import Dataset, load

if TYPE_CHECKING:
    from importance.sweep.runner import Sweep, SweepState
    from importance.sweep.store import SweepRecord

# Session-state keys of the page
STRATEGIES_KEY = "sweep.strategies"
KEEPS_KEY = "sweep.keep_ratios"
SEEDS_KEY = "sweep.seeds"
SERIES_KEY = "sweep.series"
EPOCHS_KEY = "sweep.epochs"
WORKERS_KEY = "sweep.workers"
ADDRESS_KEY = "sweep.address"
LAUNCH_KEY = "sweep.launch"
CANCEL_KEY = "sweep.cancel"
PICK_KEY = "sweep.pick"
COST_KEY = "sweep.cost"
MAP_STRATEGY_KEY = "sweep.map_strategy"
MAP_KEEP_KEY = "sweep.map_keep"
MAP_METRIC_KEY = "sweep.map_metric"

POLL_S = 1.0  # as the Train page: faster polling slows the runs on 2 cores
DEFAULT_KEEPS = "0.5,0.7"
DEFAULT_SEEDS = "0,1,2"
# The Train page's form fields a sweep takes as they are (its epochs, strategies, keep ratio,
# seed and series are the sweep's own)
TRAIN_FIELDS = {key: field for key, field in launch.FORM_FIELDS.items()
                if field not in ("epochs", "strategies", "keep_ratio", "seed")}
ACTIVE = ("starting", "running")
PNG_CAPTION = ("The camera icon at a chart's top right (shown on hover) saves it as a PNG at "
               "twice its size; the HTML buttons save it as a page that opens offline, with "
               "the sweep's settings.")
PARQUET_HELP = ("The same table, typed (pandas: read_parquet(path)); the CSV's '#' lines (the "
                "sweep's settings, the data's provenance) are in read_parquet(path).attrs"
                "['header'].")


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


def _drop_stale(key: str, options: list, multi: bool = False) -> None:
    """Forget a widget's value that its new options (another dataset or sweep) lack."""
    if key not in st.session_state:
        return
    value = st.session_state[key]
    if (multi and not set(value) <= set(options)) or (not multi and value not in options):
        del st.session_state[key]


# --- the grid ---------------------------------------------------------------------------------

def train_form(dataset: Dataset) -> tuple[LaunchForm, str]:
    """The run settings besides the sweep's axes: the Train page's form as this session left
    it (its defaults otherwise), and a line naming them."""
    loaded, _ = load(dataset.config)
    form = launch.session_form(loaded, dataset, TRAIN_FIELDS)
    words = (f"{form.model.upper()} · hidden {form.hidden} x {form.layers} layers · lookback "
             f"{form.lookback} · horizon {form.horizon} · stride {form.stride} · batch "
             f"{form.batch_size} · lr {form.lr:g} ({form.lr_schedule}) · country "
             f"{form.country}" + (f" · early stopping after {form.patience}"
                                   if form.patience else ""))
    return form, words


def measured_epoch_seconds(dataset: Dataset, form: LaunchForm) -> tuple[dict[str, float], str]:
    """Expected seconds per planned epoch per strategy of a run of the sidebar's series on a
    local sweep's worker, learned from the stored runs here (`estimate.epoch_costs`, early
    stopping counted), and where they come from (`estimate.cost_basis`)."""
    from importance.runs import memory

    loaded, _ = load(dataset.config)
    try:
        cfg = replace(form, strategies=("full",), seed=0, series=()).configs(dataset.config)[0]
    except ValueError:  # a bad country: the launch says what is wrong
        return {}, estimate.cost_basis(estimate.EpochCosts({}))
    windows = None if loaded is None else memory.n_windows(len(loaded.values), cfg.window)[0]
    costs = estimate.epoch_costs(runs.all_runs(), cfg, windows, sweep=True)
    return ({k: v * costs.epoch_share for k, v in costs.per_epoch.items()},
            estimate.cost_basis(costs))


def sweep_estimate(axes: Axes, form: LaunchForm, dataset: Dataset, address: str | None,
                   workers: int) -> tuple[float, str]:
    """Seconds the grid takes (`view.estimate_seconds`: a local cluster's start, the runs
    spread over its workers, at most one per core), and a caption saying how."""
    from importance.runtime import cores

    per, basis = measured_epoch_seconds(dataset, form)
    parallel = 1 if address else max(1, min(workers, cores()))
    seconds = view.estimate_seconds(axes.strategies, axes.keep_ratios, len(axes.seeds),
                                    len(axes.series), form.epochs, per, parallel,
                                    startup=0.0 if address else view.STARTUP_S)
    how = (" (per worker of the cluster: divide by its workers; its start not counted)"
           if address else f", {parallel} runs at a time on {workers} workers, "
                           f"{view.duration_words(view.STARTUP_S)} of it to start them")
    return seconds, f"Estimate {basis}{how}."


def grid_form(dataset: Dataset, busy: bool):
    """Draw the grid's controls, its run count and estimated time; on Launch, return
    (axes, form, address, workers), else None."""
    info = dataset.info
    form, words = train_form(dataset)
    names = list(STRATEGIES)
    default = [s for s in ("full", "gradnorm", "rs2") if s in names]
    c1, c2 = st.columns(2)
    strategies = c1.multiselect(
        "Strategies", names, default=default, key=STRATEGIES_KEY,
        format_func=lambda s: STRATEGIES[s].label,
        help="Each strategy runs on every keep ratio, seed and series. Full data is what "
             "every ratio is measured against (one run per seed and series); rs2 / random "
             "are the controls the win rates pair with.")
    series_options = list(info.series)
    if series_options:
        _drop_stale(SERIES_KEY, series_options, multi=True)
        series = c2.multiselect(
            "Series", series_options, default=[dataset.config.series]
            if dataset.config.series in series_options else series_options[:1],
            key=SERIES_KEY, help="Series (squares, cells) of the sidebar's file; each is "
                                 "trained on its own.")
    else:
        series = [None]
        c2.caption("This file holds one series: every run uses it.")
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


def plan(axes: Axes, form: LaunchForm, dataset: Dataset):
    """The grid's cells with their configs, each series checked (memory, window) here rather
    than in every worker; ValueError says what cannot work."""
    from importance.experiment import preflight
    from importance.runs import memory
    from importance.sweep.grid import expand

    data = dataset.config
    if data.path is not None:  # workers read the file; their working folder may differ
        paths = data.path if isinstance(data.path, tuple) else (data.path,)
        absolute = tuple(str(Path(p).resolve()) for p in paths)
        data = replace(data, path=absolute if isinstance(data.path, tuple) else absolute[0])
    loaded: dict[Any, Any] = {}
    for s in axes.series:
        one, error = load(replace(data, series=s))
        if one is None:
            raise ValueError(f"series {s}: {error}")
        loaded[s] = one.values

    def make_config(strategy: str, keep: float, seed: int, s: str | None):
        f = replace(form, strategies=(strategy,), keep_ratio=keep, seed=seed, series=())
        return f.configs(replace(data, series=s), log1p=bool((loaded[s] >= 0).all()))[0]

    cells = expand(axes, make_config)
    for s in axes.series:
        configs = [c.config for c in cells if c.series == s]
        memory.check_series(configs, loaded[s])
        preflight(configs[0])
    return cells, data


def launch_sweep(axes: Axes, form: LaunchForm, dataset: Dataset, address: str | None,
                 workers: int) -> str:
    """Plan the grid and start it on the manager; the sweep's id (ValueError: why not)."""
    from importance.sweep.runner import Sweep

    cells, data = plan(axes, form, dataset)
    sweep = Sweep(cells, axes, runs.store())
    sweep.sweeps.save(sweep.record)  # listed below at once
    paths = [] if data.path is None else (
        list(data.path) if isinstance(data.path, tuple) else [data.path])
    seconds, _ = sweep_estimate(axes, form, dataset, address, workers)  # the one shown
    manager().start(sweep, address, workers, paths, estimate_s=seconds)
    st.session_state[PICK_KEY] = sweep.sweep_id
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
        top[0].markdown(f"**{snap['sweep_id']}** &nbsp; :{badge[1]}-badge[{badge[0]}]"
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


# --- exploring a sweep ------------------------------------------------------------------------

def records() -> dict[str, Any]:
    """Every readable sweep record of the run store, newest first."""
    from importance.sweep.store import SweepStore

    store = SweepStore(runs.store())
    out = {}
    for sid in store.ids():
        try:
            rec = store.load(sid)
        except ValueError:
            continue
        if rec is not None:
            out[sid] = rec
    return dict(sorted(out.items(), key=lambda kv: kv[1].updated, reverse=True))


def _show(fig: go.Figure, key: str, png: str) -> None:
    """`charts.show`, the camera icon saving the chart as `png` (.png added, at 2x)."""
    options = {**charts.CONFIG["toImageButtonOptions"], "filename": png}
    st.plotly_chart(fig, theme=None, key=key,
                    config={**charts.CONFIG, "toImageButtonOptions": options})


def _chart_button(label: str, fig: go.Figure, name: str, record: SweepRecord,
                  mine: Sequence[RunInfo], key: str) -> None:
    """`fig` as an HTML page that opens offline, built when clicked (plotly.js is ~4 MB)."""
    title = f"{record.sweep_id}: {fig.layout.title.text}"
    st.download_button(label, lambda: view.chart_html(fig, title, record, mine).encode(),
                       file_name=f"{name}.html", mime="text/html", key=key, on_click="ignore",
                       help="One HTML file with the chart (plotly.js inlined, no CDN) and the "
                            "sweep's settings.")


def table_downloads(record: SweepRecord, mine: Sequence[RunInfo], intervals: pd.DataFrame,
                    pairs: pd.DataFrame) -> None:
    """The interval table (when there is one) and the runs, each as CSV and as Parquet, with
    the sweep's settings and data provenance."""
    files = [("Runs", "runs", "every run with its ratios to full data and to its control",
              view.runs_export(pairs))]
    if not intervals.empty:
        files.insert(0, ("Table", "intervals", "mean and 95% interval over series and seeds "
                                               "per strategy and keep ratio",
                         view.intervals_export(intervals)))
    cols = iter(st.columns(2 * len(files)))
    for label, name, what, frame in files:
        header = view.export_header(record, what, mine)
        base = f"{record.sweep_id}-{name}"
        next(cols).download_button(f"{label} as CSV", view.csv_bytes(frame, header),
                                   file_name=f"{base}.csv", mime="text/csv",
                                   key=f"sweep.dl_{name}_csv", on_click="ignore",
                                   help=exports.CSV_HELP)
        next(cols).download_button(f"{label} as Parquet", view.parquet_bytes(frame, header),
                                   file_name=f"{base}.parquet", mime=view.PARQUET_MIME,
                                   key=f"sweep.dl_{name}_parquet", on_click="ignore",
                                   help=PARQUET_HELP)


def explore(current: str | None) -> None:
    """Pick a stored sweep; draw its Pareto chart, interval chart and table and (Milan
    squares) map, with the exports."""
    recs = records()
    if not recs:
        st.caption(f"No sweep in `{runs.store().root}` yet: launch one above, or run "
                   "`importance sweep` with the same runs folder.")
        return
    ids = list(recs)
    if st.session_state.get(PICK_KEY) not in ids:
        st.session_state[PICK_KEY] = current if current in ids else ids[0]

    def name(sid: str) -> str:
        r = recs[sid]
        c = view.counts(r)
        return (f"{sid} · {r.updated[:16].replace('T', ' ')} · {c.get('done', 0)}/{c['runs']} "
                f"done · {', '.join(r.axes.get('strategies', []))}")

    sid = st.selectbox("Sweep", ids, key=PICK_KEY, format_func=name)
    record = recs[sid]
    c = view.counts(record)
    failed = [e for e in record.cells.values() if e.get("status") == "failed"]
    st.caption(f"{c['runs']} runs: {c.get('done', 0)} done, {c.get('failed', 0)} failed, "
               f"{c.get('cancelled', 0)} cancelled, {c.get('pending', 0) + c.get('running', 0)}"
               f" not finished · axes: {len(record.axes.get('strategies', []))} strategies x "
               f"{len(record.axes.get('keep_ratios', []))} keep ratios x "
               f"{len(record.axes.get('seeds', []))} seeds x "
               f"{len(record.axes.get('series', []))} series")
    if failed:
        with st.expander(f"Failed runs ({len(failed)})"):
            st.dataframe(pd.DataFrame([{"run": e["key"], "error": e.get("error", "")}
                                       for e in failed]), hide_index=True)
    stored = runs.all_runs()
    table = view.runs_frame(record, [{**r.summary, "run_id": r.run_id} for r in stored])
    if table.empty:
        st.info("No run of this sweep has finished yet.")
        return
    ids_shown = set(table["run_id"])
    mine = [r for r in stored if r.run_id in ids_shown]
    if any(run_is_synthetic(r) for r in mine):
        runcard.badge()
    pairs = evidence.paired(table)
    if not pairs["mae_ratio"].notna().any():
        st.warning("No run of this sweep has a full-data run on the same series and seed to "
                   "compare with: add `full` to its strategies.")
        st.dataframe(table, hide_index=True)
        return
    word = "seed" if table["series"].nunique() == 1 else "run"  # what an interval is over
    v = view.sweep_verdict(mine)  # the sweep's conclusion, as `importance sweep` gives it
    verdict.block(v.tone, v.headline, ())
    if v.sentences:
        with st.expander("Every strategy against full data and its control"):
            st.markdown("\n".join(f"- {s}" for s in v.sentences))
    _drop_stale(COST_KEY, list(view.COST_WORDS))
    cost = st.selectbox("Cost axis", list(view.COST_WORDS), key=COST_KEY,
                        format_func=view.COST_WORDS.get)
    if not pairs[f"{cost}_ratio"].notna().any():
        st.warning(f"No {view.COST_WORDS[cost]} was measured on these runs: choose another "
                   "cost axis.")
    st.caption(PNG_CAPTION)
    fig = sweep_charts.pareto_figure(pairs, view.strategy_means(pairs, cost), cost)
    _show(fig, "sweep.pareto", f"{sid}-pareto-{cost}")
    st.caption("Each point is one run, as ratios to the full-data run of the same series and "
               "seed; diamonds are the means per strategy x keep ratio over seeds and series, "
               "and the dashed front joins the means no other mean undercuts on both axes "
               "(cheaper and at least as accurate). Full data sits at (1, 1).")
    _chart_button("Pareto chart as HTML", fig, f"{sid}-pareto-{cost}", record, mine,
                  "sweep.dl_pareto_html")
    st.subheader("Per strategy and keep ratio")
    intervals = evidence.interval_table(pairs)
    if intervals.empty:
        st.caption("Only full-data runs: nothing to compare with full data.")
    else:
        order = list(dict.fromkeys(pairs["strategy"]))
        chart = sweep_charts.interval_figure(intervals, order, cost, word)
        chart_name = f"{sid}-interval-chart-{cost}"
        _show(chart, "sweep.intervals", chart_name)
        st.caption("Dots are means over series and seeds, bars their 95% interval, drawn from "
                   f"{evidence.MIN_SEEDS} runs up (fewer: no interval, and no conclusion). The "
                   f"dashed line marks +{evidence.KEPT_ACCURACY_PCT:g}% test MAE: a strategy "
                   "kept accuracy when its whole interval stays left of it.")
        _chart_button("Interval chart as HTML", chart, chart_name, record, mine,
                      "sweep.dl_intervals_html")
        st.dataframe(view.interval_display(intervals, word), hide_index=True)
        st.caption("Mean [95% interval of the mean] over series and seeds. Savings are 1 - "
                   "the cost ratio to full data on the same series and seed; the last column "
                   "counts the series x seeds where the strategy's test MAE is lower than its "
                   "control's (rs2 for per-epoch selection, random for static) at the same keep "
                   "ratio: a count, not a verdict (the control may have spent another budget; "
                   "the verdict above pairs it at the budget spent).")
    table_downloads(record, mine, intervals, pairs)
    square_map(pairs, record, mine)


def square_map(pairs: pd.DataFrame, record: SweepRecord, mine: Sequence[RunInfo]) -> None:
    """For Milan grid squares: the map of one strategy's saving or MAE ratio."""
    if not view.milan_squares(pairs["series"].unique()):
        return
    st.subheader("On the Milan grid")
    options = [s for s in dict.fromkeys(pairs["strategy"]) if s != "full"]
    if not options:
        st.caption("Only full-data runs: nothing to map.")
        return
    m1, m2, m3 = st.columns(3)
    _drop_stale(MAP_STRATEGY_KEY, options)
    strategy = m1.selectbox("Strategy", options, key=MAP_STRATEGY_KEY,
                            format_func=sweep_charts.label)
    keeps = sorted(k for k in pairs.loc[pairs["strategy"] == strategy, "keep_ratio"].unique()
                   if not math.isnan(k))
    _drop_stale(MAP_KEEP_KEY, keeps)
    keep = (m2.selectbox("Keep ratio", keeps, key=MAP_KEEP_KEY, format_func=view.keep_label)
            if keeps else None)
    metric = m3.selectbox("Colour by", list(view.METRICS), key=MAP_METRIC_KEY,
                          format_func=view.METRICS.get)
    squares = view.square_values(pairs, strategy, keep, metric)
    squares = squares[squares["value"].notna()]
    if squares.empty:
        st.caption(f"No {view.METRICS[metric]} for {sweep_charts.label(strategy)}: not "
                   "measured, or no full-data run to compare with.")
        return
    keep_words = f" keep {view.keep_label(keep)}" if keep is not None else ""
    fig = sweep_charts.map_figure(squares, metric, f"{sweep_charts.label(strategy)}{keep_words}: "
                                      f"{view.METRICS[metric]}, mean over seeds")
    name = (f"{record.sweep_id}-map-{strategy}"
            + (f"-keep{view.keep_label(keep)}" if keep is not None else "") + f"-{metric}")
    _show(fig, "sweep.map", name)
    st.caption("Squares are placed by their number on the 100 x 100 grid (numbered row by row "
               "from the south-west corner); blank cells are squares outside the sweep.")
    _chart_button("Map as HTML", fig, name, record, mine, "sweep.dl_map_html")

"""The Compress page's parts: the run and variant pickers, the background compression session
(one per server, owned by a cached manager whose thread never calls st.*), its live progress,
and a run's stored results: the device they came from, the table, the MAE-energy and MAE-size
charts with their fronts, and a sentence per variant.

The work is the library's (`importance.compress.lab.compress_run`, as `importance compress`);
the rows, sentences and fronts come from `importance.compress.view`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from importance.compress import labels, view
from importance.runcard import run_names
from importance.runs.identity import BASELINE, RunInfo
from ui import charts, runs, tables
from ui.background import BackgroundSession

# Session-state keys of the page
RUN_KEY = "compress.run"
VARIANTS_KEY = "compress.variants"
EXTRA_KEY = "compress.extra"
INSIST_KEY = "compress.insist"
EPOCHS_KEY = "compress.finetune_epochs"
LAUNCH_KEY = "compress.launch"
CANCEL_KEY = "compress.cancel"

POLL_S = 1.0  # as the Train page: faster polling slows the measurements on 2 cores
ACTIVE = ("running",)
SETTINGS = None  # importance.compress.lab.Settings for the sessions (None: the library's)
FRONT_COLOR, POINT_COLOR, REF_COLOR = "#ea580c", "#2563eb", "#111827"
# The results table's columns read first (the rest in "Every figure"): what a variant changes
KEY_COLUMNS = ("variant", "status", "MAE", "MAE x", "size x", "time x", "energy x")


# --- the background session -------------------------------------------------------------------

class CompressManager(BackgroundSession):
    """One compression session at a time per server, in a thread of its own."""

    ACTIVE = ACTIVE
    BUSY = "a compression session is running already: wait for it or cancel it"

    def start(self, root: Path, run_id: str, variants: list[str], settings: Any,
              title: str = "") -> None:
        """Measure `variants` of run `run_id` in the background (ValueError when a session is
        running already); `title`: the run's name, shown on the progress card."""
        self._launch(f"compress-{run_id}", self._run, (root, run_id, variants, settings),
                     {"phase": "running", "run_id": run_id, "variants": variants,
                      "title": title or run_id,
                      "done": 0, "total": len(variants), "current": "", "error": "",
                      "started": time.time(), "ended": None})

    def _progress(self, done: int, total: int, name: str) -> None:  # on the session's thread
        self._set(done=done, total=total, current=name)

    def _run(self, root: Path, run_id: str, variants: list[str], settings: Any,
             stop: threading.Event) -> None:
        from importance.compress.lab import Settings, compress_run
        from importance.runs.store import RunStore
        from importance.training import Cancelled

        try:
            compress_run(RunStore(root), run_id, variants, settings=settings or Settings(),
                         on_progress=self._progress, cancel=stop)
            self._set(phase="finished", ended=time.time())
        except Cancelled:
            self._set(phase="cancelled", ended=time.time())
        except Exception as exc:  # noqa: BLE001 - shown on the page
            self._set(phase="failed", error=f"{type(exc).__name__}: {exc}".rstrip(": "),
                      ended=time.time())

    def cancel(self) -> None:
        """Stop after the current variant (a fine-tune stops at its next batch)."""
        super().cancel()


@st.cache_resource(show_spinner=False, on_release=lambda m: m.close())
def manager() -> CompressManager:
    return CompressManager()


# --- choosing ---------------------------------------------------------------------------------

def pick_run() -> RunInfo:
    """A stored run (default: the newest full-data run); the page stops when there is none."""
    stored = list(reversed(runs.all_runs()))
    if not stored:
        st.info("No runs yet. Train one on the Train page, then measure its compressed "
                "variants here.")
        st.page_link("pages/train.py", label="Go to the Train page")
        st.stop()
    ids = [r.run_id for r in stored]
    if st.session_state.get(RUN_KEY) not in ids:
        full = [r.run_id for r in stored if r.strategy == BASELINE]
        st.session_state[RUN_KEY] = (full or ids)[0]
    by_id = {r.run_id: r for r in stored}
    names = run_names(stored)

    def name(rid: str) -> str:
        c = by_id[rid].config.model
        return (f"{names[rid]} · {c.kind.upper()} hidden {c.hidden} x {c.layers} · "
                f"{str(by_id[rid].summary.get('created', ''))[:16].replace('T', ' ')}")

    return by_id[st.selectbox("Run", ids, key=RUN_KEY, format_func=name,
                              help="Any stored run; its results are stored with it.")]


def _device() -> tuple[Any, str]:
    """The device a session would run on, and its name as the results store it."""
    from importance.device import describe, pick_device

    device = pick_device()
    return device, describe(device)


def device_line() -> str:
    """Where a session would run, and which 16-bit arithmetic that device has natively."""
    import torch

    from importance.compress.support import compute_support

    device, name = _device()
    support = [compute_support(t, device) for t in (torch.float16, torch.bfloat16)]
    words = "; ".join(s.reason for s in support)
    return f"Measurements run on **{name}**: {words}."


def estimate_line(run: RunInfo, names: list[str], settings: Any) -> str:
    """How long measuring `names` of `run` will take, from the sessions stored on this
    device (`importance.compress.duration`)."""
    from importance.compress import duration

    root = runs.store().root
    stored = [(root / r.run_id, r.summary) for r in runs.all_runs()]
    measured, openings = duration.stored(stored, _device()[1])
    tgt = duration.target(run.summary, settings)
    return duration.estimate_words(duration.estimate(names, tgt, measured, openings),
                                   len(names))


def variant_form(run: RunInfo, busy: bool) -> tuple[list[str], Any] | None:
    """Variants (preselected: those made to keep accuracy that run natively here) and
    options, with the session's estimated time; on Measure, (variant names, settings),
    else None."""
    from importance.compress.lab import Settings
    from importance.compress.support import compute_support
    from importance.compress.variants import DEFAULT_VARIANTS, parse_variants, preselected

    st.caption(device_line())
    device = _device()[0]
    default = preselected(run.config.model.kind, lambda d: compute_support(d, device).ok)
    chosen = st.multiselect("Variants", list(DEFAULT_VARIANTS), default=default,
                            key=VARIANTS_KEY,
                            help="Preselected: the variants made to keep accuracy (number "
                                 "formats, and pruning followed by a fine-tune) that this "
                                 "device runs natively; pruning without a fine-tune is offered "
                                 "to show what it loses. fp32: the stored model rebuilt (the "
                                 "reference; its own timing shows the noise). -storage: "
                                 "weights kept in 16 bits, computed in fp32. fp16/bf16: "
                                 "16-bit compute. int8-dynamic: int8 LSTM/GRU/Linear weights. "
                                 "magnitude-P: P% smallest weights zeroed. structured-P: P% "
                                 "of hidden units removed; -ft: then fine-tuned.")
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    extra = c1.text_input("More variants", "", key=EXTRA_KEY,
                          placeholder="e.g. magnitude-30, structured-75-ft",
                          help="Other sparsities: magnitude-P, structured-P, structured-P-ft "
                               "with P a whole percentage from 1 to 99.")
    base = SETTINGS or Settings()
    epochs = int(c2.number_input("Fine-tune epochs", 1, 50, base.finetune_epochs,
                                 key=EPOCHS_KEY,
                                 help="Of structured-P-ft, on the run's training windows; "
                                      "its time and energy are counted."))
    insist = st.checkbox("Measure emulated 16-bit", key=INSIST_KEY,
                         help="Measure fp16/bf16 compute even where the device has no native "
                              "16-bit arithmetic (emulated: many times slower).")
    try:
        names = [s.name for s in parse_variants([*chosen, *extra.split(",")])]
    except ValueError as exc:
        st.error(str(exc))
        return None
    settings = replace(base, finetune_epochs=epochs, insist=insist)
    st.caption(estimate_line(run, names, settings))
    jobs_busy = runs.manager().busy
    if jobs_busy:
        st.warning("Training jobs are running: measurements now would compete with them for "
                   "the cores, and both meters would count the machine's RAM power. Wait "
                   "for them to finish.")
    clicked = st.button("Measure", type="primary", key=LAUNCH_KEY,
                        disabled=busy or jobs_busy,
                        help="A session is running already" if busy else None)
    if not clicked:
        return None
    return names, settings


def launch(mgr: CompressManager, run: RunInfo, names: list[str], settings: Any) -> None:
    try:
        stored = runs.all_runs()
        title = run_names(stored).get(run.run_id, run.label)  # as the pages name it
        mgr.start(runs.store().root, run.run_id, names, settings, title=title)
    except ValueError as exc:
        st.error(str(exc))


# --- following it -----------------------------------------------------------------------------

def progress(mgr: CompressManager, polling: bool) -> None:
    """The running (or last) session of this server, with Cancel; polled while it runs."""
    snap = mgr.snapshot()
    phase = snap["phase"]
    if polling and phase not in ACTIVE:
        st.rerun()  # it ended: one full rerun stops the polling and shows the results
    if phase == "idle":
        st.caption("No compression session on this server yet.")
        return
    badge = {"running": ("running", "blue"), "finished": ("finished", "green"),
             "failed": ("failed", "red"), "cancelled": ("cancelled", "orange")}[phase]
    with st.container(border=True):
        top = st.columns([5, 1], vertical_alignment="center")
        top[0].markdown(f"**{snap.get('title') or snap['run_id']}** &nbsp; "
                        f":{badge[1]}-badge[{badge[0]}]")
        if phase in ACTIVE and top[1].button("Cancel", key=CANCEL_KEY, width="stretch"):
            mgr.cancel()
            st.toast("Cancelling after the current variant.")
        done, total = snap["done"], snap["total"]
        text = (f"{done} of {total} variants measured"
                + (f" · now: {snap['current']}" if phase in ACTIVE and snap["current"] else ""))
        st.progress(done / total if total else 1.0, text=text)
        if phase == "failed":
            st.error(f"The session stopped: {snap['error']}")


def follow(mgr: CompressManager) -> None:
    polling = mgr.active
    st.fragment(run_every=POLL_S if polling else None)(progress)(mgr, polling)


# --- a run's results --------------------------------------------------------------------------

def _frame(variants: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{"name": v["name"], "mae": v["test_mae"], "mwh": v["energy_kwh_per_1000"] * 1e6,
             "kb": v["size_bytes"] / 1024, "latency": v["latency_ratio"],
             "device": v["device"], "front_e": False, "front_s": False}
            for v in view.measured({"variants": variants})
            if v.get("energy_kwh_per_1000") is not None]
    return pd.DataFrame(rows)


def _log_ticks(low: float, high: float) -> list[float]:
    """1-2-5 values spanning [low, high], for a readable log axis."""
    exp = math.floor(math.log10(max(low, 1e-12)))
    ticks = [m * 10.0 ** e for e in range(exp, exp + 8) for m in (1, 2, 5)]
    inside = [t for t in ticks if low <= t <= high]
    below = [t for t in ticks if t < low][-1:]
    above = [t for t in ticks if t > high][:1]
    return below + inside + above


def figure(variants: list[dict[str, Any]], x: str) -> go.Figure:
    """Test MAE against inference energy (`x="mwh"`) or file size (`x="kb"`), the front
    dashed: the variants no other beats on both axes. The front's names are written where
    they meet no other at any chart size (`importance.compress.labels`); every point's name
    is in its hover."""
    df = _frame(variants)
    key = {"mwh": "energy_kwh_per_1000", "kb": "size_bytes"}[x]
    on_front = view.front(variants, x=key)
    fig = go.Figure()
    if not df.empty:
        ref = df["name"] == "fp32"
        hover = "%{customdata}<br>MAE %{y:.2f}<br>%{x:.3g}<extra></extra>"
        fig.add_scatter(x=df.loc[~ref, x], y=df.loc[~ref, "mae"], mode="markers",
                        customdata=df.loc[~ref, "name"], name="variant",
                        marker=dict(size=10, color=POINT_COLOR), hovertemplate=hover)
        fig.add_scatter(x=df.loc[ref, x], y=df.loc[ref, "mae"], mode="markers",
                        customdata=df.loc[ref, "name"], name="uncompressed (fp32)",
                        marker=dict(size=12, color=REF_COLOR, symbol="diamond"),
                        hovertemplate=hover)
        front = df.set_index("name").loc[[n for n in on_front if n in set(df["name"])]]
        x_range, y_range = labels.padded_range(df[x]), labels.padded_range(df["mae"], log=True)
        where = labels.place_labels(front[x].tolist(), front["mae"].tolist(),
                                    front.index.tolist(), x_range=x_range, y_range=y_range,
                                    y_log=True)
        fig.add_scatter(x=front[x], y=front["mae"], mode="lines+markers+text", name="front",
                        text=[n if w else "" for n, w in zip(front.index, where, strict=True)],
                        textposition=[w or "top right" for w in where],
                        textfont=dict(size=labels.FONT_PX), customdata=front.index,
                        line=dict(color=FRONT_COLOR, dash="dash"), hovertemplate=hover,
                        marker=dict(size=labels.MARKER_PX, color=FRONT_COLOR))
        fig.update_xaxes(range=list(x_range))
        ticks = [t for t in _log_ticks(df["mae"].min(), df["mae"].max())
                 if y_range[0] <= math.log10(t) <= y_range[1]]
        # 1-2-5 values where two of them fall in the range, else Plotly's own (a narrow range)
        fig.update_yaxes(range=list(y_range), tickvals=ticks if len(ticks) > 1 else None)
    title, axis = {"mwh": ("Test MAE against inference energy",
                           "inference energy per 1,000 forecasts (mWh, estimated)"),
                   "kb": ("Test MAE against stored size", "stored file (KB)")}[x]
    fig.update_yaxes(type="log")  # a pruned model without fine-tune can be 5x worse
    return charts.style(fig, title=title, x=axis, y="test MAE (log scale)", height=360)


def results(run: RunInfo) -> None:
    """The run's stored compression results: device, table, charts, sentences, method."""
    from importance.compress.results import read_results

    try:
        res = read_results(runs.store().root / run.run_id)
    except ValueError as exc:
        st.error(str(exc))
        return
    if not res or not res["variants"]:
        st.caption("No compressed variant of this run measured yet: choose variants above "
                   "and press Measure (or run `importance compress RUN_ID`).")
        return
    variants = res["variants"]
    devices = sorted({v["device"] for v in variants if v.get("device")})
    st.info(f"Figures measured on **{', '.join(devices)}** (one thread, "
            f"{res.get('windows_timed', 0):,} test windows timed; "
            f"load average {res.get('load_1m', [0, 0])[-1]:.1f} on {res.get('cores', '?')} "
            "cores at the last measurement). Ratios (x) are to the uncompressed model, timed "
            "in the same process in alternating pairs; another device gives other figures.")
    # the key columns whole, in a table that wraps (st.dataframe's canvas cut "not supported
    # here" to "not sup" at 1280 px); every figure below
    rows = pd.DataFrame(view.table_rows(res))
    tables.show(rows[list(KEY_COLUMNS)], numeric=KEY_COLUMNS[2:])
    table = pd.DataFrame(view.table_rows(res))
    if len(devices) > 1:
        table["device"] = [v.get("device", "") for v in variants]
    with st.expander("Every figure of these variants"):
        st.dataframe(table, hide_index=True)
    measured = view.measured(res)
    if measured:  # one under the other: each as wide as the page, its names room to fit
        charts.show(figure(variants, "mwh"), key="compress.energy_chart")
        charts.show(figure(variants, "kb"), key="compress.size_chart")
        st.caption("Each point is a variant; the dashed front joins those no other beats on "
                   "both axes (lower is better on each). The front's names are written where "
                   "they fit without meeting another; hover over a point for its name.")
    zipped = res["reference"]["size_zipped_bytes"]
    for v in variants:
        st.markdown(f"- {view.sentence(v, zipped)}")
    st.caption(f"How energy was measured: {view.energy_words(res)}. Without hardware "
               "counters the energy ratio follows the time ratio.")

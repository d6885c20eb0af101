"""Launching a comparison: the form's defaults for the chosen series (and the form as the
session left it, for the Data page's Launch), the time it will take, the hand-off to the job
manager through the library's launch plan (`importance.plan.plan_comparison`: the series
loaded once, the memory guard and the preflight) with that estimate stored on its jobs, and a
batch's overall progress and time left, both learned from the stored runs on this machine
(`importance.estimate.epoch_costs`).

A comparison trains every strategy on each of its seeds (three by default) on the job
manager's lanes (`importance.runs.lanes`: one run per core at once, or one after another)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from importance import estimate as timing
from importance.config import DataConfig, RunConfig, WindowConfig
from importance.data import LoadedSeries, load_members
from importance.data.cells import is_wide
from importance.data.steps import steps_words, suggest_window
from importance.grid import GridCountry, grid_country
from importance.launch import LaunchForm, parse_seeds_field
from importance.plan import plan_comparison, time_estimate
from importance.runcard import comparison_name
from importance.runs import memory
from importance.runs.tasks import ACTIVE
from ui import runs, state
from ui.data import Dataset

if TYPE_CHECKING:
    from importance.runs.jobs import Job

# JSON object of form fields overriding the library defaults, e.g. '{"epochs": 1}' for quick
# browser tests and demos. Unset (the normal case), the form shows the library's defaults.
DEFAULTS_ENV = "IMPORTANCE_UI_DEFAULTS"
# The Train form's widgets and the LaunchForm fields they hold (the lookback and the seeds:
# `session_form`)
FORM_FIELDS = {state.F_MODEL: "model", state.F_HIDDEN: "hidden", state.F_LAYERS: "layers",
               state.F_REVIN: "revin", state.F_HORIZON: "horizon", state.F_STRIDE: "stride",
               state.F_EPOCHS: "epochs", state.F_BATCH: "batch_size", state.F_LR: "lr",
               state.F_LR_SCHEDULE: "lr_schedule", state.F_STRATEGIES: "strategies",
               state.F_KEEP: "keep_ratio", state.F_SCORING: "scoring",
               state.F_COUNTRY: "country", state.F_HOLIDAYS: "holidays",
               state.F_PATIENCE: "patience"}


def session_grid() -> GridCountry:
    """The grid of this machine (`importance.grid`), or the sidebar's choice when it differs."""
    machine = grid_country()
    chosen = st.session_state.get(state.GRID)
    return machine if not chosen or chosen == machine.code else grid_country(chosen, "the sidebar")


def _overrides() -> dict:
    raw = os.environ.get(DEFAULTS_ENV, "").strip()
    return json.loads(raw) if raw else {}


def form_defaults(loaded: LoadedSeries | None = None) -> LaunchForm:
    """The form's initial values: the library's defaults with the lookback that suits the
    series' step (`importance.data.steps`), then `$IMPORTANCE_UI_DEFAULTS`."""
    overrides = _overrides()
    form = LaunchForm.defaults(overrides)
    if loaded is not None and "lookback" not in overrides:
        base = WindowConfig(horizon=form.horizon, stride=form.stride)
        form = replace(form, lookback=suggest_window(loaded.values, loaded.freq,
                                                     base).config.lookback)
    return form


def session_form(loaded: LoadedSeries | None, dataset: Dataset,
                 fields: Mapping[str, str] = FORM_FIELDS) -> LaunchForm:
    """The Train form as this session left it (its defaults for the series where it was not
    used): the Data page's Launch trains what the Train page shows. `fields`: the widgets
    taken (a sweep leaves out its own axes). The lookback counts only when it was set for
    this dataset (another step would mean another window); the seeds when the field reads
    well (else the defaults: the Train page says what is wrong with it)."""
    ss = st.session_state
    changes = {field: ss[key] for key, field in fields.items() if key in ss}
    if state.F_SEEDS in ss:
        try:
            changes["seeds"] = parse_seeds_field(ss[state.F_SEEDS])
        except ValueError:
            pass
    if state.F_MIN_DELTA in ss:
        changes["min_delta"] = float(ss[state.F_MIN_DELTA]) / 100
    if state.F_LOOKBACK in ss and ss.get(state.F_DATA) == dataset.config:
        changes["lookback"] = ss[state.F_LOOKBACK]
    if "strategies" in changes:
        changes["strategies"] = tuple(changes["strategies"])
    grid = session_grid()
    changes.update(grid_country=grid.code, grid_source=grid.source)
    return replace(form_defaults(loaded), **changes)


@dataclass(frozen=True)
class FormLimits:
    """The form's largest batch size and lookback for a series on this machine."""

    batch: int
    lookback: int


def form_limits(loaded: LoadedSeries | None, form: LaunchForm) -> FormLimits:
    """The memory guard's limits for the form (`importance.runs.memory`): the largest batch
    at the form's default lookback, and the largest lookback at its default batch, that every
    strategy can train on this series within the memory limit (gradient-norm top-k with exact
    norms). Other combinations are checked at launch, with the estimate in the message."""
    if loaded is None:
        return FormLimits(memory.MAX_BATCH, memory.MAX_LOOKBACK)
    strategies = tuple(dict.fromkeys((*form.strategies, "gradnorm")))
    configs = replace(form, strategies=strategies, scoring="exact", seed=0).configs(DataConfig())
    features = memory.n_features(pd.DatetimeIndex(loaded.values.index), configs[0].window)
    points, limit = len(loaded.values), memory.memory_limit()
    return FormLimits(
        batch=max(1, min(memory.max_batch(c, points, features, limit=limit) for c in configs)),
        lookback=max(1, min(memory.max_lookback(c, points, features, limit=limit)
                            for c in configs)))


def source(form: LaunchForm, dataset: Dataset) -> DataConfig:
    """The data the form's series are taken from: the sidebar's, without its value column when
    they are a wide file's cells (each cell is its own column: `importance.data.cells`)."""
    if form.series and is_wide(dataset.info):
        return replace(dataset.config, column=None)
    return dataset.config


def members(form: LaunchForm, dataset: Dataset) -> list[pd.Series]:
    """The values of the form's series (one, or several for one model), the file parsed once
    for all (`importance.data.load_members`); ValueError saying why one cannot be loaded."""
    return [s.values for s in load_members(form.data_config(source(form, dataset)))]


def estimate(configs: Sequence[RunConfig], values: Sequence[pd.Series]) -> timing.Estimate:
    """How long `configs` (one comparison on `values`, its series) take on the job manager,
    its lanes at a time (`importance.plan.time_estimate`: the epoch costs learned from the
    stored runs), plus the job workers' start unless they are up."""
    mgr = runs.manager()
    return time_estimate(configs, values, runs.all_runs(),
                         start_s=0.0 if mgr.warm else timing.WORKER_START_S, lanes=mgr.lanes)


def launch(form: LaunchForm, dataset: Dataset) -> list[str]:
    """Queue one run per strategy and seed on the background job manager, each with its
    estimated seconds (the estimate `form_words` shows); return the job ids.

    The library's launch plan (`importance.plan.plan_comparison`) loads the form's series
    once and checks them (the memory guard with the manager's lanes, the window) before
    anything is queued: a ValueError with a readable message when they cannot work.
    """
    mgr = runs.manager()
    plan = plan_comparison(form, source(form, dataset), lanes=mgr.lanes)
    return mgr.submit(list(plan.configs), list(estimate(plan.configs, plan.values).runs))


def form_words(form: LaunchForm, dataset: Dataset, loaded: LoadedSeries | None) -> str:
    """The caption beside Launch: the data and windows in time units, then how long the
    comparison will take (`importance.estimate.estimate_caption`: the estimate Launch stores)."""
    if loaded is None:
        return f"Data: {dataset.name}"
    shown = (f"{len(form.series)} series of {dataset.name} (one model)" if len(form.series) > 1
             else loaded.label)
    words = (f"Data: {shown} · lookback {steps_words(form.lookback, loaded.freq)} · horizon "
             f"{steps_words(form.horizon, loaded.freq)}.")
    try:
        configs = form.configs(source(form, dataset))
        values = members(form, dataset)
    except ValueError:  # no strategy, a bad country or series: Launch says what is wrong
        return words
    return f"{words} {timing.estimate_caption(estimate(configs, values))}"


def queued_words(ids: Sequence[str], jobs: Sequence[Job]) -> str:
    """The notice after a launch, one line naming the comparison (never the job ids; the job
    cards below name each run)."""
    mine = [j for j in jobs if j.id in set(ids)]
    batch = mine[0].batch if mine else ""
    strategies = len({j.strategy for j in mine})
    seeds = len({j.config.train.seed for j in mine})
    return (f"Queued {len(ids)} runs ({strategies} strateg{'ies' if strategies != 1 else 'y'} "
            f"x {seeds} seed{'s' if seeds != 1 else ''}). "
            f"{comparison_name(batch).capitalize()} trains them {lanes_words()}.")


def lanes_words() -> str:
    """How the job manager trains a batch: "2 at a time, each on its own core" or "one after
    another"."""
    lanes = runs.manager().lanes
    return f"{lanes} at a time, each on its own core" if lanes > 1 else "one after another"


def batch_progress(batch: Sequence[Job]) -> timing.BatchProgress:
    """A batch's overall progress and time left, at the epoch costs of the stored runs on its
    data and settings (`importance.estimate.batch_progress`)."""
    return timing.batch_progress(batch, timing.epoch_costs(runs.all_runs(), batch[0].config),
                                 lanes=runs.manager().lanes)


def last_finished(jobs: Sequence[Job]) -> list[Job]:
    """The newest batch with a run done and nothing queued or running (launch order), from the
    job manager's jobs (newest first); [] when there is none."""
    for batch in dict.fromkeys(j.batch for j in jobs):
        mine = [j for j in jobs if j.batch == batch]
        if any(j.status == "done" for j in mine) and not any(
                j.status in ACTIVE for j in mine):
            return mine[::-1]
    return []

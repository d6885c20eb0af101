"""Launching a comparison: the form's defaults for the chosen series and the hand-off to the
job manager, after the library's preflight check."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace

import pandas as pd

from importance.config import DataConfig, WindowConfig
from importance.data import LoadedSeries
from importance.data.steps import suggest_window
from importance.runs import memory
from importance.views import LaunchForm
from ui import runs
from ui.data import Dataset, load

# JSON object of form fields overriding the library defaults, e.g. '{"epochs": 1}' for quick
# browser tests and demos. Unset (the normal case), the form shows the library's defaults.
DEFAULTS_ENV = "IMPORTANCE_UI_DEFAULTS"


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
    configs = replace(form, strategies=strategies, scoring="exact").configs(DataConfig())
    features = memory.n_features(pd.DatetimeIndex(loaded.values.index), configs[0].window)
    points, limit = len(loaded.values), memory.memory_limit()
    return FormLimits(
        batch=max(1, min(memory.max_batch(c, points, features, limit=limit) for c in configs)),
        lookback=max(1, min(memory.max_lookback(c, points, features, limit=limit)
                            for c in configs)))


def launch(form: LaunchForm, dataset: Dataset) -> list[str]:
    """Queue one run per strategy on the background job manager; return the job ids.

    Raises ValueError with a readable message when the form or the data cannot work: the
    memory guard's estimate is checked first, then the series (each of the form's series)
    is windowed, before anything is queued.
    """
    from importance.experiment import preflight  # torch: only when launching

    data = form.data_config(dataset.config)
    members = []
    for member in data.members():  # the form's series: one, or several for one model
        loaded, error = load(member)
        if loaded is None:
            raise ValueError(error)
        members.append(loaded.values)
    configs = form.configs(dataset.config, log1p=all(bool((v >= 0).all()) for v in members))
    # MemoryGuardError: a ValueError
    memory.check_series(configs, members if data.is_panel else members[0])
    preflight(configs[0])  # the runs share data and window
    return runs.manager().submit(configs)

"""Launching a comparison: the form's defaults for the chosen series and the hand-off to the
job manager, after the library's preflight check."""

from __future__ import annotations

import json
import os
from dataclasses import replace

from importance.config import WindowConfig
from importance.data import LoadedSeries
from importance.data.steps import suggest_window
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


def launch(form: LaunchForm, dataset: Dataset) -> list[str]:
    """Queue one run per strategy on the background job manager; return the job ids.

    Raises ValueError with a readable message when the form or the data cannot work: the
    series is loaded and windowed here, before anything is queued.
    """
    from importance.experiment import preflight  # torch: only when launching

    loaded, error = load(dataset.config)
    if loaded is None:
        raise ValueError(error)
    configs = form.configs(dataset.config, log1p=bool((loaded.values >= 0).all()))
    preflight(configs[0])  # the runs share data and window
    return runs.manager().submit(configs)

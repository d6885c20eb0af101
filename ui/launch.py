"""Launching a comparison: the form's defaults and the hand-off to the job manager."""

from __future__ import annotations

import json
import os

from importance.views import LaunchForm
from ui import runs
from ui.data import Dataset

# JSON object of form fields overriding the library defaults, e.g. '{"epochs": 1}' for quick
# browser tests and demos. Unset (the normal case), the form shows the library's defaults.
DEFAULTS_ENV = "IMPORTANCE_UI_DEFAULTS"


def form_defaults() -> LaunchForm:
    """The form's initial values: the library's defaults, then `$IMPORTANCE_UI_DEFAULTS`."""
    raw = os.environ.get(DEFAULTS_ENV, "").strip()
    return LaunchForm.defaults(json.loads(raw) if raw else None)


def launch(form: LaunchForm, dataset: Dataset) -> list[str]:
    """Queue one run per strategy on the background job manager; return the job ids.

    Raises ValueError with a readable message when the form is invalid.
    """
    return runs.manager().submit(form.configs(dataset.config))

"""The Train form follows the sidebar's dataset (`importance.form_state` decides): its fields
are set through the session state, so the browser's widgets show what the runs will train
with, and what changed is kept for the Train page to say."""

from __future__ import annotations

import streamlit as st

from importance.data import LoadedSeries
from importance.form_state import SeriesShape, data_defaults, field_bounds, follow_data
from importance.launch import LaunchForm
from ui import launch, state
from ui.data import Dataset

# The widgets of the form's fields that follow the data (`importance.form_state.FOLLOWING`)
KEYS = {"horizon": state.F_HORIZON, "lookback": state.F_LOOKBACK,
        "batch_size": state.F_BATCH, "country": state.F_COUNTRY}


def defaults(loaded: LoadedSeries | None) -> LaunchForm:
    """The form's defaults for the series: `ui.launch.form_defaults` with the public holidays
    of its own country (`importance.form_state.data_defaults`), and the sidebar's grid."""
    form = launch.form_defaults(loaded)
    if loaded is None:
        return form
    return data_defaults(form, loaded.named_zone, loaded.embedded)


def panel_default(dataset: Dataset) -> list[str]:
    """The Train form's series for a file of several: the sidebar's; [] for one series."""
    several = len(dataset.info.series) > 1 and dataset.config.series in dataset.info.series
    return [dataset.config.series] if several else []


def follow(dataset: Dataset, loaded: LoadedSeries | None) -> None:
    """Set the form's fields for `dataset` when it is not the one they were set for: the
    defaults of its step and length (a value set by hand kept while it fits), the sidebar's
    series as the panel's; the sentences saying what changed go to `notice`."""
    ss = st.session_state
    if loaded is None or ss.get(state.F_DATA) == dataset.config:
        return
    base = launch.form_defaults(loaded)
    limits = launch.form_limits(loaded, base)
    followed = follow_data(
        defaults(loaded), SeriesShape.of(loaded),
        field_bounds(base, limits.batch, limits.lookback),
        now={field: ss[key] for field, key in KEYS.items() if key in ss},
        before=ss.get(state.F_DEFAULTS))
    for field, value in followed.values.items():
        ss[KEYS[field]] = value
    ss[state.F_SERIES] = panel_default(dataset)
    ss[state.F_DEFAULTS] = followed.defaults
    ss[state.F_DATA] = dataset.config
    ss[state.F_FOLLOWED] = (dataset.config, followed.sentences)


def notice(dataset: Dataset, keep: bool = False) -> tuple[str, ...]:
    """What changed in the form when the data became `dataset`, said once (`keep`: and
    again on the next page that asks)."""
    ss = st.session_state
    config, sentences = ss.get(state.F_FOLLOWED, (None, ()))
    if not keep:
        ss.pop(state.F_FOLLOWED, None)
    return sentences if config == dataset.config else ()

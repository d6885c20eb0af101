"""The dataset picker, drawn in the sidebar of every page by app.py."""

from __future__ import annotations

import streamlit as st

from importance.config import DataConfig
from ui import state
from ui.data import Dataset, describe, load
from ui.upload import UPLOAD_TYPES, save_upload

DEFAULT, UPLOAD = "default", "upload"
SOURCE_NAMES = {DEFAULT: "Embedded default", UPLOAD: "Upload a file"}


def _uploaded_path() -> tuple[str | None, str]:
    """Path of the uploaded file (saved once per upload), and its display name."""
    f = st.sidebar.file_uploader(
        "CSV, Parquet or Milan raw TSV", type=list(UPLOAD_TYPES), key=state.UPLOAD,
        help="A CSV/Parquet file with a timestamp column and numeric value columns (optionally "
             "a series-id column), a Milan aggregates CSV, or a raw Milan daily file "
             "(sms-call-internet-mi-YYYY-MM-DD.txt).")
    if f is None:
        return None, ""
    saved: dict[str, str] = st.session_state.setdefault(state.SAVED_UPLOADS, {})
    if f.file_id not in saved:
        saved[f.file_id] = str(save_upload(f.name, f.getvalue()))
    return saved[f.file_id], f.name


def dataset_picker() -> Dataset:
    """Draw the dataset controls; return the chosen dataset (the default when none is usable)."""
    sb = st.sidebar
    sb.header("Dataset")
    source = sb.radio("Source", list(SOURCE_NAMES), format_func=SOURCE_NAMES.__getitem__,
                      key=state.SOURCE, horizontal=True, label_visibility="collapsed")
    path, name = (None, "embedded default")
    if source == UPLOAD:
        path, name = _uploaded_path()
        if path is None:
            sb.caption("No file yet: the embedded default is used.")
            name = "embedded default"
    info, error = describe(path)
    if info is None:
        sb.error(f"Cannot use {name}: {error}\n\nUsing the embedded default instead.")
        path, name = None, "embedded default"
        info, error = describe(None)
    if info is None:  # the embedded default itself is unreadable: nothing else to offer
        sb.error(f"The embedded default dataset is unreadable: {error}")
        st.stop()

    if st.session_state.get(state.LAST_PATH, "") != (path or ""):
        st.session_state.pop(state.SERIES, None)  # options changed with the file
        st.session_state.pop(state.COLUMN, None)
        st.session_state[state.LAST_PATH] = path or ""
    series = None
    if info.series:
        series = sb.selectbox(
            "Square / series", info.series, key=state.SERIES,
            index=info.series.index(info.default_series) if info.default_series in info.series
            else 0, format_func=lambda s: info.labels.get(s, s))
    column = sb.selectbox("Activity / column", info.columns, key=state.COLUMN,
                          index=info.columns.index(info.default_column)
                          if info.default_column in info.columns else 0)
    dataset = Dataset(DataConfig(path=path, series=series, column=column), info, name)
    loaded, error = load(dataset.config)
    if loaded is None:
        sb.error(f"Cannot load this series: {error}")
    else:
        days = (loaded.values.index[-1] - loaded.values.index[0]).total_seconds() / 86400
        sb.caption(f"**{loaded.label}**  \n{len(loaded.values):,} points, {days:.0f} days, "
                   f"from {name}")
    st.session_state[state.DATA] = dataset
    return dataset


def current() -> Dataset:
    """The dataset chosen in the sidebar (app.py sets it before the page runs)."""
    return st.session_state[state.DATA]

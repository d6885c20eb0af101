"""The dataset picker, drawn in the sidebar of every page by app.py."""

from __future__ import annotations

import streamlit as st

from importance.aggregates.data import series_option
from importance.config import DataConfig
from importance.data import DataError, SourceInfo
from importance.data.steps import duration
from importance.data.timestamps import check_zone
from importance.data.uploads import UPLOAD_TYPES, save_upload
from importance.form_state import MODES, REPLACE, UploadPicks, unused_words, upload_refusal
from importance.grid import GRID_ENV, grid_country
from importance.launch import COUNTRIES
from importance.provenance import SYNTHETIC_BADGE, SYNTHETIC_NOTE, ZONES
from ui import entry, form_state, launch, state
from ui.data import Dataset, describe, load

DEFAULT, UPLOAD = "default", "upload"
SOURCE_NAMES = {DEFAULT: "Embedded default", UPLOAD: "Upload files"}
OWN_ZONE = ""  # the zone option meaning "as in the data"
# Pages that show stored runs: each run carries its own data (ui.runcard names it), so the
# picker (the data of new runs) is folded away there instead of standing beside their charts.
RESULT_PAGES = ("pages/importance.py", "pages/forecasts.py", "pages/energy.py",
                "pages/overview.py")
NEW_RUNS = "Dataset for new runs"


Paths = str | tuple[str, ...] | None


def _uploader(sb) -> dict[str, str]:
    """The uploader's files, each saved once (`importance.data.uploads`): saved path -> the
    name the user knows, in upload order."""
    uploaded = sb.file_uploader(
        "CSV, TSV, Parquet or Milan files", type=list(UPLOAD_TYPES), key=state.UPLOAD,
        accept_multiple_files=True,
        help="A time series export: a timestamp column and numeric KPI columns; long format "
             "with a station/cell id column; wide format with one column per cell; or a "
             "transposed daily export (one row per cell, one column per date). Any of , ; tab "
             "| as separator, decimal point or comma, UTF-8/UTF-16/Latin-1. Files dropped "
             "together (e.g. monthly exports of one layout) are combined; a file dropped "
             "beside loaded ones replaces them or joins them, as chosen below. Milan "
             "aggregates and raw daily files work too.") or []
    saved: dict[str, str] = st.session_state.setdefault(state.SAVED_UPLOADS, {})
    for f in uploaded:
        if f.file_id not in saved:
            saved[f.file_id] = str(save_upload(f.name, f.getvalue()))
    return {saved[f.file_id]: f.name for f in uploaded}


def _files(paths: tuple[str, ...], held: dict[str, str]) -> tuple[Paths, list[str]]:
    """The uploads `paths` as a data config's path (ordered by name), and their names."""
    chosen = sorted((p for p in paths if p in held), key=held.__getitem__)
    return (chosen[0] if len(chosen) == 1 else tuple(chosen) or None,
            [held[p] for p in chosen])


def _usable(path: Paths) -> tuple[SourceInfo | None, str | None]:
    """What the source offers, or (None, why it cannot be used): a file with one series and
    one column must also load, since no choice could make it (the year: the session's when
    the path is the one it was set for)."""
    year = st.session_state.get(state.YEAR) if st.session_state.get(
        state.LAST_PATH) == (path or "") else None
    info, error = describe(DataConfig(path=path, year=year))
    if info is not None and path is not None and _single_choice(info):
        loaded, error = load(DataConfig(path=path, series=info.default_series,
                                        column=info.default_column, year=year))
        if loaded is None:
            info = None
    return info, error


def _from_uploads(sb) -> tuple[Paths, str, SourceInfo | None, str]:
    """(path(s), name, source info, why Launch is off) of the uploads in use: those the user
    asked for (`importance.form_state.UploadPicks`), else those in use before them, else
    none (the embedded default, with Launch off)."""
    held = _uploader(sb)
    mode = REPLACE
    if held:
        mode = sb.radio(
            "A file dropped next", list(MODES), format_func=MODES.__getitem__,
            key=state.UPLOAD_MODE, horizontal=True,
            help="Replace: a file dropped beside the loaded ones is used alone. Combine: it "
                 "joins them (files of one layout and columns, e.g. monthly exports).")
    picks = st.session_state.get(state.UPLOAD_PICKS, UploadPicks()).update(list(held))
    wanted = picks.wanted(mode)
    path, names = _files(wanted, held)
    info, error = _usable(path) if path is not None else (None, None)
    if info is not None or path is None:
        st.session_state[state.UPLOAD_PICKS] = picks.loaded(wanted)
        if aside := sorted(name for p, name in held.items() if p not in wanted):
            sb.caption(unused_words(aside))
        return path, ", ".join(names), info, ""
    st.session_state[state.UPLOAD_PICKS] = picks
    used, used_names = _files(picks.used, held)
    blocked = upload_refusal(names, used_names, error or "", mode)
    sb.error(blocked)
    if used is not None:
        info, _ = _usable(used)
        if info is not None:
            return used, ", ".join(used_names), info, blocked
    return None, "", None, blocked


def _zone(sb, naive: bool, own: str) -> str | None:
    """The zone picker: the data's own clock first, then common zones; any IANA name typed."""
    own_words = "no zone" if naive else own.split(" (")[0]
    options = [OWN_ZONE, *ZONES]
    chosen = sb.selectbox(
        "Time zone", options, key=state.TZ, accept_new_options=True,
        format_func=lambda z: f"As in the data: {own_words}" if z == OWN_ZONE else z,
        help="The clock of every chart and of the time-of-day and weekday features. "
             + ("The timestamps carry no zone: by default they are read as the wall-clock time "
                "they show. Choosing a zone places them on its real time line: in the repeated "
                "autumn hour the first occurrence is summer time and the second winter time; "
                "times in the skipped spring hour are dropped (counted on the Data page)."
                if naive else "The timestamps carry a zone; another one converts them."))
    if not chosen:
        return None
    try:
        return check_zone(str(chosen).strip())
    except DataError as exc:
        sb.error(f"{exc}. Using the data's own clock.")
        return None


def _reset_choices(info: SourceInfo, attempted: str | tuple[str, ...], changed: bool) -> None:
    """The source's default series, column, zone and year, set through the session state
    (which the browser's widgets follow; dropping the keys would leave them showing the old
    file's choices): all of them for a new source, otherwise those the session lost.

    A choice is lost when the first script run that set it is interrupted, e.g. by a click on
    another page before the landing page finished: its widget never reached the browser, so
    the next run would draw it at its first option (square 1001, `sms_in`) instead."""
    defaults = {state.SERIES: info.default_series if info.series else None,
                state.COLUMN: info.default_column, state.TZ: OWN_ZONE, state.YEAR: info.year}
    for key, value in defaults.items():
        if value is None:
            st.session_state.pop(key, None)
        elif changed or key not in st.session_state:
            st.session_state[key] = value
    st.session_state[state.LAST_PATH] = attempted


def _single_choice(info: SourceInfo) -> bool:
    """The source offers one series and one column: no choice could make it load."""
    return len(info.series) <= 1 and len(info.columns) == 1


def dataset_picker() -> Dataset:
    """Draw the dataset controls; return the chosen dataset (the default when none is usable).

    On the result pages (`RESULT_PAGES`) the controls are folded into a collapsed "Dataset for
    new runs" expander: the charts there are of the runs' own data, named by the run card."""
    on_results = entry.current_page() in RESULT_PAGES
    if on_results:
        sb = st.sidebar.expander(NEW_RUNS, expanded=False)
        sb.caption("What the Data and Train pages use. The runs on this page keep the data "
                   "they were trained on: see *Data of the runs shown* below.")
    else:
        sb = st.sidebar
        sb.header("Dataset")
    source = sb.radio("Source", list(SOURCE_NAMES), format_func=SOURCE_NAMES.__getitem__,
                      key=state.SOURCE, horizontal=True, label_visibility="collapsed")
    path, name, info, blocked = None, "", None, ""
    if source == UPLOAD:
        path, name, info, blocked = _from_uploads(sb)
        if path is None and not blocked:
            sb.caption("No file yet: the embedded default is used.")
    if path is None:
        name = "embedded default"
        info, error = describe(DataConfig())
    if info is None:  # the embedded default itself is unreadable: nothing else to offer
        sb.error(f"The embedded default dataset is unreadable: {error}")
        st.stop()
    attempted = path or ""
    changed = st.session_state.get(state.LAST_PATH) != attempted
    if changed:
        st.session_state.pop(state.YEAR, None)
    _reset_choices(info, attempted, changed)
    series = None
    if info.series:
        id_column = dict(info.detected).get("series column")
        series = sb.selectbox(
            f"Series ({id_column})" if id_column else "Square / series", info.series,
            key=state.SERIES,
            format_func=lambda s: series_option(s, info.labels.get(s),
                                                      info.lengths.get(s)))
    column = sb.selectbox("Activity / column", info.columns, key=state.COLUMN)
    year = None
    if info.year is not None:
        year = int(sb.number_input(
            "Year of the dates", 1970, 2100, key=state.YEAR,
            help="The column headers give day and month only. The default is the latest year "
                 "that puts every date in the past; a December-to-January turn moves on a "
                 "year."))
    own = dict(info.detected).get("time zone", "")
    tz = _zone(sb, info.naive, own)
    dataset = Dataset(DataConfig(path=path, series=series, column=column, tz=tz, year=year),
                      info, name, blocked)
    loaded, error = load(dataset.config)
    form_state.follow(dataset, loaded)
    if loaded is None:
        sb.error(f"Cannot load this series: {error}")
    else:
        span = duration(loaded.values.index[-1] - loaded.values.index[0] + loaded.freq)
        sb.caption(f"**{loaded.label}**  \n{len(loaded.values):,} points at a "
                   f"{duration(loaded.freq)} step, {span}, from {name}")
        if path is None and not on_results:  # the embedded default: say it is synthetic
            sb.badge(SYNTHETIC_BADGE, icon=":material/science:", color="orange",
                     help=SYNTHETIC_NOTE)
    st.session_state[state.DATA] = dataset
    return dataset


def grid_setting() -> None:
    """The grid this machine draws from, for every run's carbon figures: a machine setting
    (`importance.grid`), stated with where it comes from on every page."""
    machine = grid_country()
    options = list(dict.fromkeys([machine.code, *COUNTRIES]))
    st.sidebar.selectbox(
        "Carbon grid of this machine", options, key=state.GRID, accept_new_options=True,
        help="ISO 3166 alpha-3 country of the electricity grid this machine draws from: "
             "emissions are energy times its average carbon intensity. It belongs to where "
             f"training runs, not to the data. Default: ${GRID_ENV}, else the country of "
             "this machine's time zone, else Italy.")
    st.sidebar.caption(f"Emissions use {launch.session_grid().words()}.")


def current() -> Dataset:
    """The dataset chosen in the sidebar (app.py sets it before the page runs)."""
    return st.session_state[state.DATA]

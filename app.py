"""Dashboard entry: the page router and the dataset sidebar shown on every page.

    streamlit run app.py
"""

from __future__ import annotations

import gc
import importlib
import threading

import streamlit as st

from importance.data import uploads
from ui import entry, sidebar

WARM_UP = ("importance.runs.jobs", "importance.explore", "importance.classical")


def _import_all() -> None:
    for name in WARM_UP:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that needs it reports the error
            return
    # Streamlit collects garbage after every script run; with torch and statsmodels loaded a
    # full collection took 0.1-0.5 s of each page visit here. Their objects live as long as
    # the server: moved out of the collector's sight, a visit's collection skips them.
    gc.freeze()


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    """Import the heavy modules (torch, statsmodels: seconds each) in the background once the
    first page is up, so the other pages open fast."""
    t = threading.Thread(target=_import_all, name="warm-up-imports", daemon=True)
    t.start()
    return t


@st.cache_resource(show_spinner=False)
def _remove_stale_uploads() -> list[str]:
    """Once per server: uploads that no stored run needs are removed (importance.data.uploads)."""
    return [str(p) for p in uploads.remove_stale_uploads()]


def main() -> None:
    """One script run: the page config, the navigation, the dataset sidebar, the page."""
    entry.keep_spawned_processes_out()  # the job lanes' workers: see below
    st.set_page_config(page_title="Which training data matters?", layout="wide",
                       initial_sidebar_state="expanded")
    page = entry.navigation()
    sidebar.dataset_picker()
    sidebar.grid_setting()
    try:
        with entry.drawing_page():
            page.run()
    finally:  # also when a page stops early
        _warm_up()
        _remove_stale_uploads()


# Streamlit runs this file as `__main__`. A process spawned by the job lanes (a Dask worker)
# imports the parent's main script as `__mp_main__` unless its spec says there is none
# (`entry.keep_spawned_processes_out`, set on every run, but Streamlit makes a new module at
# each rerun): such a process draws nothing.
if __name__ == "__main__":
    main()

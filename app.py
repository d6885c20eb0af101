"""Dashboard entry: the page router and the dataset sidebar shown on every page.

    streamlit run app.py
"""

from __future__ import annotations

import importlib
import threading

import streamlit as st

from ui import sidebar

st.set_page_config(page_title="Which training data matters?", layout="wide",
                   initial_sidebar_state="expanded")

# The pages live in app_pages/, not pages/: Streamlit treats a pages/ folder as a v1 multipage
# app until st.navigation first runs, so a fresh server's first request to a sub-URL (and every
# AppTest rerun) would run the page without this file, its sidebar and its page config.
PAGES = [
    st.Page("app_pages/data.py", title="Data", default=True),
    st.Page("app_pages/train.py", title="Train"),
    st.Page("app_pages/importance.py", title="Importance"),
    st.Page("app_pages/forecasts.py", title="Forecasts"),
    st.Page("app_pages/energy.py", title="Energy"),
]


WARM_UP = ("importance.runs.jobs", "importance.explore", "importance.classical")


def _import_all() -> None:
    for name in WARM_UP:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that needs it reports the error
            return


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    """Import the heavy modules (torch, statsmodels: seconds each) in the background once the
    first page is up, so the other pages open fast."""
    t = threading.Thread(target=_import_all, name="warm-up-imports", daemon=True)
    t.start()
    return t


page = st.navigation(PAGES)
sidebar.dataset_picker()
try:
    page.run()
finally:  # also when a page stops early
    _warm_up()

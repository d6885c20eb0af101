"""The dashboard's navigation, and the guard that makes every page run through app.py.

Streamlit treats a `pages/` folder beside the entry file as a legacy (v1) multipage app until
the entry's `st.navigation` has run once in the server process. Until then, the first request
to a sub-URL (e.g. a fresh server opened at `/train`, and every AppTest run on a sub-page)
runs the page script on its own: without app.py's page config, dataset sidebar or warm-up.
`require_entry()`, the first call of every page, notices that and runs app.py in its place in
the same script run (so no widget event is lost): app.py's `st.navigation` ends the legacy
mode for the whole server and draws the page as it draws any other.
"""

from __future__ import annotations

import importlib.machinery
import runpy
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

# (script, title), in navigation order; the first page is the default.
PAGES = (
    ("pages/overview.py", "Overview"),  # the landing page: the question, the verdict, a demo
    ("pages/data.py", "Data"),
    ("pages/train.py", "Train"),
    ("pages/importance.py", "Importance"),
    ("pages/forecasts.py", "Forecasts"),
    ("pages/energy.py", "Energy"),
    ("pages/compress.py", "Compress"),
    ("pages/sweep.py", "Sweep"),
)

APP = Path(__file__).resolve().parents[1] / "app.py"
_local = threading.local()  # one script run per thread at a time


def navigation() -> st.Page:
    """Register the app's pages with `st.navigation`; return the page to draw (its script
    is `current_page()` for the rest of the script run)."""
    pages = [st.Page(path, title=title, default=i == 0) for i, (path, title) in enumerate(PAGES)]
    page = st.navigation(pages)
    _local.page = next((path for (path, _), p in zip(PAGES, pages, strict=True) if p is page),
                       "")
    return page


def keep_spawned_processes_out() -> None:
    """Streamlit runs app.py as the process's `__main__` module, with app.py as its `__file__`
    and no spec; a process started by multiprocessing's spawn method (a Dask worker of the
    job lanes) then runs app.py again before its task, in bare mode: the whole dashboard, and
    ~200 "missing ScriptRunContext" warnings in the server log per worker. A `__main__` spec
    tells spawn there is no script to run again (`multiprocessing.spawn._fixup_main_from_name`
    skips `__main__`)."""
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None:
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)


def current_page() -> str:
    """The script of the page this script run draws ("pages/energy.py"); "" before
    `navigation()` ran in it."""
    return getattr(_local, "page", "")


@contextmanager
def drawing_page() -> Iterator[None]:
    """Mark the current script run as going through app.py while its page is drawn."""
    _local.via_entry = True
    try:
        yield
    finally:
        _local.via_entry = False


def require_entry() -> None:
    """Run app.py instead when Streamlit ran this page on its own (legacy pages/ mode)."""
    if getattr(_local, "via_entry", False):
        return
    runpy.run_path(str(APP), run_name="__main__")  # draws this page through the entry
    st.stop()

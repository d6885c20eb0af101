"""Which cells of the sidebar's file a Train or Sweep form takes: the series chosen one by one
(the page's own multi-select), every cell in the file, the top N by volume, or an id pattern;
the last three through the library's one rule (`importance.data.cells.choose`: dead cells left
out and said)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from importance.data.cells import Cells, cells_of, choice_text
from ui.data import Dataset
from ui.data import cells as resolve

MODES = {"pick": "Chosen below", "all": "Every cell in the file", "top": "Top N by volume",
         "pattern": "Id pattern"}


def pick(where: Any, dataset: Dataset, key: str, *, multi: str) -> Cells | str | None:
    """Draw the choice in `where` (a container) under widget keys starting with `key`;
    `multi` names what "Chosen below" means on this page. None: the page's own multi-select
    decides; else the cells chosen, or why none could be (a sentence)."""
    cells = cells_of(dataset.info)
    mode = where.radio(
        "Cells", list(MODES), key=f"{key}.mode", horizontal=True, format_func=MODES.get,
        help=f"{MODES['pick']}: {multi}. Every cell, the top N by the total of the chosen "
             "column, or the ids matching a pattern train one model per strategy on all of "
             "them; cells with nothing to forecast (constant, all zeros) are left out and "
             "named.")
    if mode == "pick":
        return None
    top = pattern = None
    if mode == "top":
        most = max(1, len(cells))
        if st.session_state.get(f"{key}.top", 0) > most:  # set for a file with more cells
            st.session_state[f"{key}.top"] = most
        top = int(where.number_input("N (largest total first)", 1, most, min(10, most),
                                     key=f"{key}.top"))
    elif mode == "pattern":
        first = cells[0] if cells else "eNB_31001"
        pattern = where.text_input(
            "Id pattern", key=f"{key}.pattern", placeholder=f"{first[:max(1, len(first) - 2)]}*",
            help="A glob over whole ids, case-sensitive: * any characters, ? one character, "
                 "[0-9] one of a set; several patterns or ids comma-separated.").strip()
        if not pattern:
            return f"Write an id pattern, e.g. {first[:max(1, len(first) - 2)]}*"
    found, error = resolve(dataset.config, choice_text(mode, top, pattern))
    if found is None:
        error = error.replace("--series: ", "").replace("--series ", "Series ")
        where.error(error)
        return error
    where.caption(f"{found.words()[0].upper()}{found.words()[1:]}.")
    return found

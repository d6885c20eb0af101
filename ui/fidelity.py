"""Scoring proxies' fidelity for a stored run's final model (importance.scoring.proxy_fidelity)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from importance.runs.identity import RunInfo
from ui import runs, state

MAX_WINDOWS = 2048  # evenly spaced training windows scored by every method


@st.cache_resource(show_spinner="Rebuilding the run's model...", max_entries=4)
def _model_and_windows(root: str, run_id: str):
    """The run's final model (from its stored config and state_dict) and its windows."""
    from importance.experiment import prepare
    from importance.models import build_model

    run = runs.store().load(run_id)
    cfg = run.config
    ws = prepare(cfg.data, cfg.window)
    model = build_model(cfg.model, n_features=ws.n_features, lookback=cfg.window.lookback,
                        horizon=cfg.window.horizon)
    model.load_state_dict(run.state_dict())
    return model, ws


@st.cache_data(show_spinner="Scoring windows with every method...", max_entries=16)
def _fidelity(root: str, run_id: str, n: int) -> pd.DataFrame:
    import torch

    from importance.scoring import proxy_fidelity

    model, ws = _model_and_windows(root, run_id)
    idx = np.unique(np.linspace(0, len(ws.train) - 1, min(n, len(ws.train))).astype(np.int64))
    result = proxy_fidelity(model, torch.from_numpy(ws.train.x[idx]),
                            torch.from_numpy(ws.train.y[idx]))
    table = pd.DataFrame.from_dict(result, orient="index")
    table.index.name = "method"
    return table.reset_index()


def section(run: RunInfo, name: str) -> None:
    """Proxy fidelity for `run`: measured on demand while jobs train (it competes for CPU)."""
    st.header("How faithful are cheap scoring proxies?")
    st.caption("Exact per-window gradient norms cost a backward pass; proxies are cheaper. "
               f"Each proxy is compared with the exact norms of {name}'s final model on up to "
               f"{MAX_WINDOWS:,} training windows: rank correlation, overlap of the top 10% and "
               "30%, and cost relative to exact scoring.")
    root = str(runs.store().root)
    if runs.manager().busy and not st.button("Measure now", key=state.FIDELITY_NOW):
        st.info("A job is training: measuring now would slow it down and add to its measured "
                "energy. Press Measure now anyway, or come back when it has finished.")
        return
    table = _fidelity(root, run.run_id, MAX_WINDOWS)
    st.dataframe(table, hide_index=True, column_config={
        "spearman": st.column_config.NumberColumn("Spearman vs exact", format="%.3f"),
        "top10_overlap": st.column_config.NumberColumn("top-10% overlap", format="%.2f"),
        "top30_overlap": st.column_config.NumberColumn("top-30% overlap", format="%.2f"),
        "seconds_ratio": st.column_config.NumberColumn("cost vs exact", format="%.2fx"),
    })

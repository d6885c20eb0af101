"""The verdict (`importance.verdict`) at the top of the Overview, Energy and Forecasts pages:
a short coloured block of sentences, the Overview's key figures and its trade-off chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from importance import verdict as vd
from importance.views import RunInfo
from ui import charts, runs

TONES = {"success": st.success, "info": st.info, "warning": st.warning}
leaderboard = vd.leaderboard  # the Forecasts page's table, best first


def block(tone: str, headline: str, sentences: Sequence[str]) -> None:
    """One coloured block: the headline, then the sentences as a list."""
    body = "\n".join([headline, *(f"- {s}" for s in sentences)]) if headline else \
        "\n".join(f"- {s}" for s in sentences)
    TONES.get(tone, st.info)(body)


@st.cache_data(show_spinner=False, max_entries=32)
def _verdict(root: str, focus: tuple[str, ...], stored: tuple[str, ...],
             names: tuple[tuple[str, str], ...] | None) -> vd.Verdict:
    by_id = {r.run_id: r for r in runs.all_runs()}
    return vd.verdict([by_id[i] for i in focus if i in by_id],
                      [by_id[i] for i in stored if i in by_id],
                      dict(names) if names is not None else None)


def of_runs(focus: Sequence[RunInfo], names: Mapping[str, str] | None = None) -> vd.Verdict:
    """The verdict of `focus`, with the seeds of every stored run: cached by the run ids
    (stored runs never change), so a page visit does not pair every run again."""
    stored = tuple(r.run_id for r in runs.all_runs())
    return _verdict(str(runs.store().root), tuple(r.run_id for r in focus), stored,
                    tuple(names.items()) if names is not None else None)


def strategy_block(focus: Sequence[RunInfo], names: Mapping[str, str] | None = None
                   ) -> vd.Verdict:
    """The verdict of `focus` against full data and the controls, drawn as one block."""
    v = of_runs(focus, names)
    block(v.tone, v.headline, v.sentences)
    return v


def overview_block(focus: Sequence[RunInfo], names: Mapping[str, str] | None = None
                   ) -> vd.Verdict:
    """The Overview's short block: the best trade-off and each strategy against its control
    (the savings of every strategy follow further down the page)."""
    v = of_runs(focus, names)
    against = [c for s in v.verdicts if (c := vd.control_sentence(s)) is not None]
    block(v.tone, v.headline, against)
    return v


def forecasts_block(focus: Sequence[RunInfo], names: Mapping[str, str],
                    neural: Mapping[str, float], classical: Mapping[str, float]) -> None:
    """The Forecasts page's block, on accuracy: the best neural run (`neural`: name -> test
    MAE) against the best of every classical model fitted (`classical`), then each strategy
    against its control. Its tone: a warning when either verdict warns, else a success when
    either succeeds."""
    tone, sentences = vd.classical_verdict(neural, classical)
    v = of_runs(focus, names)
    sentences += [c for s in v.verdicts if (c := vd.control_sentence(s)) is not None]
    if not sentences:
        return
    tones = {tone, v.tone}
    block("warning" if "warning" in tones else "success" if "success" in tones else "info",
          "", sentences)


def _pct(v: float, sign: bool = False) -> str:
    if not np.isfinite(v):
        return "not measured"
    return f"{v:+.1f}%" if sign else f"{v:.0f}%"


def tiles(v: vd.Verdict) -> None:
    """The best trade-off's key figures as three large tiles (`importance.verdict.best`), in a
    row that wraps on a narrow screen instead of truncating their labels."""
    b = v.best
    if b is None:
        return
    est = " (estimated)" if b.energy_estimated else ""
    row = st.container(horizontal=True)
    row.metric(f"Energy saved{est}", _pct(b.energy_saved_pct), border=True,
                help="Against full data on the same data and seed, scoring included."
                     + (" An estimate: see How energy was measured on the Energy page."
                        if b.energy_estimated else ""))
    row.metric("Wall time saved", _pct(b.wall_saved_pct), border=True,
                help="Against full data, scoring included. Backpropagated samples saved: "
                     f"{_pct(b.backprop_saved_pct)}.")
    row.metric("Test MAE vs full data", _pct(b.mae_change_pct, sign=True), border=True,
                help="Lower is better. A difference smaller than "
                     f"±{vd.SEED_SPREAD_PCT:g}% is within the spread measured across seeds.")
    st.caption(f"Figures of **{b.name}**, the best trade-off here: {vd.BEST_RULE}.")


def tradeoff_figure(v: vd.Verdict, colors: Mapping[str, str]) -> go.Figure:
    """Energy saved (wall time where energy was not measured) against the test-MAE change,
    one marker per strategy, with the seed spread as a band."""
    fig = go.Figure(go.Scatter(
        x=[0], y=[0], mode="markers+text", name="full data", text=["full data"],
        textposition="bottom center", marker=dict(size=12, color=charts.strategy_color("full"),
                                                   symbol="diamond"),
        hovertemplate="full data: the reference<extra></extra>"))
    xs, ys = [], []
    energy = all(np.isfinite(s.energy_saved_pct) for s in v.verdicts)
    for s in v.verdicts:
        x = s.energy_saved_pct if energy else s.wall_saved_pct
        if not (np.isfinite(x) and np.isfinite(s.mae_change_pct)):
            continue
        xs.append(x)
        ys.append(s.mae_change_pct)
        fig.add_trace(go.Scatter(
            x=[x], y=[s.mae_change_pct], mode="markers+text", name=s.name,
            text=[s.name.split(" (")[0].split(":")[0]], textposition="top center",
            marker=dict(size=14, color=colors.get(s.run_id, charts.strategy_color(s.strategy))),
            hovertemplate=f"{s.name}<br>saved %{{x:.1f}}%<br>test MAE %{{y:+.1f}}%"
                          "<extra></extra>"))
    spread = vd.SEED_SPREAD_PCT
    fig.add_hrect(y0=-spread, y1=spread, fillcolor="#94a3b8", opacity=0.15, line_width=0,
                  annotation_text=f"seed spread ±{spread:g}%",
                  annotation_position="top left")
    fig.add_hline(y=0, line=dict(color="#64748b", width=1, dash="dot"))
    est = " (estimated)" if any(s.energy_estimated for s in v.verdicts) and energy else ""
    what = f"energy saved{est}" if energy else "wall time saved"
    charts.style(fig, title="Saved against full data vs change in test MAE",
                 x=f"{what}, % (right: saves more)",
                 y="test MAE vs full data, % (down: better)", height=320, legend=False)
    if xs:
        lo, hi = min(0.0, *xs), max(0.0, *xs)
        pad = max(5.0, 0.15 * (hi - lo))
        fig.update_xaxes(range=[lo - pad, hi + pad])
    # the band stays a band: room above and below it
    fig.update_yaxes(range=[min([-1.8 * spread, *(y - 2 for y in ys)]),
                            max([1.8 * spread, *(y + 2 for y in ys)])])
    return fig

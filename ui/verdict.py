"""The verdict (`importance.verdict.conclude`) at the top of the Overview, Energy and Forecasts
pages, drawn as it is: its headline and sentences in one box (tone from the verdict), the
Overview's tiles of the best trade-off and its trade-off chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from importance import text
from importance import verdict as vd
from importance.aggregates.forecasts import series_metrics
from importance.evidence import KEPT_ACCURACY_PCT
from importance.runs.identity import RunInfo
from importance.verdict_text import BEST_RULE, METRIC_WORDS
from ui import charts, runs

TONES = {"success": st.success, "info": st.info, "warning": st.warning}


def block(tone: str, headline: str, sentences: Sequence[str]) -> None:
    """One coloured box: the headline, then the sentences as a list."""
    TONES.get(tone, st.info)("\n".join([headline, *(f"- {s}" for s in sentences)]))


POOLED = ("per_series", "test_mase", "mase_series", "mase_excluded")


def _of_series(run: RunInfo, series: str | None) -> RunInfo:
    """`run` as a run on one of its series (a run on several: that series' test metrics and
    test windows, judged on MAE as one series is), else as it is."""
    if series is None or not run.summary.get("per_series"):
        return run
    part = next(p for p in run.summary["per_series"] if p["series"] == series)
    own = {k: v for k, v in run.summary.items() if k not in POOLED}
    return RunInfo(run.run_id, {**own, **series_metrics(run.summary, series),
                                "n_test": part["n_test"]}, run.config)


@st.cache_data(show_spinner=False, max_entries=32)
def _verdict(root: str, focus: tuple[str, ...], stored: tuple[str, ...],
             classical: tuple[tuple[str, float], ...], series: str | None) -> vd.Verdict:
    by_id = {r.run_id: _of_series(r, series) for r in runs.all_runs()}
    return vd.conclude([by_id[i] for i in focus if i in by_id],
                       [by_id[i] for i in stored if i in by_id], dict(classical) or None)


def of_runs(focus: Sequence[RunInfo], classical: Mapping[str, float] | None = None,
            series: str | None = None) -> vd.Verdict:
    """`conclude` of `focus` with the seeds of every stored run (and the classical models'
    test MAEs, `classical`; `series`: judged on that series of runs on several): cached by
    the run ids (stored runs never change), so a page visit does not pair every run again."""
    stored = tuple(r.run_id for r in runs.all_runs())
    return _verdict(str(runs.store().root), tuple(r.run_id for r in focus), stored,
                    tuple(sorted((classical or {}).items())), series)


def strategy_block(focus: Sequence[RunInfo]) -> vd.Verdict:
    """The Energy page's box: the headline, then every strategy against full data and
    against its control."""
    v = of_runs(focus)
    block(v.tone, v.headline, v.sentences)
    return v


def overview_block(focus: Sequence[RunInfo]) -> vd.Verdict:
    """The Overview's short box: the headline and each strategy against its control (the
    savings of every strategy follow further down the page)."""
    v = of_runs(focus)
    block(v.tone, v.headline, v.control_sentences())
    return v


def forecasts_block(focus: Sequence[RunInfo], same: Sequence[RunInfo],
                    classical: Mapping[str, float], series: str | None = None) -> vd.Verdict:
    """The Forecasts page's box, on accuracy: the headline of `focus`, the best neural
    strategy among `same` (the runs on the data the classical models were fitted on) against
    the best of every classical model fitted (`classical`: label -> test MAE; `series`: the
    series they were fitted on, for runs on several), then each strategy against its
    control. Returns the verdict that holds the classical claim."""
    v = of_runs(focus)
    judged = of_runs(same, classical, series) if classical else v
    sentences = [vd.classical_sentence(judged.classical)] if judged.classical else []
    block(v.tone, v.headline, [*sentences, *v.control_sentences()])
    return judged


def _interval(c: vd.Claim | None, saving: bool = False) -> str | None:
    """ "95%: 42.2% to 49.3%" (a saving when `saving`), None without an interval."""
    if c is None or not c.change.known:
        return None
    if saving:
        return f"95%: {text.saving(-c.change.high)} to {text.saving(-c.change.low)}"
    return f"95%: {text.span(c.change.low, c.change.high)}"


def tiles(v: vd.Verdict) -> None:
    """The best trade-off's key figures as large tiles, each with its 95% interval (none
    without a best trade-off), in a row that wraps on a narrow screen."""
    b = v.best
    if b is None:
        return
    est = " (estimated)" if b.energy_estimated else ""
    row = st.container(horizontal=True)
    quiet = dict(border=True, delta_color="off", delta_arrow="off")
    row.metric("Backprops saved", text.saving(b.saved("backprops")), border=True,
               help="Backpropagated samples against full data on the same data and seeds, "
                    "scoring included: the same on any machine.")
    row.metric("Wall time saved", text.saving(b.saved("wall_s")),
               _interval(b.vs_full.get("wall_s"), saving=True), **quiet,
               help="Against full data on the same data and seeds, scoring included; the "
                    "95% interval of the mean over the seeds below.")
    acc, words = b.accuracy, METRIC_WORDS[b.accuracy.metric]  # several series: pooled MASE
    row.metric(f"{words[0].upper()}{words[1:]} vs full data",
               text.change(acc.change.mean), _interval(acc), **quiet,
               help="Lower: a smaller error. The 95% interval of the mean change over the seeds "
                    "below.")
    energy = b.saved("energy_kwh")
    row.metric(f"Energy saved{est}", text.saving(energy) if np.isfinite(energy)
               else "not measured", _interval(b.vs_full.get("energy_kwh"), saving=True),
               **quiet, help="Against full data, scoring included."
               + (" An estimate: see How energy was measured on the Energy page."
                  if b.energy_estimated else ""))
    st.caption(f"Figures of **{b.name}** over {text.seeds_words(b.seeds)}, the best trade-off "
               f"here: {BEST_RULE}.")


def _bar(c: vd.Claim | None, saving: bool = False) -> dict | None:
    """A Plotly error bar from a claim's interval (a saving when `saving`); None without."""
    if c is None or not c.change.known:
        return None
    m, lo, hi = c.change.mean, c.change.low, c.change.high
    if saving:
        m, lo, hi = -m, -hi, -lo
    return dict(type="data", symmetric=False, array=[hi - m], arrayminus=[m - lo],
                thickness=1.5, width=5)


def tradeoff_figure(v: vd.Verdict, colors: Mapping[str, str]) -> go.Figure:
    """Per strategy, its mean wall-time saving against its mean test-MAE change (both against
    full data, over the seeds), with their 95% intervals as error bars (none below 3 seeds),
    and the kept-accuracy line at +`KEPT_ACCURACY_PCT`%."""
    fig = go.Figure(go.Scatter(
        x=[0], y=[0], mode="markers", name="full data",
        marker=dict(size=12, color=charts.strategy_color("full"), symbol="diamond"),
        hovertemplate="full data: the reference<extra></extra>"))
    xs, ys = [0.0], [0.0]
    for r in v.results:
        wall, mae = r.vs_full.get("wall_s"), r.accuracy
        if wall is None or mae is None:
            continue
        x, y = -wall.change.mean, mae.change.mean
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        xs += [x, *(-e for e in (wall.change.low, wall.change.high) if np.isfinite(e))]
        ys += [y, *(e for e in (mae.change.low, mae.change.high) if np.isfinite(e))]
        color = next((colors[i] for i in r.run_ids if i in colors),
                     charts.strategy_color(r.strategy))
        fig.add_trace(go.Scatter(
            x=[x], y=[y], mode="markers", name=r.name, marker=dict(size=13, color=color),
            error_x=_bar(wall, saving=True), error_y=_bar(mae),
            hovertemplate=f"{r.name} ({text.seeds_words(mae.change.n)})<br>wall time saved "
                          "%{x:.1f}%<br>test MAE %{y:+.1f}%<extra></extra>"))
    fig.add_hline(y=0, line=dict(color="#64748b", width=1, dash="dot"))
    fig.add_hline(y=KEPT_ACCURACY_PCT, line=dict(color="#16a34a", width=1, dash="dash"),
                  annotation_text=f"kept accuracy: interval ends at most +{KEPT_ACCURACY_PCT:g}%",
                  annotation_position="top left")
    charts.style(fig, title="Wall time saved against full data vs change in test MAE, with "
                            "95% intervals over the seeds",
                 x="wall time saved, % (right: saves more)",
                 y="test MAE vs full, % (down: lower)", height=340)
    # names in the legend, not beside close points; the corner's x and y ticks kept apart
    fig.update_xaxes(ticklabelstandoff=8)
    fig.update_yaxes(ticklabelstandoff=8)
    pad = max(5.0, 0.15 * (max(xs) - min(xs)))
    fig.update_xaxes(range=[min(xs) - pad, max(xs) + pad])
    fig.update_yaxes(range=[min([*ys, -KEPT_ACCURACY_PCT]) - 2,
                            max([*ys, KEPT_ACCURACY_PCT]) + 2])
    return fig

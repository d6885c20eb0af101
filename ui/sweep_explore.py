"""The Sweep page's look at a stored sweep: pick one, see its verdict, the Pareto chart, the
interval chart and table and, for Milan squares, the map, with the exports (the tables as CSV
and Parquet, each chart as HTML; PNG by the chart's camera icon). The tables come from
`importance.sweep.view` and `importance.evidence`, the charts from `ui.sweep_charts`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from importance import evidence
from importance.provenance import run_is_synthetic
from importance.runs.identity import RunInfo
from importance.sweep import view
from ui import charts, exports, runcard, runs, sweep_charts, verdict

if TYPE_CHECKING:
    from importance.sweep.store import SweepRecord

PICK_KEY = "sweep.pick"
COST_KEY = "sweep.cost"
MAP_STRATEGY_KEY = "sweep.map_strategy"
MAP_KEEP_KEY = "sweep.map_keep"
MAP_METRIC_KEY = "sweep.map_metric"
PNG_CAPTION = ("The camera icon at a chart's top right (shown on hover) saves it as a PNG at "
               "twice its size; the HTML buttons save it as a page that opens offline, with "
               "the sweep's settings.")
PARQUET_HELP = ("The same table, typed (pandas: read_parquet(path)); the CSV's '#' lines (the "
                "sweep's settings, the data's provenance) are in read_parquet(path).attrs"
                "['header'].")


def drop_stale(key: str, options: list, multi: bool = False) -> None:
    """Forget a widget's value that its new options (another dataset or sweep) lack."""
    if key not in st.session_state:
        return
    value = st.session_state[key]
    if (multi and not set(value) <= set(options)) or (not multi and value not in options):
        del st.session_state[key]



def records() -> dict[str, Any]:
    """Every readable sweep record of the run store, newest first."""
    from importance.sweep.store import SweepStore

    store = SweepStore(runs.store())
    out = {}
    for sid in store.ids():
        try:
            rec = store.load(sid)
        except ValueError:
            continue
        if rec is not None:
            out[sid] = rec
    return dict(sorted(out.items(), key=lambda kv: kv[1].updated, reverse=True))


def _show(fig: go.Figure, key: str, png: str) -> None:
    """`charts.show`, the camera icon saving the chart as `png` (.png added, at 2x)."""
    options = {**charts.CONFIG["toImageButtonOptions"], "filename": png}
    st.plotly_chart(fig, theme=None, key=key,
                    config={**charts.CONFIG, "toImageButtonOptions": options})


def _chart_button(label: str, fig: go.Figure, name: str, record: SweepRecord,
                  mine: Sequence[RunInfo], key: str) -> None:
    """`fig` as an HTML page that opens offline, built when clicked (plotly.js is ~4 MB)."""
    title = f"{record.sweep_id}: {fig.layout.title.text}"
    st.download_button(label, lambda: view.chart_html(fig, title, record, mine).encode(),
                       file_name=f"{name}.html", mime="text/html", key=key, on_click="ignore",
                       help="One HTML file with the chart (plotly.js inlined, no CDN) and the "
                            "sweep's settings.")


def table_downloads(record: SweepRecord, mine: Sequence[RunInfo], intervals: pd.DataFrame,
                    pairs: pd.DataFrame) -> None:
    """The interval table (when there is one) and the runs, each as CSV and as Parquet, with
    the sweep's settings and data provenance."""
    files = [("Runs", "runs", "every run with its ratios to full data and to its control",
              view.runs_export(pairs))]
    if not intervals.empty:
        files.insert(0, ("Table", "intervals", "mean and 95% interval over series and seeds "
                                               "per strategy and keep ratio",
                         view.intervals_export(intervals)))
    cols = iter(st.columns(2 * len(files)))
    for label, name, what, frame in files:
        header = view.export_header(record, what, mine)
        base = f"{record.sweep_id}-{name}"
        next(cols).download_button(f"{label} as CSV", view.csv_bytes(frame, header),
                                   file_name=f"{base}.csv", mime="text/csv",
                                   key=f"sweep.dl_{name}_csv", on_click="ignore",
                                   help=exports.CSV_HELP)
        next(cols).download_button(f"{label} as Parquet", view.parquet_bytes(frame, header),
                                   file_name=f"{base}.parquet", mime=view.PARQUET_MIME,
                                   key=f"sweep.dl_{name}_parquet", on_click="ignore",
                                   help=PARQUET_HELP)


def explore(current: str | None) -> None:
    """Pick a stored sweep; draw its Pareto chart, interval chart and table and (Milan
    squares) map, with the exports."""
    recs = records()
    if not recs:
        st.caption(f"No sweep in `{runs.store().root}` yet: launch one above, or run "
                   "`importance sweep` with the same runs folder.")
        return
    ids = list(recs)
    if st.session_state.get(PICK_KEY) not in ids:
        st.session_state[PICK_KEY] = current if current in ids else ids[0]

    def name(sid: str) -> str:
        r = recs[sid]
        c = view.counts(r)
        return (f"{sid} · {r.updated[:16].replace('T', ' ')} · {c.get('done', 0)}/{c['runs']} "
                f"done · {', '.join(r.axes.get('strategies', []))}")

    sid = st.selectbox("Sweep", ids, key=PICK_KEY, format_func=name)
    record = recs[sid]
    c = view.counts(record)
    failed = [e for e in record.cells.values() if e.get("status") == "failed"]
    st.caption(f"{c['runs']} runs: {c.get('done', 0)} done, {c.get('failed', 0)} failed, "
               f"{c.get('cancelled', 0)} cancelled, {c.get('pending', 0) + c.get('running', 0)}"
               f" not finished · axes: {len(record.axes.get('strategies', []))} strategies x "
               f"{len(record.axes.get('keep_ratios', []))} keep ratios x "
               f"{len(record.axes.get('seeds', []))} seeds x "
               f"{len(record.axes.get('series', []))} series")
    if failed:
        with st.expander(f"Failed runs ({len(failed)})"):
            st.dataframe(pd.DataFrame([{"run": e["key"], "error": e.get("error", "")}
                                       for e in failed]), hide_index=True)
    stored = runs.all_runs()
    table = view.runs_frame(record, [{**r.summary, "run_id": r.run_id} for r in stored])
    if table.empty:
        st.info("No run of this sweep has finished yet.")
        return
    ids_shown = set(table["run_id"])
    mine = [r for r in stored if r.run_id in ids_shown]
    if any(run_is_synthetic(r) for r in mine):
        runcard.badge()
    pairs = evidence.paired(table)
    if not pairs["mae_ratio"].notna().any():
        st.warning("No run of this sweep has a full-data run on the same series and seed to "
                   "compare with: add `full` to its strategies.")
        st.dataframe(table, hide_index=True)
        return
    word = "seed" if table["series"].nunique() == 1 else "run"  # what an interval is over
    v = view.sweep_verdict(mine)  # the sweep's conclusion, as `importance sweep` gives it
    verdict.block(v.tone, v.headline, ())
    if v.sentences:
        with st.expander("Every strategy against full data and its control"):
            st.markdown("\n".join(f"- {s}" for s in v.sentences))
    drop_stale(COST_KEY, list(view.COST_WORDS))
    cost = st.selectbox("Cost axis", list(view.COST_WORDS), key=COST_KEY,
                        format_func=view.COST_WORDS.get)
    if not pairs[f"{cost}_ratio"].notna().any():
        st.warning(f"No {view.COST_WORDS[cost]} was measured on these runs: choose another "
                   "cost axis.")
    st.caption(PNG_CAPTION)
    fig = sweep_charts.pareto_figure(pairs, view.strategy_means(pairs, cost), cost)
    _show(fig, "sweep.pareto", f"{sid}-pareto-{cost}")
    st.caption("Each point is one run, as ratios to the full-data run of the same series and "
               "seed; diamonds are the means per strategy x keep ratio over seeds and series, "
               "and the dashed front joins the means no other mean undercuts on both axes "
               "(cheaper and at least as accurate). Full data sits at (1, 1).")
    _chart_button("Pareto chart as HTML", fig, f"{sid}-pareto-{cost}", record, mine,
                  "sweep.dl_pareto_html")
    st.subheader("Per strategy and keep ratio")
    intervals = evidence.interval_table(pairs)
    if intervals.empty:
        st.caption("Only full-data runs: nothing to compare with full data.")
    else:
        order = list(dict.fromkeys(pairs["strategy"]))
        chart = sweep_charts.interval_figure(intervals, order, cost, word)
        chart_name = f"{sid}-interval-chart-{cost}"
        _show(chart, "sweep.intervals", chart_name)
        st.caption("Dots are means over series and seeds, bars their 95% interval, drawn from "
                   f"{evidence.MIN_SEEDS} runs up (fewer: no interval, and no conclusion). The "
                   f"dashed line marks +{evidence.KEPT_ACCURACY_PCT:g}% test MAE: a strategy "
                   "kept accuracy when its whole interval stays left of it.")
        _chart_button("Interval chart as HTML", chart, chart_name, record, mine,
                      "sweep.dl_intervals_html")
        st.dataframe(view.interval_display(intervals, word), hide_index=True)
        st.caption("Mean [95% interval of the mean] over series and seeds. Savings are 1 - "
                   "the cost ratio to full data on the same series and seed; the last column "
                   "counts the series x seeds where the strategy's test MAE is lower than its "
                   "control's (rs2 for per-epoch selection, random for static) at the same keep "
                   "ratio: a count, not a verdict (the control may have spent another budget; "
                   "the verdict above pairs it at the budget spent).")
    table_downloads(record, mine, intervals, pairs)
    square_map(pairs, record, mine)


def square_map(pairs: pd.DataFrame, record: SweepRecord, mine: Sequence[RunInfo]) -> None:
    """For Milan grid squares: the map of one strategy's saving or MAE ratio."""
    if not view.milan_squares(pairs["series"].unique()):
        return
    st.subheader("On the Milan grid")
    options = [s for s in dict.fromkeys(pairs["strategy"]) if s != "full"]
    if not options:
        st.caption("Only full-data runs: nothing to map.")
        return
    m1, m2, m3 = st.columns(3)
    drop_stale(MAP_STRATEGY_KEY, options)
    strategy = m1.selectbox("Strategy", options, key=MAP_STRATEGY_KEY,
                            format_func=sweep_charts.label)
    keeps = sorted(k for k in pairs.loc[pairs["strategy"] == strategy, "keep_ratio"].unique()
                   if not math.isnan(k))
    drop_stale(MAP_KEEP_KEY, keeps)
    keep = (m2.selectbox("Keep ratio", keeps, key=MAP_KEEP_KEY, format_func=view.keep_label)
            if keeps else None)
    metric = m3.selectbox("Colour by", list(view.METRICS), key=MAP_METRIC_KEY,
                          format_func=view.METRICS.get)
    squares = view.square_values(pairs, strategy, keep, metric)
    squares = squares[squares["value"].notna()]
    if squares.empty:
        st.caption(f"No {view.METRICS[metric]} for {sweep_charts.label(strategy)}: not "
                   "measured, or no full-data run to compare with.")
        return
    keep_words = f" keep {view.keep_label(keep)}" if keep is not None else ""
    fig = sweep_charts.map_figure(squares, metric, f"{sweep_charts.label(strategy)}{keep_words}: "
                                      f"{view.METRICS[metric]}, mean over seeds")
    name = (f"{record.sweep_id}-map-{strategy}"
            + (f"-keep{view.keep_label(keep)}" if keep is not None else "") + f"-{metric}")
    _show(fig, "sweep.map", name)
    st.caption("Squares are placed by their number on the 100 x 100 grid (numbered row by row "
               "from the south-west corner); blank cells are squares outside the sweep.")
    _chart_button("Map as HTML", fig, name, record, mine, "sweep.dl_map_html")

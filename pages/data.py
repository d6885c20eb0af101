"""Data: the chosen series, its statistics, the gaps that were filled, its weekly rhythm."""

from __future__ import annotations

import streamlit as st

from importance import calendar
from importance.aggregates.data import (
    MAX_POINTS,
    autocorrelation_caption,
    detected_table,
    gap_runs,
    holiday_caption,
    holiday_marks,
    note_lines,
    shares_text,
    span_days,
    stats_table,
)
from importance.data.holidays import series_country
from importance.data.steps import duration, suggest_window
from importance.provenance import clock_label, naive
from importance.runcard import strategy_label
from ui import charts, entry, figures, form_state, launch, runcard, sidebar, state
from ui.data import acf_lags, explore, load, variance_shares

entry.require_entry()

st.title("Data")
st.caption("The series every run trains on. Traffic follows a daily and a weekly rhythm; "
           "training windows from different times can matter very differently.")

dataset = sidebar.current()
runcard.dataset_badge(dataset)  # the embedded default is synthetic: say so
loaded, error = load(dataset.config)
if loaded is None:
    st.error(f"This series cannot be loaded: {error}")
    st.stop()

with st.container(border=True):
    cta = st.columns([3, 2], vertical_alignment="center")
    form = launch.session_form(loaded, dataset)
    cta[0].markdown("**Ready for a comparison?** One click trains "
                    + ", ".join(strategy_label(s) for s in form.strategies)
                    + " on this series, one after the other in the background, with the "
                    "Train page's settings, and follows them there.")
    if followed := form_state.notice(dataset, keep=True):  # said again on the Train page
        cta[0].caption(" ".join(followed))
    if dataset.blocked:
        cta[0].warning(dataset.blocked)
    if cta[1].button("Launch comparison", type="primary", width="stretch", key=state.DATA_LAUNCH,
                     disabled=bool(dataset.blocked)):
        try:
            launch.launch(form, dataset)
        except ValueError as exc:
            st.error(f"Cannot launch: {exc}")
        else:
            st.switch_page("pages/train.py")

values = loaded.values
local = clock_label(loaded.tz)
m = st.container(horizontal=True)  # wraps on a narrow screen instead of truncating
m.metric("Points", f"{len(values):,}")
m.metric("Interval", duration(loaded.freq))
m.metric("Span", f"{span_days(values.index):.1f} days")
m.metric("Filled gaps", f"{len(loaded.filled):,} points",
            help=f"Filled by: {loaded.fill_method}")
if loaded.constant:
    st.warning("This series is constant: there is nothing to forecast, so training on it is "
               "refused. Pick another series or column in the sidebar.")

# The public holidays of the Train form's country (its default until the form is used: the
# series' own, `holidays.series_country`)
defaults = form_state.defaults(loaded)
country = str(st.session_state.get(state.F_COUNTRY, defaults.country))
own, why = series_country(loaded.named_zone, loaded.embedded)
marked, holiday_words = holiday_marks(values.index, country) if country else ((), "")
charts.show(figures.series(values, values.reindex(loaded.filled[:5000]), loaded.label, local,
                           f"{loaded.column} (original units)", marked, holiday_words))
st.caption(holiday_caption(holiday_words, country, loaded.freq,
                           bool(st.session_state.get(state.F_HOLIDAYS, defaults.holidays)),
                           why if country == (own or "") else "the country chosen on the Train "
                                                              "page"))
if len(values) > MAX_POINTS:
    st.caption(f"Showing about {MAX_POINTS:,} of {len(values):,} points: each bucket's "
               "minimum and maximum, so peaks and troughs survive. Zoom in for detail.")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("How the file was read")
    st.dataframe(detected_table(loaded.detected, loaded.freq, len(values)),
                 hide_index=True, height="content")
    window = suggest_window(values, loaded.freq)
    st.caption("Default window for training: " + "; ".join(window.reasons) + ".")
with right:
    st.subheader("Summary statistics")
    stats = explore("summary_stats", dataset.config)
    st.dataframe(stats_table(stats, len(loaded.filled)), hide_index=True,
                 height="content")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Data quality")
    if loaded.notes:
        st.markdown("\n".join(f"- {line}" for line in note_lines(loaded.notes)))
        st.caption("One rule for each kind of dirty value: missing values and timestamps are "
                   "filled, exact repeats dropped, conflicting repeats averaged, negative values "
                   "kept (log1p scaling off), constant series refused for training.")
    else:
        st.success("Nothing to repair: no missing values, repeated rows or negative values.")
with right:
    st.subheader("Gaps that were filled")
    gaps = gap_runs(loaded.filled, loaded.freq)
    if gaps.empty:
        st.success("No gaps: every timestamp was in the source.")
    else:
        st.caption(f"{len(loaded.filled):,} points in {len(gaps):,} gaps, filled by "
                   f"{loaded.fill_method}.")
        st.dataframe(gaps.assign(start=naive(gaps["start"]), end=naive(gaps["end"])),
                     hide_index=True, height=300)

st.subheader("Weekly rhythm")
table = explore("calendar_heatmap", dataset.config)  # the step's grid (importance.calendar)
by_hour = calendar.profile(loaded.freq) is calendar.HOUR  # below a day: hours to show
if not table.empty:
    rows, cols = table.index.name, table.columns.name
    charts.show(figures.calendar_heatmap(table, f"Mean {loaded.column} by {rows} and {cols}",
                                         f"{cols} ({local})"))
    st.caption("Each cell averages every point of that weekday and hour. Night troughs and "
               "weekday/weekend differences show which hours a model must get right."
               if by_hour else
               "Each cell averages the days of that weekday in that week of the year (over "
               "every year in the data): weekday/weekend differences, holidays and seasonal "
               "weeks stand out.")
if by_hour:
    profile = explore("weekday_profile", dataset.config)
    charts.show(figures.weekday_profile(profile, loaded.column, local))
else:
    for part in calendar.parts(loaded.freq):
        charts.show(figures.part_means(part.means(values, values.index), loaded.column,
                                       part.name))
    st.caption("With one point per day or longer there is no time of day: "
               + ("the week is the shortest cycle a model can learn."
                  if calendar.grid(loaded.freq) else "each week is one point."))

st.subheader("Seasonality")
try:
    parts = explore("decompose", dataset.config)
except ValueError as exc:
    st.info(f"No decomposition for this series: {exc}")
else:
    shares = shares_text(variance_shares(parts))
    charts.show(figures.decomposition(parts, local))
    st.caption(f"MSTL splits the series into a trend, one component per season and a "
               f"remainder. Share of variance: {shares}. {parts.attrs.get('note', '')}")

try:
    lags = acf_lags(loaded.freq, len(values))
    corr = explore("acf_pacf", dataset.config, lags)
except ValueError as exc:
    st.info(f"No autocorrelation for this series: {exc}")
else:
    charts.show(figures.autocorrelation(corr, f"{duration(loaded.freq)} step"))
    st.caption(autocorrelation_caption(lags, loaded.freq))

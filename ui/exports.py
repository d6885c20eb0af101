"""The result pages' downloads: CSV tables rounded, with units in the column names and the
runs' settings and data provenance in a `#` header (`importance.report`), and the
self-contained HTML report ("Export report", built when clicked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from importance import classical_results, report
from importance.provenance import column_text
from importance.runs.identity import RunInfo
from ui import runcard, runs

CSV_HELP = ("Rounded (3 significant digits; errors 4, percentages 0.1), units in the column "
            "names; the data's provenance, how energy was measured and each run's settings in "
            "the '#' lines at the top (pandas: read_csv(path, comment='#')).")


@st.cache_data(show_spinner=False, max_entries=16)
def _comparison_csv(root: str, run_ids: tuple[str, ...], names: tuple[tuple[str, str], ...],
                    base_id: str | None) -> bytes:
    """`report.comparison_csv` of stored runs, cached by their ids (runs never change)."""
    by_id = {r.run_id: r for r in runs.all_runs()}
    chosen = [by_id[i] for i in run_ids if i in by_id]
    return report.comparison_csv(chosen, dict(names), runcard.steps(chosen), base_id)


def energy_csv_button(chosen: Sequence[RunInfo], names: Mapping[str, str],
                      base_id: str | None) -> None:
    """The Energy page's comparison table as CSV (energy in Wh, emissions in gCO2e)."""
    data = _comparison_csv(str(runs.store().root), tuple(r.run_id for r in chosen),
                           tuple(names.items()), base_id)
    st.download_button("Download as CSV", data, file_name="energy_comparison.csv",
                       mime="text/csv", help=CSV_HELP, key="export.energy_csv")


def forecast_csv_button(table: pd.DataFrame, chosen: Sequence[RunInfo],
                        names: Mapping[str, str], unit: str | None = None) -> None:
    """The Forecasts page's metrics table as CSV (`unit`: the errors' units; default: the
    value column of the newest run, in original units)."""
    if unit is None:
        unit = f"{column_text(chosen[-1]) if chosen else 'value'} (original units)"
    data = report.forecast_csv(table, chosen, names, runcard.steps(chosen), unit)
    st.download_button("Download as CSV", data, file_name="forecast_metrics.csv",
                       mime="text/csv", help=CSV_HELP, key="export.forecast_csv")


def report_button(chosen: Sequence[RunInfo], names: Mapping[str, str],
                  base_id: str | None = None, key: str = "export.report",
                  classical: Mapping[str, float] | None = None) -> None:
    """"Export report": one HTML file of the runs shown that opens offline (charts included).
    Built when clicked, from forecasts loaded now (cached). `classical`: the test MAE of
    each classical model fitted on the runs' data, for the report's classical comparison."""
    chosen = list(chosen)
    preds = {}
    for r in chosen:
        try:
            preds[r.run_id] = runs.predictions(r.run_id)
        except (KeyError, ValueError):  # removed or damaged since it was listed: no overlay
            continue
    names = dict(names)
    stored = runs.all_runs()  # their other seeds give the verdict its intervals
    if not classical:  # the classical fits stored for these runs' data, if any
        classical = classical_results.for_runs(runs.store().root, chosen) or None

    def build() -> bytes:
        return report.build_report(chosen, preds, names=names, base_id=base_id,
                                   store=stored, classical=classical).encode()

    st.download_button("Export report", build, file_name="importance_report.html",
                       mime="text/html", key=key, icon=":material/description:",
                       help="One HTML file that opens offline, charts included: the verdict, "
                            "the comparison table with units"
                            + (", the classical models" if classical else "")
                            + ", the main charts, the settings, "
                            "how energy was measured and where the data came from.")

"""The Sweep page's exports and interval chart through AppTest: the download buttons' files
(read back from the test runtime's media storage, deferred ones generated as a click would),
the charts' PNG names, and the interval chart's means and intervals on a hand-made sweep."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test
from scipy import stats
from streamlit.runtime.media_file_manager import MediaFileManager
from test_sweep_page import ENERGY, _charts, _open, _store_sweep

from importance.evidence import KEPT_ACCURACY_PCT
from importance.strategies import STRATEGIES

SID = "sweep-0123456789ab"
PARQUET = "application/vnd.apache.parquet"
# Test MAE and energy ratios to full data per (series, seed): spread, so intervals have width
MAE_RATIO = {"gradnorm": {("5060", 0): 0.90, ("5060", 1): 0.96, ("4259", 0): 1.00,
                          ("4259", 1): 0.98},
             "rs2": {("5060", 0): 1.02, ("5060", 1): 1.05, ("4259", 0): 0.99,
                     ("4259", 1): 1.01}}
ENERGY_RATIO = {"gradnorm": {("5060", 0): 0.55, ("5060", 1): 0.60, ("4259", 0): 0.62,
                             ("4259", 1): 0.65},
                "rs2": {("5060", 0): 0.50, ("5060", 1): 0.52, ("4259", 0): 0.49,
                        ("4259", 1): 0.51}}


def _mae(strategy: str, seed: int, series: str | None) -> float:
    return 2.0 * (1.0 if strategy == "full" else MAE_RATIO[strategy][series, seed])


def _energy(strategy: str, seed: int, series: str | None) -> float:
    return ENERGY["full"] * (1.0 if strategy == "full" else ENERGY_RATIO[strategy][series, seed])


def _mean_half(values) -> tuple[float, float]:
    """Mean and half-width of the 95% Student-t interval of the mean."""
    v = np.array(list(values))
    return v.mean(), stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))


@pytest.fixture
def downloads(monkeypatch):
    """A reader of the last AppTest run's downloads: label -> MemoryFile (content, mimetype,
    filename). AppTest's runtime keeps them in a MediaFileManager of its own per run."""
    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, storage) -> None:
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)

    def read(at) -> dict:
        mgr, out = managers[-1], {}
        for button in at.get("download_button"):
            p = button.proto
            url = mgr.execute_deferred(p.deferred_file_id) if p.deferred_file_id else p.url
            out[p.label] = mgr.read_file(url.rsplit("/", 1)[-1])
        return out

    return read


@pytest.fixture
def page(runs_dir, downloads):
    _store_sweep(runs_dir, ("5060", "4259"), SID, mae=_mae, energy=_energy)
    at = _open(runs_dir)
    return at, downloads(at)


def test_every_export_has_its_file_name_and_type(page):
    at, files = page
    names = {label: (f.filename, f.mimetype) for label, f in files.items()}
    assert names == {
        "Pareto chart as HTML": (f"{SID}-pareto-energy.html", "text/html"),
        "Interval chart as HTML": (f"{SID}-interval-chart-energy.html", "text/html"),
        "Table as CSV": (f"{SID}-intervals.csv", "text/csv"),
        "Table as Parquet": (f"{SID}-intervals.parquet", PARQUET),
        "Runs as CSV": (f"{SID}-runs.csv", "text/csv"),
        "Runs as Parquet": (f"{SID}-runs.parquet", PARQUET),
        "Map as HTML": (f"{SID}-map-gradnorm-keep0.5-energy_saved_pct.html", "text/html"),
    }
    # PNG: each chart's camera button, named after the sweep and the chart, at 2x
    pngs = [json.loads(c.proto.config)["toImageButtonOptions"] for c in at.get("plotly_chart")]
    assert pngs == [{"format": "png", "filename": name.removesuffix(".html"), "scale": 2}
                    for name in (names["Pareto chart as HTML"][0],
                                 names["Interval chart as HTML"][0], names["Map as HTML"][0])]
    assert "camera icon" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("table", ["Table", "Runs"])
def test_parquet_reads_back_to_the_csv_rows_with_the_settings(page, table):
    _, files = page
    text = files[f"{table} as CSV"].content.decode()
    csv = pd.read_csv(io.StringIO(text), comment="#",
                      dtype={"series": str, "lower MAE than control": "boolean"})
    parquet = pd.read_parquet(io.BytesIO(files[f"{table} as Parquet"].content))
    assert len(csv) == len(parquet) == (2 if table == "Table" else 12)
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    header = [line.removeprefix("# ") for line in text.splitlines() if line.startswith("#")]
    assert parquet.attrs["header"] == header
    assert header[1].startswith("SYNTHETIC DEMO DATA: ")  # the fixture's runs: embedded data
    assert any(line.startswith(f"sweep {SID}: 12 runs in the grid") for line in header)
    assert "energy (Wh)" in csv.columns or "energy saved (%)" in csv.columns


def test_the_tables_have_units_and_rounded_figures(page):
    _, files = page
    t = pd.read_parquet(io.BytesIO(files["Table as Parquet"].content)).set_index("strategy")
    mean, half = _mean_half(MAE_RATIO["gradnorm"].values())
    g = t.loc["gradnorm"]
    assert g["test MAE ratio to full"] == pytest.approx(float(f"{mean:.4g}"), abs=0)
    assert g["test MAE ratio to full, 95% high"] == pytest.approx(float(f"{mean + half:.4g}"))
    assert g["energy saved (%)"] == round(100 * (1 - np.mean(list(
        ENERGY_RATIO["gradnorm"].values()))), 1)
    # lower on 3 of 4 pairs (not on 4259, seed 0): a count, no winner
    assert (g["pairs with lower MAE than control"], g["pairs vs control"]) == (3, 4)
    r = pd.read_parquet(io.BytesIO(files["Runs as Parquet"].content))
    full = r[r["strategy"] == "full"]
    assert (full["energy (Wh)"] == 1.0).all() and full["control"].isna().all()
    run = r[(r["strategy"] == "gradnorm") & (r["series"] == "5060") & (r["seed"] == 0)].iloc[0]
    assert run["test MAE ratio to full"] == pytest.approx(0.9)
    assert run["control"] == "rs2" and bool(run["lower MAE than control"])
    assert run["backpropagated samples (train + scoring)"] == 520


def test_chart_html_is_self_contained_and_badged(page):
    _, files = page
    for label in ("Pareto chart as HTML", "Interval chart as HTML", "Map as HTML"):
        html = files[label].content.decode()
        assert not re.search(r"<script[^>]*\bsrc\s*=", html), label  # plotly.js inlined
        assert "Plotly.newPlot" in html and len(html) > 3_000_000  # plotly.js is ~4.7 MB
        assert "Synthetic demo data" in html and f"sweep {SID}: 12 runs" in html


def test_the_interval_chart_draws_means_and_intervals_over_series_and_seeds(page):
    at, _ = page
    specs = _charts(at)
    (chart,) = [s for s in specs if "95% interval" in s["layout"]["title"]["text"]]
    pareto = specs[0]
    for strategy in ("gradnorm", "rs2"):
        label = STRATEGIES[strategy].label
        mae, saving = [t for t in chart["data"] if t["name"] == label]
        assert (mae["xaxis"], saving["xaxis"]) == ("x", "x2")
        assert mae["y"] == [f"{strategy} · keep 0.5"]
        for trace, values in ((mae, MAE_RATIO[strategy].values()),
                              (saving, [100 * (1 - v) for v in ENERGY_RATIO[strategy].values()])):
            mean, half = _mean_half(values)
            assert trace["x"] == [pytest.approx(mean)]
            assert trace["error_x"]["array"] == [pytest.approx(half)]
            assert trace["error_x"]["arrayminus"] == [pytest.approx(half)]
        color = next(t["marker"]["color"] for t in pareto["data"] if t.get("name") == label)
        assert mae["marker"]["color"] == saving["marker"]["color"] == color
    assert not [s for s in chart["layout"]["shapes"] if s["type"] == "rect"]  # no fixed band
    lines = {(s["xref"], s["x0"]) for s in chart["layout"]["shapes"] if s["type"] == "line"}
    # ratio 1, no saving, and the kept-accuracy line at +2% test MAE
    assert lines == {("x", 1.0), ("x2", 0.0), ("x", 1 + KEPT_ACCURACY_PCT / 100)}
    # the cost axis drives the saving panel
    at.selectbox(key="sweep.cost").set_value("backprop").run()
    (chart,) = [s for s in _charts(at) if "95% interval" in s["layout"]["title"]["text"]]
    assert "backprops saved" in chart["layout"]["xaxis2"]["title"]["text"]

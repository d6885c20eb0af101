"""importance.sweep.view's exports: the interval and runs tables with units and rounding, their
CSV / Parquet files with the sweep's settings, and a chart as an offline HTML page."""

from __future__ import annotations

import io
import math
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from importance import evidence
from importance.config import DataConfig, RunConfig, TrainConfig
from importance.runs.identity import RunInfo
from importance.sweep import view
from importance.sweep.store import SweepRecord

SERIES = ("5060", "4259")


def _run(strategy, keep, seed, series, mae, energy=1e-3, wall=10.0, backprops=1000.0):
    key = f"{strategy}{'' if keep is None else f'-k{keep:g}'}-s{seed}-{series}"
    return {"key": key, "run_id": f"r-{key}", "strategy": strategy,
            "keep_ratio": math.nan if keep is None else keep, "seed": seed, "series": series,
            "test_mae": mae, "energy_kwh": energy, "wall_s": wall, "backprops": backprops}


@pytest.fixture
def pairs() -> pd.DataFrame:
    rows = []
    for series in SERIES:
        for seed in (0, 1):
            f = 1 + 0.02 * seed + 0.01 * (series == "4259")
            rows += [_run("full", None, seed, series, 20.0),
                     _run("gradnorm", 0.5, seed, series, 20.0 * f * 0.97, 6.123456e-4, 6.0,
                          520.0),
                     _run("rs2", 0.5, seed, series, 20.0 * 1.01, 5e-4, 5.0, 500.0)]
    return evidence.paired(pd.DataFrame(rows))


def _record(cells: int = 12) -> SweepRecord:
    axes = {"strategies": ["full", "gradnorm", "rs2"], "keep_ratios": [0.5], "seeds": [0, 1],
            "series": list(SERIES)}
    return SweepRecord("sweep-abc", axes, {}, {f"c{k}": {"key": f"c{k}", "status": "done"}
                                              for k in range(cells)})


def _info(path: str | None, method: str = "codecarbon") -> RunInfo:
    cfg = RunConfig(data=DataConfig(path=path, series="5060", column="internet"),
                    train=TrainConfig(epochs=3, patience=None))
    return RunInfo("r-1", {"energy_method": method}, cfg)


def test_the_interval_table_has_units_and_sensible_rounding(pairs):
    t = view.intervals_export(evidence.interval_table(pairs)).set_index("strategy")
    assert list(t.columns[:6]) == ["keep ratio", "runs", "test MAE ratio to full",
                                   "test MAE ratio to full, 95% low",
                                   "test MAE ratio to full, 95% high", "energy saved (%)"]
    g = t.loc["gradnorm"]
    ratios = [0.97 * (1 + 0.02 * seed + 0.01 * (s == "4259")) for s in SERIES for seed in (0, 1)]
    assert g["test MAE ratio to full"] == float(f"{sum(ratios) / 4:.4g}")  # 4 digits
    assert g["energy saved (%)"] == 38.8  # 1 - 0.6123456: to 0.1 %
    assert g["energy saved, 95% low (%)"] == g["energy saved, 95% high (%)"] == 38.8  # no spread
    assert (g["control"], g["pairs with lower MAE than control"],
            g["pairs vs control"]) == ("rs2", 4, 4)
    rs2 = t.loc["rs2"]  # the control itself: no control, no count
    assert pd.isna(rs2["control"]) and pd.isna(rs2["pairs with lower MAE than control"])
    assert str(t["pairs with lower MAE than control"].dtype) == "Int64"


def test_fewer_than_three_runs_give_no_interval_in_the_table_nor_its_file(pairs):
    two = pairs[pairs["series"] == "5060"]  # 2 seeds on one series
    t = view.intervals_export(evidence.interval_table(two)).set_index("strategy")
    ends = [c for c in t.columns if "95%" in c]
    assert t.loc["gradnorm", "runs"] == 2 and t.loc["gradnorm", ends].isna().all()
    assert t.loc["gradnorm", "test MAE ratio to full"] == pytest.approx(0.9797)
    shown = view.interval_display(evidence.interval_table(two), "seed").set_index("strategy")
    assert shown.loc["gradnorm", "test MAE ratio to full"] == "0.980 (2 seeds: no interval)"
    assert view.interval_text(0.98, 0.9, 1.1, ".2f", "", 1) == "0.98 (1 run: no interval)"
    assert view.interval_text(0.98, 0.9, 1.1, ".2f", "", 3) == "0.98 [0.90, 1.10]"


def test_the_runs_table_has_units_counts_and_blank_controls(pairs):
    r = view.runs_export(pairs).set_index("run key")
    g = r.loc["gradnorm-k0.5-s1-4259"]
    assert g["energy (Wh)"] == 0.612  # kWh x 1000, 3 significant digits
    assert g["backpropagated samples (train + scoring)"] == 520
    assert g["test MAE ratio to full"] == pytest.approx(0.97 * 1.03)
    assert g["control"] == "rs2" and bool(g["lower MAE than control"])
    assert r.loc[["full-s0-5060", "rs2-k0.5-s0-5060"], "control"].isna().all()
    assert pd.isna(r.loc["full-s0-5060", "lower MAE than control"])
    assert r["series"].tolist()[:3] == ["5060"] * 3


def test_the_header_says_synthetic_data_and_the_sweeps_settings():
    synthetic = view.export_header(_record(), "runs", [_info(None)])
    assert synthetic[0].startswith("Which training data matters? - sweep sweep-abc: runs, ")
    assert synthetic[1].startswith("SYNTHETIC DEMO DATA: ")
    assert synthetic[2] == ("sweep sweep-abc: 12 runs in the grid, 12 done, 0 failed; axes: "
                            "strategies full, gradnorm, rs2; keep ratios 0.5; seeds 0, 1; "
                            "series 5060, 4259")
    assert "3 epochs planned, early stopping off" in " ".join(synthetic)
    real = view.export_header(_record(), "runs", [_info("/data/cells.csv")])
    assert not [line for line in real if "SYNTHETIC" in line]
    assert "data: cells.csv, column internet" in real
    assert "energy measured by: codecarbon" in real


def test_csv_and_parquet_hold_the_same_rows_and_header(pairs):
    frame = view.runs_export(pairs)
    header = view.export_header(_record(), "runs", [_info(None)])
    text = view.csv_bytes(frame, header).decode()
    csv = pd.read_csv(io.StringIO(text), comment="#",
                      dtype={"series": str, "lower MAE than control": "boolean"})
    parquet = pd.read_parquet(io.BytesIO(view.parquet_bytes(frame, header)))
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    assert parquet.attrs["header"] == header
    assert text.splitlines()[:len(header)] == [f"# {line}" for line in header]
    assert frame.attrs == {}  # the caller's frame is left alone


def test_a_chart_page_opens_offline_with_its_badge():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    page = view.chart_html(fig, "sweep-abc: a chart", _record(), [_info(None)])
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)  # plotly.js inlined, no CDN
    assert "Plotly.newPlot" in page and "<h1>sweep-abc: a chart</h1>" in page
    assert "Synthetic demo data" in page
    real = view.chart_html(fig, "t", _record(), [_info("/data/cells.csv")])
    assert "Synthetic demo data" not in real and "cells.csv" in real

"""importance.report: the self-contained HTML report (and `importance report`), the rounded CSV
exports with units and settings, and the run context they share (importance.runcard,
importance.provenance)."""

from __future__ import annotations

import base64
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance import report
from importance.cli import main
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.provenance import run_is_synthetic
from importance.runcard import run_card_table, run_names, run_step, steps_text
from importance.runs.identity import RunInfo
from importance.runs.store import RunStore
from tests.conftest import make_series

TEN_MIN = pd.Timedelta(minutes=10)


def _train(store: RunStore, data: DataConfig, window: WindowConfig,
           strategies: tuple[tuple[str, dict], ...], epochs: int = 2) -> list[str]:
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment

    return [run_experiment(RunConfig(data=data, window=window, model=ModelConfig(hidden=4),
                                     train=TrainConfig(strategy=s, strategy_params=p,
                                                       epochs=epochs)),
                           store=store, meter=EnergyMeter("ITA"))
            for s, p in strategies]


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, list[str], list[str]]:
    """A run store with a full and a gradient-norm run on the embedded (synthetic) default,
    and a full run on a CSV file of real-looking data."""
    root = tmp_path_factory.mktemp("report")
    csv = root / "cell_42.csv"
    s = make_series(days=6)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(csv, index=False)
    store = RunStore(root / "runs")
    demo = _train(store, DataConfig(), WindowConfig(lookback=24, stride=32),
                  (("full", {}), ("gradnorm", {"keep_ratio": 0.5})))
    upload = _train(store, DataConfig(path=str(csv)), WindowConfig(lookback=12, stride=8),
                    (("full", {}),), epochs=1)
    return root / "runs", demo, upload


class _Tags(HTMLParser):
    """Every start tag with its attributes, and each script's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _parse(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


def _figures(parsed: _Tags) -> dict[str, list[dict]]:
    """Each plotly div's id -> the traces its Plotly.newPlot call draws."""
    ids = [a["id"] for t, a in parsed.tags
           if t == "div" and "plotly-graph-div" in (a.get("class") or "")]
    out = {}
    for div in ids:
        script = next(s for s in parsed.scripts if 'Plotly.newPlot(' in s and div in s)
        data = script.split(f'"{div}",', 1)[1]
        traces, _ = json.JSONDecoder().raw_decode(data.strip())
        out[div] = traces
    return out


def _values(arr) -> list:
    """A trace's array as plotly wrote it: a list, or typed base64 ({"dtype", "bdata"})."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)


def _offline(text: str, parsed: _Tags) -> None:
    """Nothing is fetched: no tag points at the network, no stylesheet or font is linked, and
    apart from the inlined plotly.js library no "http" appears at all."""
    for tag, attrs in parsed.tags:
        assert tag != "link", attrs
        for key in ("src", "href", "data", "srcset"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http", "//")), (tag, attrs)
    library = [s for s in parsed.scripts if "plotly.js v" in s[:200]]
    assert len(library) == 1 and len(library[0]) > 1_000_000  # inlined once, not a CDN link
    rest = text.replace(library[0], "")
    assert "http" not in rest.lower()
    assert "@import" not in rest and "url(" not in rest


def test_the_cli_writes_one_self_contained_report_with_its_charts(stored, tmp_path, capsys):
    runs_dir, demo, _ = stored
    out = tmp_path / "report.html"
    assert main(["report", *demo, "-o", str(out), "--runs-dir", str(runs_dir)]) == 0
    assert "opens offline" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    parsed = _parse(text)
    _offline(text, parsed)

    figures = _figures(parsed)
    assert len(figures) == 3  # validation MAE, time/energy by phase, forecast overlay
    mae, phases, overlay = figures.values()
    store = RunStore(runs_dir)
    names = run_names([RunInfo(i, store.load(i).summary, store.load(i).config)
                             for i in demo])
    assert [t["name"] for t in mae] == [names[i] for i in demo]
    assert [len(_values(t["y"])) for t in mae] == [2, 2]  # one point per epoch
    assert {t["name"] for t in phases} == {"scoring", "training", "validation"}
    assert [t["name"] for t in overlay] == ["actual", *(names[i] for i in demo)]
    n_test = store.load(demo[0]).summary["n_test"]
    actual = _values(overlay[0]["y"])
    assert len(actual) == n_test  # every test step (horizon 1)
    preds = store.load(demo[0]).predictions()
    assert actual == pytest.approx(preds.sort_values("time")["actual"].tolist())

    body = re.sub(r"<script.*?</script>", "", text, flags=re.S)
    for heading in ("Verdict", "Comparison", "Charts", "Settings", "How energy was measured",
                    "Data provenance"):
        assert f"<h2>{heading}</h2>" in body
    assert "id='synthetic-badge'" in body and "no real measurements" in body
    verdict = body.split("<h2>Verdict</h2>")[1].split("<h2>")[0]  # importance.verdict's, as is
    assert verdict.startswith("<ul><li>One seed: indicative, names no winner.")
    assert "<strong>Gradient-norm top-k</strong> against full data (1 seed): test MAE " in verdict
    assert "Nothing decided: 1 seed: indicative only" in verdict
    for claim in ("Best trade-off", "is better", "beats"):  # one seed: no winner
        assert claim not in body
    assert "<th>energy (Wh)</th>" in body and "<th>test MAE vs baseline (%)</th>" in body
    assert "4 h (24 x 10 min)" in body and "keep ratio 0.5" in body
    assert store.load(demo[0]).summary["energy_method"] in body
    assert str(Path.home()) not in body  # files by name only


def test_a_report_of_a_files_runs_names_the_file_and_has_no_synthetic_badge(stored, tmp_path):
    runs_dir, _, upload = stored
    out = report.write_report(RunStore(runs_dir), upload, tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    _offline(text, _parse(text))
    assert "Synthetic demo data" not in text and "synthetic-badge" not in text
    assert "data: cell_42.csv, load" in text
    assert "No full-data run" not in text  # its own full run is the baseline
    assert str(runs_dir.parent) not in text.replace(upload[0], "")  # no local folders


def test_report_refuses_unknown_runs_and_a_stray_baseline(stored, tmp_path, capsys):
    runs_dir, demo, _ = stored
    out = tmp_path / "x.html"
    assert main(["report", "nope-1", "-o", str(out), "--runs-dir", str(runs_dir)]) == 2
    assert "no run 'nope-1'" in capsys.readouterr().err and not out.exists()
    assert main(["report", demo[1], "--baseline", demo[0], "-o", str(out),
                 "--runs-dir", str(runs_dir)]) == 2
    assert "not among the reported runs" in capsys.readouterr().err


def _infos(runs_dir: Path, ids: list[str]) -> tuple[list[RunInfo], dict]:
    runs, preds = report.load_runs(RunStore(runs_dir), ids)
    return runs, {r.run_id: run_step(preds[r.run_id]) for r in runs}


def _sig_digits(v: float) -> int:
    return len(Decimal(repr(float(v))).normalize().as_tuple().digits)


def test_the_energy_csv_is_rounded_with_units_and_settings(stored):
    runs_dir, demo, _ = stored
    runs, steps = _infos(runs_dir, demo)
    names = run_names(runs)
    text = report.comparison_csv(runs, names, steps).decode()
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert any("SYNTHETIC DEMO DATA" in line for line in header)
    assert any(line.startswith("# energy measured by: ") for line in header)
    assert any("baseline: Full data" in line for line in header)
    settings = [line for line in header if line.startswith("# settings of ")]
    assert len(settings) == 2 and all("lookback 4 h (24 x 10 min)" in s and "seed 0" in s
                                      and "epochs 2 / 2" in s for s in settings)
    assert "strategy parameters: keep ratio 0.5" in settings[1]

    table = pd.read_csv(io.StringIO(text), comment="#")
    for col in ("energy (Wh)", "emissions (gCO2e)", "wall time (s)", "test MAE (original units)",
                "energy saved (%)", "backpropagated samples (train + scoring)"):
        assert col in table.columns
    assert "energy_kwh" not in table.columns
    full = runs[0].summary
    assert table["energy (Wh)"].iloc[0] == pytest.approx(1000 * full["energy_kwh"], rel=5e-3)
    for col in ("energy (Wh)", "emissions (gCO2e)", "wall time (s)"):
        assert all(_sig_digits(v) <= 3 for v in table[col]), table[col].tolist()
    assert all(_sig_digits(v) <= 4 for v in table["test MAE (original units)"])
    assert all(round(v, 1) == v for v in table["backprops saved (%)"])
    assert table["data"].tolist() == ["synthetic demo data"] * 2
    raw = text.split("\n")[len(header)]  # the column line, then no long floats anywhere
    assert not re.search(r"\d\.\d{7,}", text[text.index(raw):])


def test_the_forecast_csv_names_units_and_rounds(stored):
    runs_dir, _, upload = stored
    runs, steps = _infos(runs_dir, upload)
    names = run_names(runs)
    table = pd.DataFrame([{"model": names[upload[0]], "kind": "neural", "MAE": 12.345678,
                           "RMSE": 20.1234567, "sMAPE %": 7.891234, "MAE vs full %": 0.0,
                           "time s": 1.23456789, "run id": upload[0]}])
    text = report.forecast_csv(table, runs, names, steps, "load (original units)").decode()
    assert "SYNTHETIC" not in text and "data: cell_42.csv, load" in text
    assert "lookback 2 h (12 x 10 min)" in text
    frame = pd.read_csv(io.StringIO(text), comment="#")
    row = frame.iloc[0]
    assert list(frame.columns[2:7]) == ["test MAE (load, original units)",
                                        "test RMSE (load, original units)", "test sMAPE (%)",
                                        "test MAE vs full (%)", "time (s)"]
    assert row["test MAE (load, original units)"] == 12.35 and row["time (s)"] == 1.23
    assert row["test sMAPE (%)"] == 7.9


def test_run_context_in_time_units_and_labels_that_tell_datasets_apart(stored):
    runs_dir, demo, upload = stored
    runs, steps = _infos(runs_dir, [*demo, *upload])
    assert [steps[r.run_id] for r in runs] == [TEN_MIN] * 3
    assert steps_text(144, TEN_MIN) == "1 day (144 x 10 min)"
    assert steps_text(1, TEN_MIN) == "10 min (1 step)"
    assert steps_text(24, None) == "24 steps"
    card = run_card_table(runs, run_names(runs), steps).set_index("run id")
    assert card.loc[demo[0], "lookback"] == "4 h (24 x 10 min)"
    assert card.loc[upload[0], "lookback"] == "2 h (12 x 10 min)"
    assert card.loc[demo[0], "data"] == "synthetic demo data"
    assert card.loc[upload[0], "data"] == "cell_42.csv"
    assert card.loc[demo[1], "strategy parameters"] == "keep ratio 0.5"
    assert card.loc[upload[0], "epochs"] == "1 / 1"
    assert [run_is_synthetic(r) for r in runs] == [True, True, False]

    names = run_names(runs)  # two datasets: each name says which, briefly
    assert names[demo[0]] == "Full data (baseline) · demo data"
    assert names[upload[0]] == "Full data (baseline) · cell_42.csv"
    assert len(set(names.values())) == 3
    assert all(len(n) <= 60 for n in names.values())
    alone = run_names(runs[:2])  # one dataset: no dataset words
    assert all("demo" not in n for n in alone.values())



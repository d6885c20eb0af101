"""Context on every result page (issue 14, point 3): the run card with lookback and horizon in
time units, the runs' own data in the sidebar instead of an unrelated dataset choice, the
"synthetic demo data" badge for runs on the embedded default and never for a file's runs, and
the pages' exports (Export report, CSV)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagetools import new_app, page

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from tests.conftest import make_series
from ui import state

RESULT_PAGES = ("pages/importance.py", "pages/forecasts.py", "pages/energy.py")
BADGE = "Synthetic demo data"
NEW_RUNS = "Dataset for new runs"


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _train(runs_dir: Path, data: DataConfig, window: WindowConfig,
           strategies: tuple[tuple[str, dict], ...], epochs: int) -> list[str]:
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment
    from importance.runs.store import RunStore

    store = RunStore(runs_dir)
    return [run_experiment(RunConfig(data=data, window=window, model=ModelConfig(hidden=4),
                                     train=TrainConfig(strategy=s, strategy_params=p,
                                                       epochs=epochs)),
                           store=store, meter=EnergyMeter("ITA"))
            for s, p in strategies]


@pytest.fixture
def demo_runs(runs_dir) -> list[str]:
    """A full and a gradient-norm run on the embedded (synthetic) default."""
    return _train(runs_dir, DataConfig(), WindowConfig(lookback=24, stride=32),
                  (("full", {}), ("gradnorm", {"keep_ratio": 0.5})), epochs=2)


@pytest.fixture
def file_runs(runs_dir, tmp_path) -> list[str]:
    """A full and a random-subset run on a CSV file, as an upload's runs are."""
    csv = tmp_path / "cell_42.csv"
    s = make_series(days=6)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(csv, index=False)
    return _train(runs_dir, DataConfig(path=str(csv)), WindowConfig(lookback=12, stride=8),
                  (("full", {}), ("random", {"keep_ratio": 0.5})), epochs=1)


def _card(at):
    """The run card: its expander and its table."""
    (card,) = [e for e in at.main.expander if e.label.startswith("Runs shown")]
    (table,) = [t.value for t in card.table if "lookback" in t.value.columns]
    return card, table


def _badged(container) -> bool:
    return BADGE in _texts(container.markdown)


def _sidebar_outside_new_runs(at) -> str:
    """The sidebar's captions outside the folded "Dataset for new runs" picker."""
    (folded,) = [e for e in at.sidebar.expander if e.label == NEW_RUNS]
    inside = {id(c.proto) for c in folded.caption}
    return " ".join(str(c.value) for c in at.sidebar.caption if id(c.proto) not in inside)


def test_result_pages_carry_the_run_card_and_the_synthetic_badge(demo_runs, monkeypatch):
    from importance import report

    exported: dict[str, str] = {}  # the CSV files the pages' buttons offer

    def spy(name: str, real):
        def wrapper(*args, **kwargs):
            exported[name] = real(*args, **kwargs).decode()
            return exported[name].encode()
        return wrapper

    for fn in ("comparison_csv", "forecast_csv"):
        monkeypatch.setattr(report, fn, spy(fn, getattr(report, fn)))
    at = new_app().run()
    for path in RESULT_PAGES:
        page(at, path)
        card, table = _card(at)
        assert "square 5060 (Duomo) · internet" in card.label
        assert "lookback 4 h (24 x 10 min), horizon 10 min (1 step), seed 0" in card.label
        assert table["lookback"].tolist() == ["4 h (24 x 10 min)"] * 2
        assert table["data"].tolist() == ["synthetic demo data"] * 2
        assert table["epochs"].tolist() == ["2 / 2"] * 2
        assert table["strategy parameters"].tolist() == ["none", "keep ratio 0.5"]
        assert table["seed"].tolist() == [0, 0]
        assert _badged(at.main), path
        assert "Data of the runs shown:** synthetic demo data: square 5060 (Duomo) · " \
               "internet" in _sidebar_outside_new_runs(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Export report" in labels and "Download as CSV" in labels
    for name, column in (("comparison_csv", "energy (Wh)"),
                         ("forecast_csv", "test MAE (internet, original units)")):
        text = exported[name]
        assert "# SYNTHETIC DEMO DATA" in text and "lookback 4 h (24 x 10 min)" in text
        assert text.count("# settings of ") == 2
        assert column in next(line for line in text.splitlines() if not line.startswith("#"))
    page(at, "pages/overview.py")  # the latest comparison: its card, badge and report
    assert _badged(at.main) and _card(at)[1]["lookback"].tolist() == ["4 h (24 x 10 min)"] * 2
    assert "Export report" in [b.proto.label for b in at.get("download_button")]


def test_a_files_runs_show_their_own_data_and_no_synthetic_badge(file_runs):
    at = new_app().run()  # a new session: the sidebar's dataset is the embedded default
    for path in RESULT_PAGES:
        page(at, path)
        card, table = _card(at)
        assert card.label.startswith("Runs shown (2): cell_42.csv: load, lookback 2 h "
                                     "(12 x 10 min)")
        assert table["data"].tolist() == ["cell_42.csv"] * 2
        assert not _badged(at.main) and not _badged(at.sidebar), path
        outside = _sidebar_outside_new_runs(at)
        assert "Data of the runs shown:** cell_42.csv: load" in outside
        assert "Duomo" not in outside  # the unrelated default only inside the folded picker
        (folded,) = [e for e in at.sidebar.expander if e.label == NEW_RUNS]
        assert "Duomo" in _texts(folded.caption)
        assert "Dataset" not in _texts(at.sidebar.header)


def test_the_data_page_badges_the_embedded_data_and_keeps_an_upload_across_pages(series):
    at = new_app().run()
    assert _badged(at.main) and _badged(at.sidebar)
    assert [h.value for h in at.sidebar.header][:1] == ["Dataset"]
    csv = series.rename("load").to_frame().reset_index().to_csv(index=False).encode()
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(("cell.csv", csv, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key=state.COLUMN).value == "load"
    assert not _badged(at.main) and not _badged(at.sidebar)
    page(at, "pages/energy.py")  # no runs: the guard; the picker is folded, not dropped
    page(at, "pages/data.py")
    assert at.sidebar.selectbox(key=state.COLUMN).value == "load"
    assert not _badged(at.main)

"""The report carries the comparison with classical models stored for its runs' data (or one line
saying none were fitted and how to add them), and every sentence of it refers only to tables,
columns and sections the report contains."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from importance import classical_results
from importance.cli import main
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.report import build_report, load_runs
from importance.runs.store import RunStore
from tests.conftest import make_series

WINDOW = WindowConfig(lookback=12, stride=8)
FITS = [{"strategy": "holt_winters", "label": "Holt-Winters", "kind": "classical",
         "test_mae": 0.5, "wall_s": 2.5, "energy_kwh": 1e-5, "fit_s": 2.4, "predict_s": 0.1},
        {"strategy": "seasonal_naive_daily", "label": "Seasonal naive (daily)",
         "kind": "classical", "test_mae": 900.0, "wall_s": 0.01, "energy_kwh": None}]


def _csv(root: Path, name: str, days: int) -> DataConfig:
    path = root / name
    s = make_series(days=days)
    s.index = s.index.tz_convert("UTC")
    s.rename("load").to_frame().reset_index().to_csv(path, index=False)
    return DataConfig(path=str(path))


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, list[str], DataConfig, str]:
    """A full and a random run on one file, and a full run on another file."""
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment

    root = tmp_path_factory.mktemp("report_classical")
    store = RunStore(root / "runs")
    data, other = _csv(root, "cell.csv", 6), _csv(root, "other.csv", 5)

    def train(d: DataConfig, strategy: str, params: dict) -> str:
        cfg = RunConfig(data=d, window=WINDOW, model=ModelConfig(hidden=4),
                        train=TrainConfig(strategy=strategy, strategy_params=params, epochs=1))
        return run_experiment(cfg, store=store, meter=EnergyMeter("ITA"))

    ids = [train(data, "full", {}), train(data, "random", {"keep_ratio": 0.5})]
    return store.root, ids, data, train(other, "full", {})


class _Report(HTMLParser):
    """The report's headings, table headers and prose (paragraphs and list items outside
    tables), scripts left out."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.headers: list[str] = []
        self.tables = 0
        self.prose: list[str] = []
        self._stack: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._stack.append(tag)
        self.tables += tag == "table"
        if tag in ("h2", "th", "p", "li"):
            self._text = []

    def handle_endtag(self, tag):
        text = " ".join("".join(self._text).split())
        if tag == "h2":
            self.headings.append(text)
        elif tag == "th":
            self.headers.append(text)
        elif tag in ("p", "li") and "table" not in self._stack and "pre" not in self._stack:
            self.prose.append(text)
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        if "script" not in self._stack and "style" not in self._stack:
            self._text.append(data)


def _read(html: str) -> _Report:
    parsed = _Report()
    parsed.feed(html)
    return parsed


def _check_references(html: str) -> _Report:
    """Every sentence names only what the report holds: quoted columns among the headers,
    "to target" only with such a column, a table, a section above or below that exists."""
    r = _read(html)
    prose = " ".join(r.prose)
    headers = " ".join(r.headers)
    if "to target" in prose:
        assert "to target" in headers, "a sentence names 'to target' columns the report lacks"
    for quoted in re.findall(r"['\u2018\"]([^'\u2019\"]{2,40})['\u2019\"] column", prose):
        assert quoted in r.headers, f"a sentence names a column {quoted!r} the report lacks"
    if re.search(r"\bthe table\b", prose, re.I):
        assert r.tables
    if "verdict above" in prose:
        assert "Verdict" in r.headings
    if "how energy was measured below" in prose:
        assert "How energy was measured" in r.headings
    if "fit + forecast" in prose:
        assert "fit + forecast time (s)" in r.headers
    return r


def _report(root: Path, ids: list[str], tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    assert main(["report", *ids, "-o", str(out), "--runs-dir", str(root)]) == 0
    return out.read_text(encoding="utf-8")


def test_without_classical_fits_the_report_says_so_and_how_to_add_them(stored, tmp_path):
    root, ids, _, _ = stored
    r = _check_references(_report(root, ids, tmp_path))
    assert "Classical models" in r.headings
    (line,) = [p for p in r.prose if "None fitted on these runs' data" in p]
    assert "importance compare --classical" in line
    assert "classical model" not in r.headers


def test_the_report_of_a_stored_comparison_lists_its_classical_fits(stored, tmp_path):
    """Classical fits stored for the runs' data (as `compare --classical` stores them) are in
    the `importance report` of those runs: their table, fit time and energy, and the
    verdict against the best of them."""
    root, ids, data, _ = stored
    classical_results.save(root, data, WINDOW, FITS)
    try:
        html = _report(root, ids, tmp_path)
    finally:
        (classical_results._path(root, data, WINDOW)).unlink()
    r = _check_references(html)
    assert {"classical model", "test MAE (original units)", "fit + forecast time (s)",
            "energy (Wh)"} <= set(r.headers)
    table = html[html.index("<h2>Classical models</h2>"):html.index("<h2>Charts</h2>")]
    assert table.index("Holt-Winters") < table.index("Seasonal naive (daily)")  # best first
    assert "<td class='num'>2.5</td>" in table and "<td class='num'>0.01</td>" in table
    assert any("against the best classical model fitted, Holt-Winters" in p for p in r.prose)
    assert any("the verdict above compares the best neural strategy" in p for p in r.prose)
    assert not any("None fitted" in p for p in r.prose)


def test_figures_the_report_was_not_given_are_not_referred_to(stored):
    """The dashboard passes test MAEs alone: no time column, so no sentence about it; a report
    without a full-data run speaks of no savings; runs on different data get no classical
    table and say why."""
    root, ids, _, other = stored
    runs, preds = load_runs(RunStore(root), ids)
    html = build_report(runs, preds, classical={"Holt-Winters": 0.5})
    r = _check_references(html)
    assert "classical model" in r.headers and "<td>Holt-Winters</td>" in html
    assert "fit + forecast time (s)" not in r.headers
    assert not any("fit + forecast" in p for p in r.prose)
    alone, preds = load_runs(RunStore(root), ids[1:])  # the random run: no baseline
    r = _check_references(build_report(alone, preds))
    prose = " ".join(r.prose)
    assert "No full-data run among these runs" in prose and "Savings are" not in prose
    assert "Energy and emissions are estimates" in prose  # estimated on this machine
    both, preds = load_runs(RunStore(root), [ids[0], other])
    r = _check_references(build_report(both, preds))
    assert any("these runs differ in their data or windows" in p for p in r.prose)


def test_the_check_catches_a_sentence_about_columns_the_report_lacks():
    """The sentence the report once had: 'to target' columns it never showed."""
    html = ("<h2>Comparison</h2><table><tr><th>run</th><th>energy (Wh)</th></tr></table>"
            "<p class='caption'>How much sooner: the table's 'to target' columns.</p>")
    with pytest.raises(AssertionError, match="to target"):
        _check_references(html)
    with pytest.raises(AssertionError, match="time saved"):
        _check_references(html.replace("'to target'", "'time saved'"))
    _check_references(html.replace("'to target' columns", "'energy (Wh)' column"))


def test_stored_fits_are_found_for_runs_that_share_their_data(stored, tmp_path):
    root, ids, data, other = stored
    runs, _ = load_runs(RunStore(root), ids)
    assert classical_results.for_runs(tmp_path, runs) == {}
    classical_results.save(tmp_path, data, WINDOW, FITS[1:])
    classical_results.save(tmp_path, data, WINDOW, [{**FITS[1], "test_mae": 800.0}, FITS[0]])
    found = classical_results.for_runs(tmp_path, runs)
    assert list(found) == ["Holt-Winters", "Seasonal naive (daily)"]  # lowest MAE first
    assert found["Seasonal naive (daily)"]["test_mae"] == 800.0  # the later fit replaced it
    mixed, _ = load_runs(RunStore(root), [ids[0], other])
    assert classical_results.for_runs(tmp_path, mixed) == {}
    assert RunStore(tmp_path).ids() == []  # the store does not take the folder for a run


def test_compare_with_classical_stores_the_fits_its_report_lists(tmp_path):
    """The whole path: `compare --classical` stores its fits beside the runs, and the report
    of those runs lists them without being told."""
    data = _csv(tmp_path, "cell.csv", 6)
    runs = tmp_path / "runs"
    assert main(["compare", "--data", data.path, "--strategies", "full", "--seed", "0",
                 "--epochs", "1", "--lookback", "12", "--stride", "8", "--hidden", "4",
                 "--classical", "--classical-models", "seasonal_naive_daily",
                 "--no-progress", "--runs-dir", str(runs)]) == 0
    ids = RunStore(runs).ids()
    out = tmp_path / "report.html"
    assert main(["report", *ids, "-o", str(out), "--runs-dir", str(runs)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Seasonal naive" in text and "None fitted on these runs" not in text

"""Issue 22, point 1 through AppTest: "every cell in the file", the top N by volume and an id
pattern on the Train page (one model over the chosen cells, dead ones left out and said) and
the Sweep page (one run per chosen cell), for a long and a wide upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagetools import new_app, page
from test_form_follows_data import StubManager

from importance.runs.store import RunStore
from tests.fixtures import panels
from ui import runs, state
from ui import sweep as ui_sweep

TRAIN, SWEEP = "pages/train.py", "pages/sweep.py"
CELLS = 8  # eNB_31004 (zeros) and eNB_31006 (constant 5) are dead
LIVE = tuple(panels.live_cells(CELLS))


@pytest.fixture
def stub(runs_dir: Path, monkeypatch) -> StubManager:
    mgr = StubManager(RunStore(runs_dir))
    monkeypatch.setattr(runs, "manager", lambda: mgr)
    return mgr


def _upload(at, tmp_path: Path, write, name: str) -> None:
    data = write(tmp_path / name, CELLS, 168).read_bytes()
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value([(name, data, "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _launch(at) -> None:
    (button,) = [b for b in at.button if b.label == "Launch comparison"]
    button.click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]


@pytest.mark.parametrize(("write", "name"), [(panels.write_hourly_long, "long.csv"),
                                             (panels.write_hourly_wide, "wide.csv")])
def test_train_every_cell_in_the_file_is_one_model_over_the_live_cells(stub, tmp_path, write,
                                                                       name) -> None:
    at = page(new_app().run(), TRAIN)
    _upload(at, tmp_path, write, name)
    at.radio(key="train.cells.mode").set_value("all").run()
    assert ("6 cells (all); left out 2 with nothing to forecast: eNB_31004 (constant: every "
            "value is 0), eNB_31006 (constant: every value is 5)" in _texts(at.caption))
    _launch(at)
    (configs,) = stub.submitted
    assert {c.data.series for c in configs} == {LIVE}
    assert {c.data.column for c in configs} == {"Energy" if name == "long.csv" else None}


def test_train_top_n_and_a_pattern(stub, tmp_path) -> None:
    at = page(new_app().run(), TRAIN)
    _upload(at, tmp_path, panels.write_hourly_long, "long.csv")
    at.radio(key="train.cells.mode").set_value("top").run()
    at.number_input(key="train.cells.top").set_value(2).run()
    levels = panels.panel(CELLS, 168, "h").levels()
    top = sorted(LIVE, key=lambda c: -levels[panels.cell_ids(CELLS).index(c)])[:2]
    _launch(at)
    assert {c.data.series for c in stub.submitted[-1]} == {tuple(top)}
    at.radio(key="train.cells.mode").set_value("pattern").run()
    at.text_input(key="train.cells.pattern").set_value("nope*").run()
    assert "the pattern 'nope*' matches no id" in _texts(at.error)
    at.text_input(key="train.cells.pattern").set_value("eNB_3100[1-3]").run()
    _launch(at)
    assert {c.data.series for c in stub.submitted[-1]} == {("eNB_31001", "eNB_31002",
                                                            "eNB_31003")}


def test_sweep_every_cell_in_the_file_is_one_run_per_live_cell(runs_dir, tmp_path,
                                                               monkeypatch) -> None:
    launched = []
    monkeypatch.setattr(ui_sweep, "launch_sweep",
                        lambda axes, *rest: launched.append(axes) or "sweep-test")
    at = page(new_app().run(), SWEEP)
    _upload(at, tmp_path, panels.write_hourly_long, "long.csv")
    at.radio(key="sweep.cells.mode").set_value("all").run()
    assert "left out 2 with nothing to forecast" in _texts(at.caption)
    (button,) = [b for b in at.button if b.label == "Launch sweep"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    (axes,) = launched
    assert axes.series == LIVE

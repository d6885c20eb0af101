"""The Importance page's "Which cells matter" (issue 22, point 5): for runs on several series,
the cells' table from the most kept, the per-epoch heat map, the score boxes and, for Milan
squares, the map; a single-series run's page has none of it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pagetools import new_app, page, tiny_runs

from importance.aggregates.cells import run_cells
from importance.config import DataConfig
from importance.evidence import grid_position
from tests.fixtures.daily_panel import cell_ids, write_daily_panel
from ui import state

SQUARES = ("5060", "4259", "4456")  # of the default data: Milan squares


def _specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _title(spec: dict) -> str:
    title = spec.get("layout", {}).get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


def _headers(at) -> list[str]:
    return [h.value for h in at.header]


@pytest.fixture
def panel_runs(runs_dir, tmp_path):
    """A full and a gradient-norm run on three Milan squares, then a gradient-norm run on a
    4-cell daily eNodeB export (no squares)."""
    milan = tiny_runs(runs_dir, ("full", "gradnorm"), data=DataConfig(series=SQUARES),
                      params={"gradnorm": {"keep_ratio": 0.5}})
    path = write_daily_panel(tmp_path / "enb_daily.csv", cells=4, days=200)
    enb = tiny_runs(runs_dir, ("gradnorm",), data=DataConfig(
        path=str(path), series=tuple(cell_ids(4)), column="DL_Volume_GB"),
        params={"gradnorm": {"keep_ratio": 0.5}})
    return [*milan, *enb]


def test_the_page_shows_which_cells_matter_for_runs_on_several_series(panel_runs):
    _, grad, enb = panel_runs
    at = page(new_app().run(), "pages/importance.py")
    at.sidebar.multiselect(key=state.RUNS).set_value([r.run_id for r in panel_runs]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Which cells matter" in _headers(at)
    # runs that trained every window (full) are not offered; the last panel run is shown
    picker = at.selectbox(key=state.IMP_CELLS_RUN)
    assert len(picker.options) == 2 and picker.value == enb.run_id
    table = next(d.value for d in at.dataframe if "kept" in d.value.columns)
    mine = run_cells(enb, enb.arrays)
    assert table["series"].tolist() == [mine.names[i] for i in mine.order()]
    assert table["kept"].tolist() == pytest.approx(100 * mine.kept[mine.order()], abs=0.01)
    assert [c for c in table.columns if c.startswith("epoch ")] == ["epoch 1", "epoch 2",
                                                                      "epoch 3"]
    titles = [_title(s) for s in _specs(at)]
    assert any(t.startswith("Share of each cell's windows kept per epoch") for t in titles)
    assert any(t.startswith("Latest scores of the 10 most and 10 least kept cells")
               for t in titles)
    assert not any(t.startswith("Share of each square's windows kept") for t in titles)
    said = " ".join(m.value for m in at.markdown)
    assert "Over 4 cells and the epochs that selected by score (epoch 3)" in said

    # the Milan run: its squares on the grid, coloured by their kept share
    picker.set_value(grad.run_id).run()
    assert not at.exception, [e.value for e in at.exception]
    specs = _specs(at)
    (grid,) = [s for s in specs if _title(s).startswith("Share of each square's windows kept")]
    heat = grid["data"][0]
    mine = run_cells(grad, grad.arrays)
    for square, kept in zip(mine.names, mine.kept, strict=True):
        col, row = grid_position(square)
        z = heat["z"][heat["y"].index(row)][heat["x"].index(col)]
        assert z == pytest.approx(100 * kept, abs=0.01)
    (epochs,) = [s for s in specs if _title(s).startswith("Share of each cell's windows kept")]
    z = np.array(epochs["data"][0]["z"], dtype=float)  # cells x epochs, most kept first
    assert z.shape == (3, 3)
    assert z == pytest.approx(100 * mine.per_epoch[:, mine.order()].T, abs=0.01)
    assert epochs["data"][0]["x"] == ["1 (no score)", "2 (no score)", "3"]


def test_a_single_series_run_shows_no_cells(runs_dir):
    tiny_runs(runs_dir, ("full", "gradnorm"))
    at = page(new_app().run(), "pages/importance.py")
    assert "Which cells matter" not in _headers(at)
    assert "Which windows were kept" in _headers(at)
    assert not [s for s in _specs(at) if "cell" in _title(s)]
    assert not [d for d in at.dataframe if "kept" in d.value.columns]

"""The many-cell fixtures (tests/fixtures/panels.py) load as the exports they imitate: every
cell a series on one regular grid, gaps filled, levels two decades apart, dead cells found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.data import describe_source, load_many
from importance.data.cells import cells_of
from tests.fixtures import panels

CELLS = 12  # cells 3 (all zeros) and 5 (constant) are dead
WRITERS = {
    "long": (panels.write_hourly_long, 168, pd.Timedelta(hours=1), "long format"),
    "wide": (panels.write_hourly_wide, 168, pd.Timedelta(hours=1), "wide format"),
    "transposed": (panels.write_daily_transposed, 136, pd.Timedelta(days=1), "transposed"),
}


@pytest.mark.parametrize("layout", WRITERS)
def test_each_fixture_loads_every_cell_with_its_gaps_filled(tmp_path: Path, layout: str) -> None:
    write, points, step, words = WRITERS[layout]
    path = write(tmp_path / f"{layout}.csv", CELLS, points)
    info = describe_source(path)
    assert info.layout.startswith(words)
    assert cells_of(info) == panels.cell_ids(CELLS)  # no total row or column among them
    loaded = load_many(path, cells_of(info))
    for one in loaded:
        assert len(one.values) == points and one.freq == step
        assert not one.values.isna().any() and one.values.index.is_monotonic_increasing
    truth = panels.panel(CELLS, points, "D" if layout == "transposed" else "h")
    gaps = np.isnan(truth.values) | (truth.absent if layout == "long" else False)
    assert [len(one.filled) for one in loaded] == gaps.sum(axis=1).tolist()
    assert gaps.sum() > CELLS  # some empty values (and rows, in long format) to fill
    for one, k in zip(loaded, range(CELLS), strict=True):
        given = ~gaps[k]
        assert np.allclose(one.values.to_numpy()[given], truth.values[k][given])
    if layout == "long":  # rows left out: missing timestamps, besides empty values
        assert any(n.issue.startswith("missing timestamps") for one in loaded for n in one.notes)
    live = [one for one in loaded if one.series in panels.live_cells(CELLS)]
    assert {one.series for one in loaded if one.constant} == set(panels.dead_cells(CELLS))
    levels = [one.values.mean() for one in live]
    assert max(levels) / min(levels) > 50  # heterogeneous volumes


def test_full_size_shapes_are_the_declared_ones() -> None:
    long = panels.panel(1000, 672, "h")
    assert long.values.shape == (1000, 672) and long.times[-1] - long.times[0] == pd.Timedelta(
        hours=671)
    assert len(panels.dead_cells(1000)) == 16 and "eNB_32000" in panels.cell_ids(1000)
    daily = panels.panel(500, 136, "D")
    assert daily.times[0] == pd.Timestamp("2023-06-01") and len(daily.times) == 136
    levels = long.levels()[[k for k in range(1000) if panels.cell_ids(1000)[k]
                            in set(panels.live_cells(1000))]]
    assert levels.max() / levels.min() > 50


def test_the_fixtures_are_deterministic(tmp_path: Path) -> None:
    a = panels.write_hourly_long(tmp_path / "a.csv", 5, 48, seed=3).read_bytes()
    b = panels.write_hourly_long(tmp_path / "b.csv", 5, 48, seed=3).read_bytes()
    c = panels.write_hourly_long(tmp_path / "c.csv", 5, 48, seed=4).read_bytes()
    assert a == b and a != c
    assert np.array_equal(panels.panel(4, 30, "D").absent, panels.panel(4, 30, "D").absent)

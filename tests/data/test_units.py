"""Numbers written with their unit ("812.5 MB"), as some KPI exports write them: read when
the unit is the same on every row, the unit on the axis; refused naming the value when
units differ (issue 24)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.data import DataError, load_series
from importance.runs.store import RunStore
from tests.conftest import train_tiny


def kpi_export(path: Path, unit_of=lambda k: "MB", hours: int = 24 * 21) -> Path:
    rng = np.random.default_rng(1)
    times = pd.date_range("2024-05-06", periods=hours, freq="h")
    volume = 800 + 300 * np.sin(np.arange(hours) * 2 * np.pi / 24) + rng.normal(0, 20, hours)
    cells = [f"{v:,.1f} {unit_of(k)}" for k, v in enumerate(volume)]
    cells[5] = "n/a"  # a missing marker beside the units
    pd.DataFrame({"Time": times.strftime("%Y-%m-%d %H:%M"), "DL_Volume": cells}).to_csv(
        path, index=False)
    return path


def test_numbers_with_one_unit_are_read_and_the_unit_goes_to_the_axis(tmp_path):
    loaded = load_series(kpi_export(tmp_path / "kpi.csv"))
    assert loaded.values.name == "DL_Volume (MB)" and loaded.column == "DL_Volume"
    assert 400 < loaded.values.min() and loaded.values.max() < 1200  # "1,204.0 MB" -> 1204.0
    (note,) = [n for n in loaded.notes if "unit" in n.issue]
    assert note.issue == "values written with their unit (MB)"


def test_units_that_differ_are_refused_naming_the_value(tmp_path):
    path = kpi_export(tmp_path / "kpi.csv", unit_of=lambda k: "GB" if k == 40 else "MB")
    with pytest.raises(DataError, match=r"'[\d,.]+ MB' in column 'DL_Volume' is a number "
                                        r"with a unit \(MB\), but the units differ from row "
                                        r"to row in this column; write every value in one unit"):
        load_series(path, column="DL_Volume")


def test_a_unit_suffixed_export_trains_to_a_stored_run_saying_the_repair(tmp_path, capsys):
    runs = tmp_path / "runs"
    run_id = train_tiny(kpi_export(tmp_path / "kpi.csv"), runs)
    printed = capsys.readouterr().out
    assert "values written with their unit (MB): " in printed
    assert "read as numbers in MB; the axis says MB" in printed
    assert RunStore(runs).load(run_id).summary["test_mae"] > 0

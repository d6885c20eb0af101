"""Timestamps polled with jitter (SNMP-style collectors write 10:00:47, 10:09:58, ...) are
moved to the nearest point of their step's grid when every one lies within 20% of a step of
it, the largest shift said (issue 24); larger offsets stay refused naming the row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from importance.data import DataError, load_series
from importance.data.quality import snap_jitter
from importance.runs.store import RunStore
from tests.conftest import train_tiny


def poll_export(path: Path, jitter_s: int, days: int = 14, seed: int = 0) -> Path:
    """A 10-minute KPI polled with up to `jitter_s` seconds of jitter around each slot."""
    rng = np.random.default_rng(seed)
    slots = pd.date_range("2024-03-04", periods=144 * days, freq="10min")
    shift = rng.integers(-jitter_s, jitter_s + 1, len(slots)) if jitter_s else 0
    times = slots + pd.to_timedelta(shift, unit="s")
    values = 100 + 50 * np.sin(np.arange(len(slots)) * 2 * np.pi / 144) + rng.normal(0, 3,
                                                                                    len(slots))
    pd.DataFrame({"timestamp": times.strftime("%Y-%m-%d %H:%M:%S"),
                  "ifInOctets_rate": values.round(2)}).to_csv(path, index=False)
    return path


def test_jittered_times_move_to_their_grid_with_the_largest_shift_said():
    slots = pd.date_range("2024-03-04", periods=50, freq="10min")
    shift = pd.to_timedelta([(-1) ** k * (k % 91) for k in range(50)], unit="s")
    values = pd.Series(np.arange(50.0), index=slots + shift)
    out, (note,) = snap_jitter(values, lambda i: f"row {i}")
    assert out.index.equals(slots) and (out.to_numpy() == values.to_numpy()).all()
    assert note.count == int((shift != pd.Timedelta(0)).sum())
    assert note.issue == "timestamps jittered around a 10 min step"
    assert "largest shift 49 s" in note.rule and note.example.startswith("row 1: ")


def test_regular_times_and_offsets_beyond_a_fifth_of_the_step_are_left_alone():
    slots = pd.date_range("2024-03-04", periods=50, freq="10min")
    regular = pd.Series(np.arange(50.0), index=slots)
    assert snap_jitter(regular, str) == (regular, [])
    shifted = pd.Series(np.arange(50.0), index=slots + pd.Timedelta(seconds=150))  # 25%
    out, notes = snap_jitter(shifted, str)
    assert out is shifted and notes == []


def test_a_jittered_poll_export_loads_on_its_grid(tmp_path):
    loaded = load_series(poll_export(tmp_path / "poll.csv", 90))
    assert loaded.freq == pd.Timedelta(minutes=10)
    assert (loaded.values.index == pd.date_range("2024-03-04", periods=144 * 14,
                                                 freq="10min")).all()
    (note,) = [n for n in loaded.notes if "jittered" in n.issue]
    assert note.count > 144 * 13 and "largest shift 90 s" in note.rule


def test_jitter_beyond_the_share_is_refused_naming_a_row(tmp_path):
    with pytest.raises(DataError, match=r"irregular timestamps: .+ \(poll.csv, line \d+\)"):
        load_series(poll_export(tmp_path / "poll.csv", 200))


def test_a_jittered_poll_export_trains_to_a_stored_run_saying_the_repair(tmp_path, capsys):
    path = poll_export(tmp_path / "poll.csv", 90)
    runs = tmp_path / "runs"
    run_id = train_tiny(path, runs)
    printed = capsys.readouterr().out
    assert "timestamps jittered around a 10 min step: " in printed
    assert "moved to the nearest 10 min grid point (largest shift 90 s)" in printed
    assert RunStore(runs).load(run_id).summary["test_mae"] > 0

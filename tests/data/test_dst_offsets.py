"""ISO timestamps whose UTC offset changes with daylight saving (+01:00 in winter, +02:00 in
summer, as a Madrid collector writes them) keep their local clock: read in a zone that fits
the offsets, said, and the series' own zone can be chosen (issue 24)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from importance.data import load_series
from importance.data.timestamps import offset_zones
from importance.runs.store import RunStore
from tests.conftest import train_tiny

MADRID = pd.date_range("2024-03-18", periods=24 * 21, freq="h", tz="Europe/Madrid")


def iso_export(path: Path, times: pd.DatetimeIndex = MADRID) -> Path:
    rng = np.random.default_rng(2)
    load = 50 + 20 * np.sin(2 * np.pi * times.hour.to_numpy() / 24) + rng.normal(0, 2, len(times))
    pd.DataFrame({"time": [t.isoformat() for t in times], "prb_util": load.round(2)}).to_csv(
        path, index=False)
    return path


def test_the_zones_that_fit_changing_offsets():
    text = pd.Series([t.isoformat() for t in MADRID])
    zones = offset_zones(text, pd.Series(MADRID.tz_convert("UTC")))
    assert zones[0] == "Europe/Amsterdam" and "Europe/Madrid" in zones
    assert "America/New_York" not in zones
    fixed = pd.date_range("2024-03-18", periods=48, freq="h", tz="UTC+01:00")
    assert offset_zones(pd.Series([t.isoformat() for t in fixed]),
                        pd.Series(fixed.tz_convert("UTC"))) == []  # one offset: nothing to fit


def test_offsets_that_change_at_dst_keep_the_local_clock(tmp_path):
    loaded = load_series(iso_export(tmp_path / "cell.csv"))
    index = loaded.values.index
    assert str(index.tz) == "Europe/Amsterdam"  # the same rules as Madrid's
    assert (index.hour == MADRID.hour).all()  # no hour shift at the change (31 March)
    assert len(index) == len(MADRID)  # one hour skipped in spring, nothing filled
    assert ("time zone", "Europe/Amsterdam, a zone whose daylight-saving changes fit the UTC "
            "offsets written in the data (the local clock kept); choose the series' own zone "
            "with --tz or the sidebar") in loaded.detected
    chosen = load_series(tmp_path / "cell.csv", tz="Europe/Madrid")
    assert str(chosen.values.index.tz) == "Europe/Madrid"
    assert (chosen.values.index == MADRID).all()


def test_a_dst_offset_export_trains_to_a_stored_run_saying_its_zone(tmp_path, capsys):
    runs = tmp_path / "runs"
    run_id = train_tiny(iso_export(tmp_path / "cell.csv"), runs)
    assert "a zone whose daylight-saving changes fit the UTC offsets" in capsys.readouterr().out
    assert RunStore(runs).load(run_id).summary["series_tz"] == "Europe/Amsterdam"

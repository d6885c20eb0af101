"""Many series of one file in arrays (`importance.data.bulk`) are the series `series_of` gives
one at a time: same values, filled timestamps, notes and labels; the cases it leaves to
`series_of` (repeated timestamps, a zone, bad values) come out as `series_of` makes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from importance.data import DataError, bulk, cache, generic
from tests.fixtures import panels


def _same(a, b) -> None:
    assert a.values.equals(b.values) and a.values.index.equals(b.values.index)
    assert a.values.index.freq == b.values.index.freq and a.values.name == b.values.name
    assert a.filled.equals(b.filled) and a.freq == b.freq
    assert (a.notes, a.label, a.series, a.column, a.source, a.detected) == (
        b.notes, b.label, b.series, b.column, b.source, b.detected)


@pytest.mark.parametrize("write", [panels.write_hourly_long, panels.write_hourly_wide,
                                   panels.write_daily_transposed])
def test_arrays_give_the_series_one_at_a_time_gives(tmp_path: Path, write) -> None:
    path = write(tmp_path / "panel.csv", 12, 120)
    parts = generic.parsed([path])
    ids = panels.cell_ids(12)
    for fast, s in zip(bulk.load_series(parts, ids, None, None), ids, strict=True):
        _same(fast, generic.series_of(parts, series=s))


def _long_with(tmp_path: Path, edit) -> Path:
    path = panels.write_hourly_long(tmp_path / "edited.csv", 3, 48)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")
    cache.clear()
    return path


def test_the_cases_left_to_series_of_come_out_as_it_makes_them(tmp_path: Path) -> None:
    # eNB_31001's first hour given twice with another value: averaged, with its note
    path = _long_with(tmp_path, lambda lines: [*lines, lines[1].rsplit(",", 1)[0] + ",99"])
    parts = generic.parsed([path])
    ids = panels.cell_ids(3)
    loaded = bulk.load_series(parts, ids, None, None)
    for fast, s in zip(loaded, ids, strict=True):
        _same(fast, generic.series_of(parts, series=s))
    assert any(n.issue.startswith("timestamps given more than once") for n in loaded[0].notes)
    zoned = bulk.load_series(parts, ids, None, "Europe/Rome")
    _same(zoned[1], generic.series_of(parts, series=ids[1], tz="Europe/Rome"))
    assert zoned[1].tz == "Europe/Rome"


def test_a_bad_value_is_refused_as_series_of_refuses_it(tmp_path: Path) -> None:
    path = _long_with(tmp_path, lambda lines: [*lines[:5], lines[5].rsplit(",", 1)[0]
                                               + ",12abc", *lines[6:]])
    parts = generic.parsed([path])
    cell = path.read_text().splitlines()[5].split(",")[1]
    with pytest.raises(DataError) as one:
        generic.series_of(parts, series=cell)
    with pytest.raises(DataError) as many:
        bulk.load_series(parts, panels.cell_ids(3), None, None)
    assert str(many.value) == str(one.value) and "'12abc'" in str(one.value)

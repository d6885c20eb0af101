"""Files parsed once per process while unchanged (`importance.data.cache`): an edited file is
read again even when its size and time are unchanged, a Milan file's grid is read once for a
describe and several squares, the byte budget holds."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from importance.config import DataConfig
from importance.data import cache, describe, load_members, load_series, milan
from importance.data.embedded import DEFAULT_DATASET

pytestmark = pytest.mark.usefixtures("fresh_cache")


def write(path: Path, first: int) -> Path:
    """An hourly series of 48 values from `first` (the same size for any one-digit `first`)."""
    rows = [f"2023-01-01 {h % 24:02d}:00,{first + h % 7}" for h in range(24)]
    rows += [f"2023-01-02 {h % 24:02d}:00,{first + h % 5}" for h in range(24)]
    path.write_text("time,traffic\n" + "\n".join(rows) + "\n")
    return path


def test_a_file_rewritten_at_once_with_the_same_size_is_read_again(tmp_path, reads):
    path = write(tmp_path / "cell.csv", 1)
    assert load_series(path).values.iloc[0] == 1
    assert load_series(path).values.iloc[0] == 1 and reads == ["cell.csv"]
    size = path.stat().st_size
    write(path, 2)  # within the filesystem's timestamp granularity, perhaps: hashed anew
    assert path.stat().st_size == size
    assert load_series(path).values.iloc[0] == 2
    assert reads == ["cell.csv", "cell.csv"]


def test_a_settled_file_is_hashed_once_and_read_again_when_its_content_changes(
        tmp_path, reads, monkeypatch):
    path = write(tmp_path / "cell.csv", 1)
    old = time.time() - 3600
    os.utime(path, (old, old))
    monkeypatch.setattr(cache, "RACY_S", 0.0)  # settled at once: its stat is trusted
    hashed: list[Path] = []
    digest = cache._digest
    monkeypatch.setattr(cache, "_digest", lambda p: hashed.append(p) or digest(p))
    for _ in range(3):
        load_series(path)
    assert len(hashed) == 1 and reads == ["cell.csv"]
    time.sleep(0.05)  # past the change time's granularity
    write(path, 3)
    os.utime(path, (old, old))  # the same size and time: the change time still moved
    assert load_series(path).values.iloc[0] == 3
    assert reads == ["cell.csv", "cell.csv"]


def test_a_copy_under_another_name_is_named_by_its_own_name(tmp_path, reads):
    path = write(tmp_path / "cell.csv", 1)
    load_series(path)
    copy = shutil.copy(path, tmp_path / "copy.csv")
    assert load_series(copy).source == "copy.csv"
    assert reads == ["cell.csv", "copy.csv"]


def test_a_milan_file_is_read_once_for_its_description_and_several_squares(monkeypatch):
    grids: list[object] = []
    read = milan.milan_aggregates_grid
    monkeypatch.setattr(milan, "milan_aggregates_grid",
                        lambda *a, **k: grids.append(k.get("squares")) or read(*a, **k))
    data = DataConfig(path=str(DEFAULT_DATASET), series=("5060", "4259", "4456"))
    info = describe(data)
    loaded = load_members(data)
    assert grids == [None]  # the whole grid, once: the squares are taken from it
    assert [s.series for s in loaded] == ["5060", "4259", "4456"]
    assert all(s in info.series for s in ("5060", "4259", "4456"))
    assert loaded[1].label == "square 4259 (Bocconi) · internet"
    assert load_members(data)[0] is loaded[0]  # kept


def test_the_byte_budget_drops_the_least_recently_used_and_keeps_nothing_too_large():
    kept = cache.Kept(max_bytes=100, max_entries=10)
    kept.put("a", "A", 40)
    kept.put("b", "B", 40)
    assert kept.get("a") == "A"  # now the most recently used
    kept.put("c", "C", 40)  # 120 bytes: the least recently used goes
    assert kept.get("b") is None and kept.get("a") == "A" and kept.get("c") == "C"
    kept.put("huge", "H", 101)
    assert kept.get("huge") is None and len(kept) == 2
    few = cache.Kept(max_bytes=1000, max_entries=2)
    for key in "xyz":
        few.put(key, key, 1)
    assert few.get("x") is None and len(few) == 2

"""Runs measured at once share the machine-wide parts of their energy (importance.energy)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time

import pytest

from importance.energy import STALE_S, EnergyMeter, PhaseEnergy, PhaseShare, apportion


def _entry(folder, name: str, start: float, end: float | None, pid: int | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(
        {"pid": os.getpid() if pid is None else pid, "start": start, "end": end}))


def test_a_phase_alone_is_not_shared(tmp_path):
    share = PhaseShare(tmp_path).open()
    time.sleep(0.05)
    assert share.close() == 1.0


def test_the_overlap_of_other_phases_counts_by_its_share_of_the_interval(tmp_path):
    share = PhaseShare(tmp_path).open()
    share.start = time.time() - 10.0  # this phase: the last 10 s
    _entry(tmp_path, "half", share.start, share.start + 5.0)  # beside it for 5 of them
    _entry(tmp_path, "before", share.start - 20.0, share.start - 1.0)  # ended before it began
    _entry(tmp_path, "running", share.start + 8.0, None)  # still measuring: until now
    assert share.close() == pytest.approx(1.0 + 0.5 + 0.2, abs=0.01)


def test_stale_and_orphaned_entries_are_forgotten(tmp_path):
    dead = mp.get_context("spawn").Process(target=time.sleep, args=(0,))
    dead.start()
    dead.join()
    now = time.time()
    _entry(tmp_path, "orphan", now - 1.0, None, pid=dead.pid)  # its process died mid-phase
    _entry(tmp_path, "stale", now - STALE_S - 100, now - STALE_S - 50)
    share = PhaseShare(tmp_path).open()
    assert share.close() == 1.0
    assert list(tmp_path.glob("*.json")) == []  # nothing running: nothing left to count


def test_finished_entries_stay_only_while_a_running_phase_overlapped_them(tmp_path):
    now = time.time()
    _entry(tmp_path, "running", now - 3.0, None)  # started 3 s ago, still measuring
    _entry(tmp_path, "overlapped", now - 5.0, now - 2.0)  # ended after it started: needed
    _entry(tmp_path, "earlier", now - 9.0, now - 4.0)  # ended before it started: not needed
    share = PhaseShare(tmp_path).open()
    share.close()
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(
        ["running", "overlapped", share.path.stem])
    for _ in range(200):  # many phases one after another leave no trail
        PhaseShare(tmp_path / "alone").open().close()
    assert list((tmp_path / "alone").glob("*.json")) == []


def test_an_unusable_folder_counts_the_phase_alone(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    share = PhaseShare(blocker / "meter").open()
    assert not share.ok and share.close() == 1.0


def test_apportion_divides_ram_and_machine_counters_but_not_the_process_own_cpu():
    own = PhaseEnergy(seconds=1.0, energy_kwh=3.0, cpu_kwh=1.0, ram_kwh=2.0, emissions_kg=0.3)
    apportion(own, 2.0, own_cpu=True)
    assert (own.energy_kwh, own.cpu_kwh, own.ram_kwh, own.shared) == (2.0, 1.0, 1.0, 2.0)
    assert own.emissions_kg == pytest.approx(0.2)
    rapl = PhaseEnergy(seconds=1.0, energy_kwh=3.0, cpu_kwh=1.0, ram_kwh=2.0, emissions_kg=0.3)
    apportion(rapl, 2.0, own_cpu=False)
    assert (rapl.energy_kwh, rapl.cpu_kwh, rapl.ram_kwh) == (1.5, 0.5, 1.0)
    alone = PhaseEnergy(seconds=1.0, energy_kwh=3.0, cpu_kwh=1.0, ram_kwh=2.0)
    apportion(alone, 1.0, own_cpu=True)
    assert alone.energy_kwh == 3.0 and alone.shared == 1.0


def _hold_phase(folder: str, seconds: float, ready) -> None:
    os.environ["IMPORTANCE_METER_DIR"] = folder
    meter = EnergyMeter("ITA")
    with meter.phase("training"):
        ready.set()
        time.sleep(seconds)


def test_two_processes_measured_at_once_are_billed_the_ram_constant_once(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPORTANCE_METER_DIR", str(tmp_path))
    meter = EnergyMeter("ITA")
    with meter.phase("warm-up"):  # the tracker's first start costs seconds
        pass
    with meter.phase("alone") as alone:
        time.sleep(2.0)
    if alone.ram_kwh is None:
        pytest.skip("CodeCarbon gave no reading on this machine")
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    other = ctx.Process(target=_hold_phase, args=(str(tmp_path), 6.0, ready))
    other.start()
    try:
        assert ready.wait(120), "the other process did not start measuring"
        with meter.phase("beside") as beside:
            time.sleep(2.0)
    finally:
        other.join(60)
    assert beside.shared == pytest.approx(2.0, abs=0.1)
    ram_per_s_alone = alone.ram_kwh / alone.seconds
    assert beside.ram_kwh / beside.seconds == pytest.approx(ram_per_s_alone / 2, rel=0.15)
    assert 1.0 < meter.shared < 2.0  # by seconds, over its phases

"""Shared tiny fixtures: a short synthetic 10-minute series with daily and weekly cycles, and
an isolated dashboard state (run store, uploads, job manager) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def make_series(days: int = 10, seed: int = 0, freq: str = "10min") -> pd.Series:
    """Non-negative daily+weekly periodic series with noise, tz Europe/Rome."""
    idx = pd.date_range("2013-11-04", periods=days * 144, freq=freq, tz="Europe/Rome",
                        name="time")
    t = np.arange(len(idx))
    rng = np.random.default_rng(seed)
    daily = 1.2 + np.sin(2 * np.pi * t / 144 - 1.5)
    weekly = 1 + 0.2 * np.sin(2 * np.pi * t / 1008)
    values = 100 * daily * weekly * np.exp(rng.normal(0, 0.05, len(t)))
    return pd.Series(values, index=idx, name="internet")


class NoReading:
    """A CodeCarbon tracker whose readings fail: a task starts, its stop returns nothing."""

    def start_task(self, name: str) -> None:
        pass

    def stop_task(self, name: str) -> None:
        return None


def machine_cpu_words() -> str:
    """How this machine's CPU energy is read, in the words runs state it ("estimated from CPU
    load" without RAPL counters, "RAPL counters" with them): tests follow the machine."""
    global _CPU_WORDS
    if _CPU_WORDS is None:
        from importance.energy import EnergyMeter

        meter = EnergyMeter("ITA")
        with meter.phase("probe"):
            pass
        _CPU_WORDS = meter.method.cpu if meter.method else "unavailable"
    return _CPU_WORDS


_CPU_WORDS: str | None = None


def train_tiny(data: Path, runs: Path, *extra: str) -> str:
    """`importance compare` of one tiny full-data run on the file `data`, stored in `runs`:
    its run id (the command's output stays in capsys for the caller)."""
    from importance.cli import main
    from importance.runs.store import RunStore

    assert main(["compare", "--data", str(data), "--strategies", "full", "--seed", "0",
                 "--epochs", "1", "--hidden", "4", "--no-progress", "--runs-dir", str(runs),
                 *extra]) == 0
    (run_id,) = RunStore(runs).ids()
    return run_id


def unmeasured_meter(country: str = "ITA"):
    """An `EnergyMeter` whose every reading fails (as when CodeCarbon returns nothing)."""
    from importance.energy import EnergyMeter

    meter = EnergyMeter(country)
    meter._tracker = NoReading()
    return meter


@pytest.fixture
def series() -> pd.Series:
    return make_series()


@pytest.fixture
def dashboard_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The dashboard's run store and uploads folder under the test's own folder, and a fresh
    job manager (Streamlit's resource cache is cleared before and after)."""
    import streamlit as st

    root = tmp_path / "runs"
    monkeypatch.setenv("IMPORTANCE_RUNS_DIR", str(root))
    monkeypatch.setenv("IMPORTANCE_UPLOADS_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("IMPORTANCE_UI_DEFAULTS", raising=False)
    monkeypatch.setenv("IMPORTANCE_LANES", "2")  # as on the 2-core machines, on any machine
    st.cache_resource.clear()
    yield root
    st.cache_resource.clear()  # closes the manager: its worker process ends


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """The file cache (`importance.data.cache`) empty before and after the test."""
    from importance.data import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the generic reader parses, in order."""
    from importance.data import generic

    seen: list[str] = []
    read = generic.read_table

    def counted(path: Path):
        seen.append(Path(path).name)
        return read(path)

    monkeypatch.setattr(generic, "read_table", counted)
    return seen



@pytest.fixture(autouse=True, scope="session")
def _suite_meter_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The energy meter's registry of measured phases (`importance.energy`, machine-wide by
    default so that processes training at once share the machine's energy) is the suite's
    own: a dashboard or another program training on this machine meanwhile is not counted
    as runs at once in the tests' verdicts (it made them say "shared cores")."""
    patch = pytest.MonkeyPatch()
    patch.setenv("IMPORTANCE_METER_DIR", str(tmp_path_factory.mktemp("meter")))
    yield
    patch.undo()

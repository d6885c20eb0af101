"""The training runtime: threads follow the other processes' CPU use; malloc tuned in-process."""

from __future__ import annotations

import multiprocessing as mp
import time

import pytest

from importance import runtime


class FakeMachine:
    """A clock, the machine's busy CPU seconds and this process's own CPU seconds."""

    def __init__(self) -> None:
        self.now = self.busy = self.own = 0.0
        self.threads: list[int] = []

    def run(self, seconds: float, own_cores: float, other_cores: float) -> None:
        self.now += seconds
        self.own += own_cores * seconds
        self.busy += (own_cores + other_cores) * seconds

    def governor(self) -> runtime.ThreadGovernor:
        return runtime.ThreadGovernor(self.threads.append, busy=lambda: self.busy,
                                      own=lambda: self.own, clock=lambda: self.now, n_cores=2)


@pytest.fixture(autouse=True)
def policy_on(monkeypatch):
    monkeypatch.delenv(runtime.OFF, raising=False)
    monkeypatch.delenv(runtime.THREADS, raising=False)


def test_threads_drop_while_another_process_wants_a_core_and_come_back():
    m = FakeMachine()
    g = m.governor()
    m.run(1.0, own_cores=2.0, other_cores=0.05)
    assert g.tick() == 2 and m.threads == []  # quiet: every core
    m.run(1.0, own_cores=1.4, other_cores=0.6)  # a competitor squeezed by spinning threads
    assert g.tick() == 1 and m.threads == [1]
    m.run(1.0, own_cores=1.0, other_cores=1.0)
    assert g.tick() == 1 and m.threads == [1]  # stays down while it runs
    m.run(1.0, own_cores=1.0, other_cores=0.3)
    assert g.tick() == 1  # between the thresholds: no flapping
    m.run(1.0, own_cores=1.0, other_cores=0.1)
    assert g.tick() == 2 and m.threads == [1, 2]


def test_no_look_before_the_interval():
    m = FakeMachine()
    g = m.governor()
    m.run(runtime.INTERVAL_S / 2, own_cores=1.0, other_cores=1.0)
    assert g.tick() == 2 and m.threads == []


def test_a_fixed_thread_count_disables_the_governor(monkeypatch):
    monkeypatch.setenv(runtime.THREADS, "1")
    m = FakeMachine()
    g = m.governor()
    m.run(1.0, own_cores=1.0, other_cores=1.0)
    g.tick()
    assert not g.enabled and m.threads == []
    assert runtime.fixed_threads() == 1


def test_configure_applies_once_and_says_what():
    first = runtime.configure()
    assert runtime.configure() is first
    assert "tcmalloc" in first.allocator or "glibc" in first.allocator or "not glibc" in \
        first.allocator


def _spin() -> None:
    while True:
        sum(i * i for i in range(10_000))


@pytest.mark.skipif(runtime.cores() < 2, reason="needs two cores")
def test_a_real_competing_process_takes_a_thread_within_seconds():
    import torch

    before = torch.get_num_threads()
    spinner = mp.get_context("spawn").Process(target=_spin, daemon=True)
    spinner.start()
    try:
        g = runtime.ThreadGovernor()
        end = time.perf_counter() + 10
        while g.tick() == g.cores and time.perf_counter() < end:
            sum(i * i for i in range(20_000))  # this process works too
        assert g.threads < g.cores and torch.get_num_threads() == g.threads
    finally:
        spinner.kill()
        spinner.join()
        torch.set_num_threads(before)

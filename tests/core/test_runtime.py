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


def test_tick_is_a_no_op_until_configure_installs_a_governor(monkeypatch):
    monkeypatch.setattr(runtime, "_governor", None)
    assert runtime.tick() is None
    m = FakeMachine()
    monkeypatch.setattr(runtime, "_governor", m.governor())
    m.run(1.0, own_cores=1.0, other_cores=1.0)
    assert runtime.tick() == 1 and m.threads == [1]


def test_training_scoring_and_evaluation_consult_the_governor_between_batches(monkeypatch):
    from importance.config import ModelConfig, TrainConfig, WindowConfig
    from importance.data.windows import make_windows
    from importance.energy import EnergyMeter
    from importance.models import build_model
    from importance.strategies import make_strategy
    from importance.training import train
    from tests.conftest import make_series

    calls: list[str] = []
    monkeypatch.setattr(runtime, "tick", lambda: calls.append("tick") or 2)
    ws = make_windows(make_series(days=8), WindowConfig(lookback=24, stride=2))
    model = build_model(ModelConfig(hidden=8), n_features=ws.n_features, lookback=24, horizon=1)
    cfg = TrainConfig(strategy="gradnorm", epochs=1, batch_size=32)
    strategy = make_strategy("gradnorm", keep_ratio=0.5, warmup_epochs=0, scoring="exact")
    train(model, ws, strategy, cfg, meter=EnergyMeter("ITA"))
    n = len(ws.train)
    train_batches = -(-round(0.5 * n) // 32)
    score_batches = -(-n // 512)
    assert len(calls) >= train_batches + score_batches + 1  # + the validation pass

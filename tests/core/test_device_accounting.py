"""Device-correct accounting (importance.energy, importance.scoring.norms, importance.verdict):
on a GPU every timed phase waits for the work it queued, GPU energy is its own component
shared among the runs at once, and runs on different devices are never paired."""

from __future__ import annotations

import json
import sys
import time
import types

import pytest

from importance import verdict as vd
from importance.energy import EnergyMeter, settle
from importance.scoring.norms import NormClock
from tests.core.test_verdict import seeds

PENDING_S = 0.2  # work a fake GPU still has queued when asked to synchronise


class FakeCuda:
    """A GPU whose queued kernels take PENDING_S to finish after their launch returned."""

    def __init__(self):
        self.drained: list[float] = []  # the queued work each synchronize waited for
        self.queued = 0.0

    def is_initialized(self) -> bool:
        return True

    def is_available(self) -> bool:
        return False  # no tracker GPU ids: only the clocks are faked here

    def launch(self) -> None:
        self.queued += PENDING_S

    def synchronize(self) -> None:
        self.drained.append(self.queued)
        time.sleep(self.queued)
        self.queued = 0.0


@pytest.fixture
def gpu(monkeypatch) -> FakeCuda:
    cuda = FakeCuda()
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    return cuda


def test_without_torch_or_a_gpu_settle_does_nothing(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    settle()  # no error, no import


def test_a_phase_counts_the_gpu_work_it_queued_and_not_the_work_queued_before(gpu,
                                                                            unmeasured):
    gpu.launch()  # queued before the phase: settled at its start, outside it
    with unmeasured.phase("training") as e:
        gpu.launch()  # the phase's own kernels: they finish after the block returns
    assert gpu.drained == [PENDING_S, PENDING_S]  # the earlier work before the clock started
    assert e.seconds >= PENDING_S * 0.95  # its own work inside it


def test_the_norm_clock_books_the_norms_gpu_work_as_scoring(gpu):
    clock = NormClock()
    gpu.launch()  # the training step's backward, queued before the norms
    with clock.timing():
        gpu.launch()  # the per-sample norms
    assert gpu.drained == [PENDING_S, PENDING_S]
    assert clock.seconds >= PENDING_S * 0.95


class GpuReading:
    """A tracker reading of a phase on a GPU: CPU 1, RAM 2, GPU 3 (kWh)."""

    def start_task(self, name):
        pass

    def stop_task(self, name):
        return types.SimpleNamespace(
            energy_consumed=6.0, cpu_energy=1.0, ram_energy=2.0, gpu_energy=3.0, emissions=0.6,
            ram_power=10.0, country_name="Italy", cpu_model="fake", gpu_model="Fake GPU",
            gpu_count=1, codecarbon_version="x")


def test_gpu_energy_is_its_own_component_and_shared_among_runs_at_once(tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("IMPORTANCE_METER_DIR", str(tmp_path))
    meter = EnergyMeter("ITA")
    meter._tracker = GpuReading()
    with meter.phase("training") as alone:
        pass
    assert (alone.gpu_kwh, alone.energy_kwh) == (3.0, 6.0)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"pid": 1, "start": time.time() - 1, "end": None}))
    monkeypatch.setattr("importance.energy._alive", lambda pid: True)
    with meter.phase("training") as beside:
        time.sleep(0.05)
    assert beside.shared == pytest.approx(2.0)
    # RAM, GPU and the machine's CPU counters split in two (no own-process CPU estimate here)
    assert (beside.gpu_kwh, beside.ram_kwh, beside.energy_kwh) == (1.5, 1.0, 3.0)
    assert meter.gpu_kwh == pytest.approx(4.5)


def test_runs_on_different_devices_are_never_paired():
    runs = seeds()
    assert vd.device_key(runs[0].summary) == "cpu"  # stored before the device was recorded
    for r in runs:
        if r.strategy == "gradnorm":
            r.summary["device"] = {"kind": "cuda", "name": "cuda:0 (Fake GPU)", "count": 1}
    v = vd.conclude(runs)
    by = {r.strategy: r for r in v.results}
    assert by["gradnorm"].vs_full == {}  # no full-data run on its device: nothing to pair
    assert set(by["rs2"].vs_full) >= {"test_mae", "wall_s"}  # the CPU runs still pair
    assert v.best is not None and v.best.strategy == "rs2"


@pytest.fixture
def unmeasured():
    from tests.conftest import unmeasured_meter

    return unmeasured_meter()


def test_the_memory_guard_checks_the_gpus_free_memory_before_training():
    from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
    from importance.runs import memory

    cfg = RunConfig(window=WindowConfig(lookback=2016), model=ModelConfig(hidden=32),
                    train=TrainConfig(strategy="gradnorm", batch_size=512,
                                      strategy_params={"scoring": "exact"}))
    est = memory.estimate(cfg, 60_000, 8)
    need = est.total - est.overhead  # the host process's own overhead stays on the host
    fits = memory.check_device(cfg, 60_000, 8, "cuda:0 (Fake GPU)", free=3 * need)
    assert fits.total == est.total
    with pytest.raises(memory.MemoryGuardError) as err:
        memory.check_device(cfg, 60_000, 8, "cuda:0 (Fake GPU)", free=need)
    assert f"about {memory.gb(need)} of memory on cuda:0 (Fake GPU)" in str(err.value)
    assert "IMPORTANCE_DEVICE=cpu" in str(err.value)


def test_compression_times_a_variant_against_the_reference_on_its_own_device():
    import torch

    from importance.compress.lab import _Session
    from importance.compress.measure import Runner

    cpu = torch.device("cpu")
    ref = Runner(torch.nn.Linear(3, 2), cpu)
    session = types.SimpleNamespace(ref=ref)
    assert _Session.reference_on(session, cpu) is ref  # same device: the session's reference
    other = _Session.reference_on(session, torch.device("meta"))  # e.g. cuda vs int8's CPU
    assert other is not ref and other.device.type == "meta"
    assert next(other.model.parameters()).device.type == "meta"
    assert next(ref.model.parameters()).device == cpu  # the session's own is left where it is

"""The memory guard counts the runs the job lanes train at once (importance.runs.memory)."""

from __future__ import annotations

import pytest

from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs import memory

GB = 2**30
POINTS, FEATURES = 60_000, 8


def run(batch: int) -> RunConfig:
    return RunConfig(window=WindowConfig(lookback=2016), model=ModelConfig(hidden=32),
                     train=TrainConfig(strategy="gradnorm", batch_size=batch,
                                       strategy_params={"scoring": "exact"}))


def test_runs_that_fit_alone_but_not_together_are_refused_naming_the_lanes():
    one = memory.estimate(run(512), POINTS, FEATURES).total
    available = int(1.5 * one / memory.SAFE_FRACTION)  # room for one and a half of them
    assert memory.check_memory([run(512)] * 3, POINTS, FEATURES, available=available,
                               lanes=1).total == one
    with pytest.raises(memory.MemoryGuardError) as err:
        memory.check_memory([run(512)] * 3, POINTS, FEATURES, available=available, lanes=2)
    message = str(err.value)
    assert "train 2 at once here" in message and "IMPORTANCE_LANES=1" in message
    assert f"each alone fits ({memory.gb(one)} at most)" in message


def test_lanes_beyond_the_number_of_runs_count_only_the_runs():
    one = memory.estimate(run(512), POINTS, FEATURES).total
    available = int(1.5 * one / memory.SAFE_FRACTION)
    assert memory.check_memory([run(512)], POINTS, FEATURES, available=available,
                               lanes=4).total == one


def test_runs_at_once_are_refused_naming_who_runs_them_and_the_fix():
    one = memory.estimate(run(512), POINTS, FEATURES).total
    available = int(2.5 * one / memory.SAFE_FRACTION)  # room for two and a half
    assert memory.check_at_once([one] * 6, 2, "the sweep's workers", "Use fewer workers",
                                available=available) == 2 * one
    with pytest.raises(memory.MemoryGuardError) as err:
        memory.check_at_once([one] * 6, 3, "the sweep's workers", "Use fewer workers",
                             available=available)
    assert "train 3 at once here (the sweep's workers)" in str(err.value)
    assert "Use fewer workers, or lower the batch size" in str(err.value)
    assert memory.check_at_once([one * 10], 3, "x", "y", available=available) == one * 10

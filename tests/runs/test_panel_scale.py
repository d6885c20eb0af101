"""The panel scale guard (importance.runs.memory.check_scale): from a declared shape alone,
Milan's 10,000 squares x 2 months at 10-minute steps, the peak memory and the time per epoch,
refused with what would fit or confirmed, without generating the data; and wired into the
launch checks (check_series, so `importance compare` and the pages refuse before training)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from importance.config import RunConfig, TrainConfig, WindowConfig
from importance.runs import memory
from tests.fixtures.exports import EXPORTS

GB = 10**9
MILAN = memory.PanelShape.declared(series=10_000, points=8_784, step="10min", features=6)
RUNS = [RunConfig(window=WindowConfig(lookback=144), train=TrainConfig(strategy=s))
        for s in ("full", "gradnorm", "rs2")]


def _estimate(shape: memory.PanelShape, available: int, max_epoch_s: float | None = None
              ) -> memory.ScaleEstimate:
    return memory.scale_estimate(RUNS, shape, available=available, max_epoch_s=max_epoch_s)


def _series(n: int, shape: memory.PanelShape = MILAN) -> memory.PanelShape:
    return replace(shape, lengths=(shape.points,) * n)


def test_milans_shape_is_estimated_from_its_declaration_alone():
    est = _estimate(MILAN, available=64 * GB)
    n_train = 10_000 * memory.n_windows(8_784, RUNS[0].window)[0]
    assert n_train > 60_000_000
    materialised = n_train * 144 * 6 * 4  # what copied windows would have held
    assert 10 * GB < est.total < materialised / 5  # lazy windows: tens of GB, not hundreds
    assert est.epoch_s > 2 * 3600  # hours per epoch on this machine
    text = memory.check_scale(RUNS, MILAN, available=64 * GB, max_epoch_s=None).confirmation()
    assert text.startswith("This panel (10,000 series x 8,784 points at a 10 min step, lookback "
                           "144, horizon 1, 6 features; lstm hidden 32 x 1 layer(s), batch 64, "
                           f"16 epochs: {n_train:,} training windows) fits: about "
                           f"{memory.gb(est.total)} of memory at its peak")
    assert re.search(r"about \d+ h \d\d min per epoch here \(about \d+ h \d\d min for 16 "
                     r"epochs\)", text)
    assert "within the limit of 32.0 GB (50% of the 64.0 GB available now)" in text
    one = memory.check_scale(RUNS[:1], replace(MILAN, lengths=(8_784,)), available=64 * GB,
                             max_epoch_s=60)
    assert re.search(r"under 1 s per epoch here \(about \d+ s for 16 epochs\), within the "
                     r"1 min 00 s an epoch may take", one.confirmation())


def test_milans_shape_is_refused_where_memory_is_short_naming_what_would_fit():
    with pytest.raises(memory.ScaleGuardError) as err:
        memory.check_scale(RUNS, MILAN, available=16 * GB, max_epoch_s=None)
    message = str(err.value)
    est = _estimate(MILAN, available=16 * GB)
    # the memory guard's refusal, as for any run...
    assert message.startswith(f"This run (gradnorm) would need about {memory.gb(est.total)} of "
                              "memory at its peak")
    assert "more than the limit of 8.0 GB (50% of the 16.0 GB available now)" in message
    # ...then the panel's shape, its time per epoch and its own ways out
    assert "This panel (10,000 series x 8,784 points at a 10 min step" in message
    assert re.search(r"would take about \d+ h \d\d min per epoch here", message)
    n = int(re.search(r"At most ([\d,]+) series of these", message)[1].replace(",", ""))
    assert _estimate(_series(n), 16 * GB).fits and not _estimate(_series(n + 1), 16 * GB).fits
    assert "or a 30 min step (2,928 points per series, lookback 48 = the same 1 day)" in message
    assert isinstance(err.value, memory.MemoryGuardError)  # the launch checks report it


def test_an_epoch_longer_than_allowed_is_refused_naming_the_series_that_fit_in_time():
    with pytest.raises(memory.ScaleGuardError) as err:
        memory.check_scale(RUNS, MILAN, available=1000 * GB, max_epoch_s=3600)
    message = str(err.value)
    assert message.startswith("This panel (10,000 series x 8,784 points")
    assert "longer than the 1 h 00 min an epoch may take (IMPORTANCE_MAX_EPOCH_S)" in message
    assert "within the limit of 500.0 GB" in message
    n = int(re.search(r"At most ([\d,]+) series of these", message)[1].replace(",", ""))
    assert _estimate(_series(n), 1000 * GB).epoch_s <= 3600
    assert _estimate(_series(n + 1), 1000 * GB).epoch_s > 3600
    assert n < 10_000


def test_the_time_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(memory.MAX_EPOCH_ENV, "60")
    assert memory.max_epoch_seconds() == 60.0
    with pytest.raises(memory.ScaleGuardError, match="longer than the 1 min 00 s an epoch"):
        memory.check_scale(RUNS, MILAN, available=1000 * GB)
    monkeypatch.setenv(memory.MAX_EPOCH_ENV, "an hour")
    with pytest.raises(ValueError, match="IMPORTANCE_MAX_EPOCH_S must be a number of seconds, "
                                         "got 'an hour'"):
        memory.max_epoch_seconds()
    monkeypatch.delenv(memory.MAX_EPOCH_ENV)
    assert memory.max_epoch_seconds() is None


def test_compare_on_several_series_is_refused_before_training(tmp_path, capsys, monkeypatch):
    """The guard is in the launch checks: `importance compare --series a,b` refuses a panel
    whose epoch exceeds the stated time before anything trains."""
    from importance.cli import main

    csv = EXPORTS["bs_energy_hourly_long"].write(tmp_path)
    runs = tmp_path / "runs"
    monkeypatch.setenv(memory.MAX_EPOCH_ENV, "0.000001")
    code = main(["compare", "--data", str(csv), "--series", "B_0,B_1,B_3", "--epochs", "1",
                 "--lookback", "12", "--strategies", "full", "--seed", "0",
                 "--runs-dir", str(runs), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "This panel (3 series x " in err and "longer than the 0 s an epoch may take" in err
    assert not runs.exists() or not any(runs.iterdir())

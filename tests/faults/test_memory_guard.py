"""The memory guard: a run too big for this machine is refused before it is queued, with the
estimate and the limit; the estimate follows the real tensors and the measured peak."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.experiment import load_data, run_experiment
from importance.runs import footprint, memory
from importance.runs.executor import LocalProcessExecutor
from importance.runs.jobs import DONE, JobManager
from importance.runs.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests" / "app"):  # `ui` and the AppTest helpers
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from pagetools import launch, new_app, page  # noqa: E402

from ui import state  # noqa: E402

GB = 10**9
DAYS = 130  # of 10-minute steps: enough training windows for a batch of 8192 at lookback 4032


def exact(batch: int, lookback: int, **train) -> RunConfig:
    return RunConfig(window=WindowConfig(lookback=lookback),
                     train=TrainConfig(strategy="gradnorm", batch_size=batch, **train,
                                       strategy_params={"keep_ratio": 0.7, "scoring": "exact"}))


HUGE = exact(8192, 4032)
POINTS = DAYS * 144
FEATURES = 5  # value + hour and weekday sin/cos


def long_series() -> pd.Series:
    idx = pd.date_range("2013-11-01", periods=POINTS, freq="10min", name="time")
    t = np.arange(POINTS)
    noise = np.random.default_rng(0).normal(0, 3, POINTS)
    values = 100 * (1.2 + np.sin(2 * np.pi * t / 144)) + noise
    return pd.Series(np.abs(values), index=idx, name="load")


def long_csv(path: Path) -> Path:
    long_series().to_frame().reset_index().to_csv(path, index=False)
    return path


def refused_here() -> bool:
    """True when this machine's memory limit is below the huge run's estimate."""
    return memory.estimate(HUGE, POINTS, FEATURES).total > memory.memory_limit()


needs_refusal = pytest.mark.skipif(not refused_here(),
                                   reason="this machine has room for the huge run")


# --- the library ----------------------------------------------------------------------------------

def test_a_huge_exact_norm_run_is_refused_with_the_estimate_and_the_limit():
    with pytest.raises(memory.MemoryGuardError) as err:
        memory.check_memory([exact(64, 144), HUGE], POINTS, FEATURES, available=16 * GB)
    message = str(err.value)
    total = memory.estimate(HUGE, POINTS, FEATURES).total
    assert total > 30 * GB  # the exact-norm tapes of 8192 windows x 4032 steps
    assert f"would need about {memory.gb(total)} of memory at its peak" in message
    assert "training (exact norms) at batch 8,192 x lookback 4,032 x hidden 32" in message
    assert "more than the limit of 8.0 GB (50% of the 16.0 GB available now)" in message
    best = memory.max_batch(HUGE, POINTS, FEATURES, limit=8 * GB)
    assert 0 < best < 8192
    assert f"At most batch size {best:,} at lookback 4,032" in message
    assert isinstance(err.value, ValueError)  # pages and the CLI report ValueErrors


def test_a_run_that_fits_is_let_through_with_its_estimate():
    est = memory.check_memory([exact(64, 144)], POINTS, FEATURES, available=16 * GB)
    assert footprint.PROCESS_OVERHEAD < est.total < 2 * GB


def test_the_limits_are_the_largest_values_that_fit():
    limit = 4 * GB
    b = memory.max_batch(exact(64, 2016), POINTS, FEATURES, limit=limit)
    assert memory.estimate(exact(b, 2016), POINTS, FEATURES).total <= limit
    assert memory.estimate(exact(b + 1, 2016), POINTS, FEATURES).total > limit
    lb = memory.max_lookback(exact(4096, 144), POINTS, FEATURES, limit=limit)
    assert memory.estimate(exact(4096, lb), POINTS, FEATURES).total <= limit
    assert memory.estimate(exact(4096, lb + 1), POINTS, FEATURES).total > limit
    assert memory.max_batch(exact(64, 144), POINTS, FEATURES, limit=limit) == memory.MAX_BATCH


def test_window_counts_match_the_windowing():
    cfg = WindowConfig(lookback=144, horizon=3, stride=5)
    loaded = load_data(DataConfig())
    from importance.experiment import prepare

    ws = prepare(DataConfig(), cfg)
    assert memory.n_windows(len(loaded.values), cfg) == (len(ws.train), len(ws.val), len(ws.test))
    assert memory.n_features(loaded.values.index, cfg) == ws.n_features


@pytest.mark.parametrize(("kind", "layers"), [("lstm", 1), ("lstm", 2), ("gru", 2)])
def test_the_exact_norm_estimate_covers_the_real_tapes(kind, layers):
    """The estimate's exact-norm pass against the bytes of the tensors the hand-written
    recurrence keeps (importance.scoring.recurrent: a, dz, carry per layer)."""
    from importance.models import build_model
    from importance.scoring.recurrent import recurrent_forward

    batch, lookback, hidden = 64, 40, 16
    cfg = RunConfig(window=WindowConfig(lookback=lookback),
                    model=ModelConfig(kind=kind, hidden=hidden, layers=layers))
    model = build_model(cfg.model, n_features=FEATURES, lookback=lookback, horizon=1)
    with torch.no_grad():
        tapes = recurrent_forward(model.rnn, torch.randn(batch, lookback, FEATURES))
    real = sum(t.a.nbytes + t.dz.nbytes + t.carry.nbytes for t in tapes)
    estimated = footprint._tapes(batch, cfg, FEATURES) - footprint.MATERIALISE_BYTES
    assert real <= estimated <= 1.3 * real


# --- against a measured peak ----------------------------------------------------------------------

def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def peak_runner(cfg, *, store, on_event, cancel, meter=None):
    """run_experiment in the job's process; returns 'run id|RSS at the start|peak RSS'."""
    start = _status("VmRSS")
    run_id = run_experiment(cfg, store=store, on_event=on_event, cancel=cancel, meter=meter)
    return f"{run_id}|{start}|{_status('VmHWM')}"


MEASURED = {
    # nn.LSTM with autograd: ~0.6 GB of activations for one batch
    "autograd": RunConfig(window=WindowConfig(lookback=384, stride=2),
                          model=ModelConfig(hidden=8), train=TrainConfig(epochs=1,
                                                                         batch_size=2048)),
    # the exact-norm training step's tapes: ~0.5 GB
    "exact": replace(exact(2048, 384, epochs=1), window=WindowConfig(lookback=384, stride=2),
                     model=ModelConfig(hidden=16)),
}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("name", list(MEASURED))
def test_the_estimate_is_near_the_peak_of_a_job_process(tmp_path, name):
    cfg = MEASURED[name]
    cfg = replace(cfg, train=replace(cfg.train, strategy_params={
        **cfg.train.strategy_params, **({"warmup_epochs": 0} if name == "exact" else {})}))
    loaded = load_data(cfg.data)
    est = memory.estimate(cfg, len(loaded.values), memory.n_features(loaded.values.index,
                                                                      cfg.window))
    ex = LocalProcessExecutor()  # a fresh process: its peak is this run's
    mgr = JobManager(RunStore(tmp_path), runner=peak_runner, executor=ex, persist=False)
    try:
        job_id, = mgr.submit([cfg])
        assert mgr.wait(timeout=300)
        job = mgr.get(job_id)
        assert job.status == DONE, job.error
    finally:
        mgr.close()
        ex.shutdown()
    _, start, peak = (int(v) if v.isdigit() else v for v in job.run_id.split("|"))
    assert 0.6 < peak / est.total < 1.5, (peak, est)
    assert 0.5 < (peak - start) / (est.total - est.overhead) < 2.0, (peak, start, est)


# --- the CLI and the Train page ------------------------------------------------------------------

@needs_refusal
def test_compare_refuses_a_run_too_big_before_training(tmp_path, capsys):
    from importance.cli import main

    csv = long_csv(tmp_path / "long.csv")
    runs = tmp_path / "runs"
    code = main(["compare", "--data", str(csv), "--lookback", "4032", "--batch-size", "8192",
                 "--strategies", "gradnorm", "--scoring", "exact", "--epochs", "1",
                 "--runs-dir", str(runs), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(r"importance: error: This run \(gradnorm\) would need about [\d.,]+ GB of "
                     r"memory at its peak", err)
    assert "more than the limit of" in err and "available now" in err
    assert not runs.exists() or not any(runs.iterdir())


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@needs_refusal
def test_the_train_page_refuses_a_run_too_big_before_queueing_it(dashboard_runs, tmp_path):
    from ui import launch as ui_launch
    from ui import runs

    at = new_app().run()
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(
        ("long.csv", long_csv(tmp_path / "long.csv").read_bytes(), "text/csv")).run()
    page(at, "pages/train.py")
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]

    # The form's limits come from the same estimate, for this series.
    loaded = load_data(at.session_state[state.DATA].config)
    limits = ui_launch.form_limits(loaded, ui_launch.form_defaults(loaded))
    assert at.number_input(key=state.F_BATCH).max == max(limits.batch, 64)
    assert at.number_input(key=state.F_LOOKBACK).max == max(limits.lookback, 144)
    assert f"At most {limits.batch:,} for this series" in at.number_input(key=state.F_BATCH).help

    at.multiselect(key=state.F_STRATEGIES).set_value(["gradnorm"])
    at.selectbox(key=state.F_SCORING).set_value("exact")
    at.number_input(key=state.F_LOOKBACK).set_value(4032)
    at.number_input(key=state.F_BATCH).set_value(min(8192, limits.batch))
    launch(at)
    message = _texts(at.error)
    assert "would need about" in message and "GB of memory at its peak" in message
    assert "more than the limit of" in message
    assert f"batch {min(8192, limits.batch):,} x lookback 4,032" in message
    mgr = runs.manager()
    assert mgr.jobs() == [] and mgr.executor is None  # nothing queued, no worker started


def test_the_coreset_strategies_count_their_head_views_and_similarity_blocks():
    """CRAIG holds every window's head view and one block's similarity matrix, Glister the
    validation windows' views too; strategies without head views hold none."""
    from importance.config import RunConfig, TrainConfig
    from importance.runs.footprint import estimate

    def sel(strategy: str, **params) -> int:
        cfg = RunConfig(train=TrainConfig(strategy=strategy, strategy_params=params))
        return estimate(cfg, 50_000, 5).selection

    assert sel("full") == sel("rs2") == sel("gradnorm") == 0
    craig, graphcut, glister = sel("craig"), sel("graphcut"), sel("glister")
    assert craig == graphcut > glister > sel("active_learning") > 0  # similarity > views
    assert craig - sel("active_learning") == 5 * 2048 * 2048 * 8  # one block's matrices
    assert sel("craig", block_size=512) < craig
    assert estimate(RunConfig(train=TrainConfig(strategy="craig")), 50_000, 5).total > \
        estimate(RunConfig(train=TrainConfig(strategy="rs2")), 50_000, 5).total

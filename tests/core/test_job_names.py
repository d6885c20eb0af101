"""Jobs as people read them (never an internal id such as "b2-1-full"), and a comparison's time
estimate and overall progress learned from the stored runs on this machine (`importance.runcard`,
`importance.estimate`):
same settings first, then runs of the model kind scaled by the work, then a first guess."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
import pytest

from importance import estimate
from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.estimate import DEFAULT_EPOCH_S
from importance.launch import LaunchForm
from importance.runcard import comparison_name, job_name, job_rows
from importance.runs.identity import RunInfo
from importance.sweep.view import duration_words


@dataclass
class FakeJob:
    """The parts of `importance.runs.jobs.Job` the views read."""

    id: str
    batch: str
    strategy: str
    status: str = "queued"
    epoch: int = 0
    epochs: int = 4
    history: list[dict] = field(default_factory=list)
    config: RunConfig = field(default_factory=RunConfig)
    elapsed: float = 0.0
    energy_kwh: float | None = None
    training_s: float = 0.0
    run_id: str | None = None
    error: str = ""
    estimate_s: float | None = None


def _run(strategy: str, wall_s: float, epochs_run: int, cfg: RunConfig | None = None,
         k: int = 0) -> RunInfo:
    cfg = cfg or RunConfig()
    cfg = replace(cfg, train=replace(cfg.train, strategy=strategy))
    return RunInfo(f"2026120{k}-000000-{strategy}-abcdef",
                         {"strategy": strategy, "wall_s": wall_s, "epochs_run": epochs_run},
                         cfg)


def test_job_names_and_rows_never_show_the_internal_id():
    job = FakeJob("b2-1-gradnorm", "b2", "gradnorm")
    assert job_name(job) == "Gradient-norm top-k (importance), seed 0, comparison 2"
    assert comparison_name("b12") == "comparison 12"
    assert comparison_name("odd") == "this comparison"
    seed1 = replace(RunConfig(), train=replace(RunConfig().train, seed=1))
    rows = job_rows([job, FakeJob("b2-2-rs2", "b2", "rs2", status="done", epoch=4,
                                        config=seed1, estimate_s=12.0)])
    assert rows["job"].tolist() == ["Gradient-norm top-k (importance), seed 0, comparison 2",
                                    "RS2: random subset, no replacement (control), seed 1, "
                                    "comparison 2"]
    assert rows["estimated s"].tolist()[1] == 12.0 and pd.isna(rows["estimated s"][0])
    assert not rows.astype(str).apply(lambda c: c.str.contains("b2-")).any().any()


def _windows_run(strategy: str, wall_s: float, epochs_run: int, cfg: RunConfig, n_train: int,
                 k: int, **extra) -> RunInfo:
    run = _run(strategy, wall_s, epochs_run, cfg, k)
    return replace(run, summary={**run.summary, "n_train": n_train, **extra})


def test_epoch_costs_prefer_runs_with_the_same_settings_then_scale_runs_of_the_model():
    base = RunConfig(train=TrainConfig(epochs=4))
    other_data = replace(base, data=DataConfig(path="cell.csv"))
    gru = replace(base, model=ModelConfig(kind="gru"))
    stored = [_run("full", 40.0, 4, base, 1), _run("full", 24.0, 4, base, 2),
              _run("gradnorm", 9.0, 3, base, 3), _windows_run("full", 100.0, 1, gru, 10, 4),
              _windows_run("full", 2.0, 1, other_data, 1000, 5)]
    costs = estimate.epoch_costs(stored, base)
    assert costs == estimate.EpochCosts({"full": 8.0, "gradnorm": 3.0}, 3, estimate.SAME, 1.0)
    # another lookback: no run has these settings; the LSTM run on other data scales by its
    # windows x lookback (2 s for 1000 x 144), the GRU run does not count
    other = replace(base, window=WindowConfig(lookback=36))
    scaled = estimate.epoch_costs(stored, other, windows=2000)
    assert scaled.basis == estimate.SCALED and scaled.runs == 1  # only the one with n_train
    assert scaled.per_epoch["full"] == pytest.approx(2.0 * (2000 * 36) / (1000 * 144))
    assert estimate.epoch_costs(stored, other) == estimate.EpochCosts({})  # windows unknown
    # no run of the model kind: the first guess, growing with windows, lookback and size
    mlp = replace(base, model=ModelConfig(kind="mlp", hidden=64, layers=2))
    guess = estimate.epoch_costs(stored, mlp, windows=1000)
    assert guess.basis == estimate.GUESS and guess.runs == 0
    assert guess.per_epoch == {"full": pytest.approx(estimate.WORK_SECONDS["mlp"] * 1000 * 2 * 2)}


def test_early_stopping_in_stored_runs_shortens_the_expected_epochs():
    base = RunConfig(train=TrainConfig(epochs=10, patience=3))
    stored = [_run("full", 20.0, 5, base, 1), _run("full", 24.0, 6, base, 2)]
    costs = estimate.epoch_costs(stored, base)
    assert costs.epoch_share == pytest.approx(0.55)
    est = estimate.comparison_estimate([replace(base, train=replace(base.train, strategy="full"))],
                                    costs)
    assert est.seconds == pytest.approx(estimate.RUN_OVERHEAD_S + 10 * 0.55 * 4.0)
    longer = replace(base, train=replace(base.train, epochs=20))  # other epochs: all of them
    assert estimate.epoch_costs(stored, longer).epoch_share == 1.0


def test_runs_of_a_sweep_carry_their_worker_slowdown_to_the_job_manager_and_back():
    base = RunConfig()
    sweep_run = _windows_run("full", 8.0, 4, base, 100, 1, sweep_id="sweep-1")
    assert estimate.epoch_costs([sweep_run], base, sweep=True).per_epoch == {"full": 2.0}
    assert estimate.epoch_costs([sweep_run], base).per_epoch == {
        "full": pytest.approx(2.0 / estimate.SWEEP_SLOWDOWN)}
    alone = _run("full", 8.0, 4, base, 2)
    assert estimate.epoch_costs([alone], base, sweep=True).per_epoch == {
        "full": pytest.approx(2.0 * estimate.SWEEP_SLOWDOWN)}


def test_the_estimate_before_launch_counts_every_planned_epoch_and_says_where_from():
    form = LaunchForm.defaults({"epochs": 10, "seeds": (0, 1)})
    configs = form.configs(DataConfig())
    assert len(configs) == 6  # 3 strategies x 2 seeds
    costs = estimate.EpochCosts({"full": 6.0, "gradnorm": 3.0}, 2, estimate.SAME)
    # rs2 was never measured: full data's epoch x its keep ratio
    est = estimate.comparison_estimate(configs, costs, start_s=estimate.WORKER_START_S)
    per_run = [estimate.RUN_OVERHEAD_S + 10 * p for p in (6.0, 3.0, 6.0 * form.keep_ratio)] * 2
    assert est.runs == pytest.approx([per_run[0] + estimate.WORKER_START_S, *per_run[1:]])
    text = estimate.estimate_caption(est)
    assert text.startswith(f"About {duration_words(est.seconds)} for this comparison (6 runs, "
                           "one after another, 5 s of it to start the job worker), from the "
                           "measured epochs of 2 stored runs on this data with these settings.")
    assert "Early stopping can only shorten it." in text
    no_full = estimate.comparison_estimate(configs[:1], estimate.EpochCosts({"gradnorm": 3.0,
                                                                      "rs2": 5.0}))
    assert no_full.seconds == pytest.approx(estimate.RUN_OVERHEAD_S + 10 * 4.0)  # their median
    warm = estimate.estimate_caption(estimate.comparison_estimate(configs, costs))
    assert "(6 runs, one after another), from" in warm
    guess = estimate.estimate_caption(
        estimate.comparison_estimate(configs, estimate.EpochCosts({})))
    assert f"a default guess of {DEFAULT_EPOCH_S:g} s per epoch" in guess


def test_batch_progress_counts_finished_runs_whole_and_prices_the_epochs_left():
    costs = estimate.EpochCosts({"rs2": 2.0}, 1, estimate.SAME)
    jobs = [FakeJob("b3-1-full", "b3", "full", status="done", epoch=3, epochs=4,
                    history=[{"wall_s": 5.0}] * 3),  # stopped early: counts as finished
            FakeJob("b3-2-gradnorm", "b3", "gradnorm", status="running", epoch=1, epochs=4,
                    history=[{"wall_s": 3.0}]),
            FakeJob("b3-3-rs2", "b3", "rs2", status="queued", epochs=4)]
    p = estimate.batch_progress(jobs, costs)
    assert (p.runs, p.finished, p.epochs_done, p.epochs_total) == (3, 1, 5, 12)
    # own epochs, then stored; a run not started also prepares, tests and saves
    assert p.seconds_left == pytest.approx(3 * 3.0 + 4 * 2.0 + estimate.RUN_OVERHEAD_S)
    assert p.fraction == pytest.approx(5 / 12)
    assert p.text() == "1 of 3 runs finished · epoch 5 of 12 · about 17 s left"
    # nothing stored: this batch's own epochs price the others
    unmeasured = estimate.batch_progress(jobs, estimate.EpochCosts({}))
    assert unmeasured.seconds_left == pytest.approx(3 * 3.0 + 4 * 5.0 + estimate.RUN_OVERHEAD_S)
    # a later seed of a strategy this batch measured: that strategy's epochs
    seed1 = FakeJob("b3-4-full", "b3", "full", status="queued", epochs=4)
    p2 = estimate.batch_progress([*jobs, seed1], estimate.EpochCosts({"rs2": 2.0, "full": 50.0}))
    assert p2.seconds_left == pytest.approx(p.seconds_left + 4 * 5.0 + estimate.RUN_OVERHEAD_S)
    # nothing measured at all: the estimate stored at launch, else a default guess
    fresh = [FakeJob("b4-1-full", "b4", "full", epochs=2, estimate_s=3.0)]
    assert estimate.batch_progress(fresh, estimate.EpochCosts({})).seconds_left == \
        pytest.approx(3.0 + estimate.RUN_OVERHEAD_S)
    fresh[0].estimate_s = None
    assert estimate.batch_progress(fresh, estimate.EpochCosts({})).seconds_left == \
        pytest.approx(2 * DEFAULT_EPOCH_S + estimate.RUN_OVERHEAD_S)

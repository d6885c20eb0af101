"""Jobs as people read them (never an internal id such as "b2-1-full"), and a comparison's time
estimate and overall progress from the measured epoch costs of stored runs (`importance.views`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from importance import views
from importance.config import DataConfig, ModelConfig, RunConfig, WindowConfig
from importance.sweep.view import DEFAULT_EPOCH_S, STARTUP_S


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
    run_id: str | None = None
    error: str = ""


def _run(strategy: str, wall_s: float, epochs_run: int, cfg: RunConfig | None = None,
         k: int = 0) -> views.RunInfo:
    cfg = cfg or RunConfig()
    cfg = replace(cfg, train=replace(cfg.train, strategy=strategy))
    return views.RunInfo(f"2026120{k}-000000-{strategy}-abcdef",
                         {"strategy": strategy, "wall_s": wall_s, "epochs_run": epochs_run},
                         cfg)


def test_job_names_and_rows_never_show_the_internal_id():
    job = FakeJob("b2-1-gradnorm", "b2", "gradnorm")
    assert views.job_name(job) == "Gradient-norm top-k (importance), comparison 2"
    assert views.comparison_name("b12") == "comparison 12"
    assert views.comparison_name("odd") == "this comparison"
    rows = views.job_rows([job, FakeJob("b2-2-rs2", "b2", "rs2", status="done", epoch=4)])
    assert rows["job"].tolist() == ["Gradient-norm top-k (importance), comparison 2",
                                    "RS2: random subset, no replacement (control), comparison 2"]
    assert not rows.astype(str).apply(lambda c: c.str.contains("b2-")).any().any()


def test_epoch_costs_prefer_runs_with_the_same_settings_then_the_same_data():
    base = RunConfig()
    other_model = replace(base, model=ModelConfig(hidden=64))
    other_data = replace(base, data=DataConfig(path="cell.csv"))
    stored = [_run("full", 40.0, 4, base, 1), _run("full", 24.0, 4, base, 2),
              _run("gradnorm", 9.0, 3, base, 3), _run("full", 100.0, 1, other_model, 4),
              _run("full", 999.0, 1, other_data, 5)]
    costs = views.epoch_costs(stored, base)
    assert costs == views.EpochCosts({"full": 8.0, "gradnorm": 3.0}, 3, True)
    rough = views.epoch_costs(stored, replace(base, window=WindowConfig(lookback=36)))
    assert rough.runs == 4 and not rough.same_settings
    assert views.epoch_costs(stored, replace(base, data=DataConfig(path="x.csv"))).runs == 0


def test_the_estimate_before_launch_counts_every_planned_epoch_and_says_where_from():
    configs = views.LaunchForm.defaults({"epochs": 10}).configs(DataConfig())
    costs = views.EpochCosts({"full": 6.0, "gradnorm": 3.0}, 2, True)
    # rs2 was never measured: the median of the measured strategies (4.5 s per epoch)
    seconds = views.comparison_seconds(configs, costs)
    assert seconds == pytest.approx(STARTUP_S + 10 * (6.0 + 3.0 + 4.5))
    text = views.estimate_caption(seconds, costs)
    assert text.startswith("About 2 min 20 s for this comparison, from the measured epoch "
                           "costs of 2 stored runs on this data with these settings.")
    assert "Early stopping can only shorten it." in text
    guess = views.estimate_caption(views.comparison_seconds(configs, views.EpochCosts({})),
                                   views.EpochCosts({}))
    assert f"a default guess of {DEFAULT_EPOCH_S:g} s per epoch" in guess


def test_batch_progress_counts_finished_runs_whole_and_prices_the_epochs_left():
    costs = views.EpochCosts({"rs2": 2.0}, 1, True)
    jobs = [FakeJob("b3-1-full", "b3", "full", status="done", epoch=3, epochs=4,
                    history=[{"wall_s": 5.0}] * 3),  # stopped early: counts as finished
            FakeJob("b3-2-gradnorm", "b3", "gradnorm", status="running", epoch=1, epochs=4,
                    history=[{"wall_s": 3.0}]),
            FakeJob("b3-3-rs2", "b3", "rs2", status="queued", epochs=4)]
    p = views.batch_progress(jobs, costs)
    assert (p.runs, p.finished, p.epochs_done, p.epochs_total) == (3, 1, 5, 12)
    assert p.seconds_left == pytest.approx(3 * 3.0 + 4 * 2.0)  # own epochs, then stored
    assert p.fraction == pytest.approx(5 / 12)
    assert p.text() == "1 of 3 runs finished · epoch 5 of 12 · about 17 s left"
    # nothing measured anywhere: this batch's own epochs price the others
    unmeasured = views.batch_progress(jobs, views.EpochCosts({}))
    assert unmeasured.seconds_left == pytest.approx(3 * 3.0 + 4 * 5.0)
    fresh = [FakeJob("b4-1-full", "b4", "full", epochs=2)]
    assert views.batch_progress(fresh, views.EpochCosts({})).seconds_left == \
        pytest.approx(2 * DEFAULT_EPOCH_S)

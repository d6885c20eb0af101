"""Issue 20, points 2 and 7 in the library: a comparison is one batch across its seeds
(`identity.latest_batch` by `config.comparison_key`), the Train form launches strategies x seeds
(3 seeds by default, the seeds field read with a clear message), and a finished job shows the
estimate stored at its launch beside the time it took."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from importance import estimate, evidence
from importance.config import DataConfig, RunConfig, TrainConfig
from importance.launch import DEFAULT_SEEDS, LaunchForm, parse_seeds_field, seeds_field_text
from importance.runs.identity import RunInfo, latest_batch
from importance.runs.jobs import DONE, FAILED, Job


def _runs(strategies: tuple[str, ...], seeds: tuple[int, ...], tag: str,
          epochs: int = 16) -> list[RunInfo]:
    """The runs one launch stores, in its order (`LaunchForm.configs`: seed by seed)."""
    form = LaunchForm.defaults({"strategies": strategies, "seeds": seeds,
                                      "epochs": epochs})
    return [RunInfo(f"{tag}-{k}", {"strategy": c.train.strategy}, c)
            for k, c in enumerate(form.configs(DataConfig()))]


def test_a_three_seed_launch_is_one_comparison():
    three = _runs(("full", "gradnorm", "rs2"), (0, 1, 2), "new")
    assert latest_batch(three) == [r.run_id for r in three]
    # while it runs: seed 0 done, seed 1 started, still one comparison
    assert latest_batch(three[:4]) == [r.run_id for r in three[:4]]


@pytest.mark.parametrize("earlier", [
    _runs(("full", "gradnorm", "rs2"), (0, 1, 2), "old"),  # the same launch before
    _runs(("full", "gradnorm", "rs2"), (0,), "old"),  # one seed before
    _runs(("full", "gradnorm", "rs2"), (0, 1, 2), "old", epochs=8),  # another setting
    _runs(("full", "random"), (0, 1, 2, 3), "old"),  # other strategies, more seeds
])
def test_an_earlier_launch_ends_the_batch(earlier):
    new = _runs(("full", "gradnorm", "rs2"), (0, 1, 2), "new")
    assert latest_batch(earlier + new) == [r.run_id for r in new]


def test_a_launch_of_fewer_seeds_after_more_is_its_own_batch():
    three = _runs(("full", "gradnorm", "rs2"), (0, 1, 2), "old")
    one = _runs(("full", "gradnorm", "rs2"), (0,), "new")
    assert latest_batch(three + one) == [r.run_id for r in one]
    two = _runs(("full", "gradnorm"), (0, 1), "two")
    assert latest_batch(three + two) == [r.run_id for r in two]


def test_the_form_builds_one_config_per_strategy_and_seed_seed_by_seed():
    form = LaunchForm.defaults()
    assert form.seeds == DEFAULT_SEEDS == (0, 1, 2)
    assert len(DEFAULT_SEEDS) == evidence.MIN_SEEDS  # the fewest that give an interval
    configs = form.configs(DataConfig())
    assert [(c.train.strategy, c.train.seed) for c in configs] == [
        (s, seed) for seed in (0, 1, 2) for s in ("full", "gradnorm", "rs2")]
    assert len({c.train.seed for c in configs}) == 3
    explicit = replace(form, seeds=(7, 3)).configs(DataConfig())
    assert [c.train.seed for c in explicit] == [3, 3, 3, 7, 7, 7]  # ascending
    one = replace(form, seed=5).configs(DataConfig())  # a sweep's cell: that seed alone
    assert [c.train.seed for c in one] == [5, 5, 5]
    with pytest.raises(ValueError, match="seeds must be one or more non-negative integers"):
        replace(form, seeds=()).configs(DataConfig())


@pytest.mark.parametrize("text, seeds", [("3", (0, 1, 2)), ("1", (0,)), (" 0,3,7 ", (0, 3, 7)),
                                         ("0-4", (0, 1, 2, 3, 4)), ("7-7", (7,)),
                                         ("2,0", (0, 2))])
def test_the_seeds_field_reads_a_count_or_the_seeds(text, seeds):
    assert parse_seeds_field(text) == seeds
    # the form's defaults are written so that they read back as themselves
    assert parse_seeds_field(seeds_field_text(seeds)) == seeds


@pytest.mark.parametrize("text, message", [
    ("", "Seeds: the field is empty"),
    ("abc", "Seeds: 'abc' is neither a non-negative integer nor a range"),
    ("0", "Seeds: 0 seeds; choose 1 to 20"),
    ("50", "Seeds: 50 seeds; choose 1 to 20"),
    ("1,1", "Seeds: '1,1' names seed 1 twice"),
    ("0-30", "Seeds: '0-30' is 31 seeds; at most 20"),
    ("3-1", "Seeds: range 3-1 ends before it starts"),
    ("-2", "Seeds: '-2' is neither"),
])
def test_the_seeds_field_rejects_bad_input_naming_it(text, message):
    with pytest.raises(ValueError) as err:
        parse_seeds_field(text)
    assert str(err.value).startswith(message)


def _job(k: int, estimate: float | None, took: float, status: str = DONE) -> Job:
    now = time.time()
    cfg = RunConfig(train=TrainConfig(seed=k))
    return Job(f"b1-{k}-full", "b1", "full", cfg, status=status, started=now + 10 * k,
               finished=now + 10 * k + took, estimate_s=estimate)


def test_a_finished_job_shows_its_estimate_beside_the_time_it_took():
    assert estimate.estimate_outcome([_job(0, 12.0, 7.6)]) == "estimated 12 s, took 8 s"
    # a batch: the estimates add up; it took from the first start to the last end
    batch = [_job(0, 12.0, 8.0), _job(1, 9.0, 9.0)]
    assert estimate.estimate_outcome(batch) == "estimated 21 s, took 19 s"
    assert estimate.estimate_outcome([_job(0, None, 8.0)]) == ""  # launched without one
    assert estimate.estimate_outcome([_job(0, 12.0, 8.0), _job(1, 9.0, 1.0, FAILED)]) == ""


def test_the_quick_demo_stays_one_seed_and_says_so():
    from ui import demo

    configs = demo.form().configs(DataConfig())
    assert [c.train.seed for c in configs] == [0, 0, 0]
    assert demo.words().endswith("one seed: indicative, names no winner")
    assert "--seed 0" in demo.CLI

"""Issue 14, point 6 and issue 20, points 2 and 7 through AppTest: the Train page's time
estimate before Launch (learned from the stored runs), stored with the jobs and shown beside
the time they took; the seeds field (3 seeds by default, bad input refused with a message); a
batch's overall progress and time left (Train and Overview), the last finished batch pinned
with its result links, and jobs named as people read them, never by their internal ids
("b2-1-full")."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from pagetools import launch, new_app, page, set_quick_form

from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.runs.jobs import Job
from importance.runs.store import RunStore
from importance.sweep.view import duration_words
from ui import launch as ui_launch
from ui import runs, state

TRAIN, OVERVIEW = "pages/train.py", "pages/overview.py"
INTERNAL_ID = re.compile(r"\bb\d+-\d+-\w+")  # the job manager's ids
# The form's quick settings (tests/app/pagetools.QUICK) on the dashboard's embedded series
QUICK_CONFIG = RunConfig(data=DataConfig(series="5060", column="internet"),
                         window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4))


def _texts(at) -> str:
    """Every text the page shows, toasts and progress bars included."""
    kinds = ("markdown", "caption", "info", "success", "warning", "error", "toast", "subheader")
    out = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    out += [str(p.proto.text) for p in at.get("progress")]
    return "\n".join(out)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One tiny stored full-data run on the embedded series with the form's quick settings."""
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment

    root = tmp_path_factory.mktemp("template")
    cfg = RunConfig(QUICK_CONFIG.data, QUICK_CONFIG.window, QUICK_CONFIG.model,
                    TrainConfig(strategy="full", epochs=1))
    return root / run_experiment(cfg, store=RunStore(root), meter=EnergyMeter("ITA"))


def _store_run(template: Path, root: Path, strategy: str, wall_s: float, epochs: int) -> str:
    """A copy of `template` as a `strategy` run that took `wall_s` over `epochs` epochs."""
    run_id = f"20261207-0100{len(list(root.glob('*'))):02d}-{strategy}-abcdef"
    shutil.copytree(template, root / run_id)
    summary = json.loads((root / run_id / "summary.json").read_text())
    summary |= {"run_id": run_id, "strategy": strategy, "wall_s": wall_s, "epochs_run": epochs}
    (root / run_id / "summary.json").write_text(json.dumps(summary))
    config = json.loads((root / run_id / "config.json").read_text())
    config["train"]["strategy"] = strategy
    (root / run_id / "config.json").write_text(json.dumps(config))
    return run_id


def _estimate(at) -> str:
    """The estimate in the caption beside Launch (after the data and windows)."""
    caption = next(c.value for c in at.caption if "for this comparison" in c.value)
    return caption[caption.index("About "):]


def test_the_form_estimates_the_comparison_from_stored_epoch_costs(runs_dir, template,
                                                                   monkeypatch):
    monkeypatch.setenv("IMPORTANCE_LANES", "1")  # one after another (two: the stub's test)
    at = page(new_app().run(), TRAIN)
    assert ("for this comparison (9 runs, one after another, 5 s of it to start the job "
            "worker), from a first guess for this model on this machine (no run of it is stored "
            "yet)" in _estimate(at))

    runs_dir.mkdir(parents=True, exist_ok=True)
    _store_run(template, runs_dir, "full", wall_s=30.0, epochs=3)  # 10 s per epoch
    _store_run(template, runs_dir, "gradnorm", wall_s=12.0, epochs=2)  # 6 s per epoch
    at = page(new_app().run(), TRAIN)
    set_quick_form(at)  # the stored runs' settings, 3 epochs
    at.multiselect(key=state.F_STRATEGIES).set_value(["full", "gradnorm"]).run()
    # 3 seeds: 5 s to start the worker + 3 x (3 x 10 + 3 x 6 + 2 x 0.4 to test and save)
    assert _estimate(at).startswith(
        "About 2 min 31 s for this comparison (6 runs, one after another, 5 s of it to start "
        "the job worker), from the measured epochs of 2 stored runs on this data with these "
        "settings. Early stopping can only shorten it.")
    at.number_input(key=state.F_EPOCHS).set_value(6).run()  # follows the form before Launch
    assert _estimate(at).startswith("About 4 min 55 s for this comparison")
    at.text_input(key=state.F_SEEDS).set_value("1").run()  # one seed
    assert _estimate(at).startswith("About 1 min 42 s for this comparison (2 runs, one after")
    at.number_input(key=state.F_HIDDEN).set_value(8).run()  # another model: scaled
    assert ("from 2 stored runs of this model kind on other data or settings, scaled to "
            "these windows (a rough guide)" in _estimate(at))


class StubManager:
    """The job manager's face to the pages, over fixed jobs: launches add a queued batch,
    cancels are recorded, nothing trains."""

    def __init__(self, store: RunStore, jobs: list[Job]):
        self.store, self._jobs, self.cancelled = store, jobs, []

    @property
    def busy(self) -> bool:
        return any(j.status in ("queued", "running") for j in self._jobs)

    def jobs(self) -> list[Job]:
        return sorted(self._jobs, key=lambda j: j.created, reverse=True)

    warm = True  # a job starts without a worker start
    lanes = 1  # runs trained at once

    def cancel(self, job_id: str) -> bool:
        self.cancelled.append(job_id)
        return True

    def submit(self, configs: list[RunConfig], estimates: list[float] | None = None
               ) -> list[str]:
        batch = f"b{len({j.batch for j in self._jobs}) + 1}"
        new = [Job(f"{batch}-{k + 1}-{c.train.strategy}", batch, c.train.strategy, c,
                   created=time.time() + k, epochs=c.train.epochs,
                   estimate_s=None if estimates is None else estimates[k])
               for k, c in enumerate(configs)]
        self._jobs += new
        return [j.id for j in new]


def _job(batch: str, k: int, strategy: str, status: str, epoch: int = 0, epochs: int = 4,
         wall_s: float = 2.0, seed: int = 0, estimate_s: float | None = None) -> Job:
    cfg = RunConfig(QUICK_CONFIG.data, QUICK_CONFIG.window, QUICK_CONFIG.model,
                    TrainConfig(strategy=strategy, epochs=epochs, seed=seed))
    history = [{"epoch": e, "train_loss": 0.1, "val_mae": 9.0, "wall_s": wall_s,
                "energy_kwh": 1e-6} for e in range(epoch)]
    now = time.time()
    return Job(f"{batch}-{k}-{strategy}", batch, strategy, cfg, status=status,
               created=now - 1000 + 100 * int(batch[1:]) + k,
               started=None if status == "queued" else now - 5,
               finished=now if status not in ("queued", "running") else None, epoch=epoch,
               epochs=epochs, history=history, estimate_s=estimate_s,
               run_id=f"20261207-0000{k}0-{strategy}-abcdef" if status == "done" else None)


@pytest.fixture
def stub(runs_dir, monkeypatch) -> StubManager:
    """Comparison 1 finished, comparison 2 cancelled, comparison 3 running (its first run at
    epoch 1 of 4 after 2 s per epoch, its second queued)."""
    done = [_job("b1", k, s, "done", 4) for k, s in enumerate(("full", "gradnorm", "rs2"), 1)]
    cancelled = [_job("b2", 1, "full", "cancelled", 1), _job("b2", 2, "gradnorm", "cancelled")]
    running = [_job("b3", 1, "gradnorm", "running", 1), _job("b3", 2, "rs2", "queued")]
    mgr = StubManager(RunStore(runs_dir), done + cancelled + running)
    monkeypatch.setattr(runs, "manager", lambda: mgr)
    return mgr


def test_a_running_batch_shows_its_overall_progress_and_time_left(stub):
    # epochs left: 3 of the running run at its own 2 s, 4 of the queued one at this batch's
    # median epoch (no stored run measured rs2): 14 s
    expected = "0 of 2 runs finished · epoch 1 of 8 · about 14 s left"
    at = page(new_app().run(), TRAIN)
    (bar,) = [p for p in at.get("progress") if "runs finished" in p.proto.text]
    assert bar.proto.text == f"Comparison 3: {expected}"
    assert bar.proto.value == 12  # percent: 1 of 8 epochs
    at = page(at, OVERVIEW)
    assert f"Comparison running: {expected} · training Gradient-norm top-k (importance)" in \
        _texts(at)


def test_with_two_lanes_the_time_left_and_the_estimate_count_runs_side_by_side(stub):
    stub.lanes = 2
    # the running run's 3 epochs left at 2 s (6 s) beside the queued one's 4 epochs at this
    # batch's median epoch plus its test and save (8.4 s): the later of the two lanes
    at = page(new_app().run(), TRAIN)
    (bar,) = [p for p in at.get("progress") if "runs finished" in p.proto.text]
    assert bar.proto.text == "Comparison 3: 0 of 2 runs finished · epoch 1 of 8 · about 8 s left"
    set_quick_form(at)
    assert "for this comparison (9 runs, 2 at a time), " in _estimate(at)
    launch(at)
    assert "trains them 2 at a time, each on its own core." in " ".join(
        s.value for s in at.success)


def test_the_last_finished_batch_stays_pinned_with_its_result_links(stub):
    stub._jobs = [j for j in stub._jobs if j.batch != "b3"]  # comparison 2 (cancelled) newest
    at = page(new_app().run(), TRAIN)
    text = _texts(at)
    assert "Last finished: comparison 1** (Full data (baseline), Gradient-norm top-k " \
           "(importance), RS2: random subset, no replacement (control))" in text
    assert {link.proto.page for link in at.page_link} >= {"importance", "forecasts", "energy"}
    assert "Finished. Explore the results" not in text  # the cancelled batch is not "finished"


def test_jobs_are_named_by_strategy_and_comparison_never_by_their_ids(stub):
    at = page(new_app().run(), TRAIN)
    text = _texts(at)
    assert "**Gradient-norm top-k (importance), seed 0, comparison 3**" in text  # running
    cancel = at.button(key=state.cancel_key("b3-1-gradnorm"))
    cancel.click().run()
    assert stub.cancelled == ["b3-1-gradnorm"]
    (toast,) = at.toast
    assert toast.value.startswith("Cancelling Gradient-norm top-k (importance), seed 0, "
                                  "comparison 3:")
    earlier = set(at.dataframe[0].value["job"])  # the earlier jobs on this server
    assert {"RS2: random subset, no replacement (control), seed 0, comparison 1",
            "Full data (baseline), seed 0, comparison 2"} <= earlier

    set_quick_form(at)
    at.multiselect(key=state.F_STRATEGIES).set_value(["full", "random"])
    launch(at)
    assert ("Queued 6 runs (2 strategies x 3 seeds). Comparison 4 trains them one after "
            "another.") in _texts(at)
    assert "**Random subset (control), seed 2, comparison 4**" in _texts(at)
    shown = _texts(at) + "\n".join(d.value.to_csv() for d in at.dataframe)
    assert not INTERNAL_ID.search(shown), INTERNAL_ID.search(shown)


def test_the_data_pages_launch_trains_what_the_train_form_shows(stub):
    at = page(new_app().run(), TRAIN)
    set_quick_form(at, **{state.F_EPOCHS: 5})
    at.multiselect(key=state.F_STRATEGIES).set_value(["full", "random"]).run()
    at.text_input(key=state.F_SEEDS).set_value("4-5").run()
    page(at, "pages/data.py")
    assert "trains Full data (baseline), Random subset (control) on this series" in _texts(at)
    at.button(key=state.DATA_LAUNCH).click().run()
    assert not at.exception, [e.value for e in at.exception]
    new = [j for j in stub.jobs() if j.batch == "b4"]
    assert sorted((j.strategy, j.config.train.seed) for j in new) == [
        ("full", 4), ("full", 5), ("random", 4), ("random", 5)]
    assert {(j.config.train.epochs, j.config.window.lookback, j.config.model.hidden)
            for j in new} == {(5, 24, 4)}


def test_launch_trains_three_seeds_by_default_and_refuses_a_bad_seeds_field(stub):
    at = page(new_app().run(), TRAIN)
    assert at.text_input(key=state.F_SEEDS).value == "3"
    set_quick_form(at)
    launch(at)
    new = [j for j in stub.jobs() if j.batch == "b4"][::-1]
    assert [(j.strategy, j.config.train.seed) for j in new] == [
        (s, seed) for seed in (0, 1, 2) for s in ("full", "gradnorm", "rs2")]
    # the estimate shown before the click is the one stored: it adds up to the caption's
    assert all(j.estimate_s is not None and j.estimate_s > 0 for j in new)
    assert _estimate(at).startswith(f"About {duration_words(sum(j.estimate_s for j in new))} "
                                    "for this comparison (9 runs, one after another), ")

    at.text_input(key=state.F_SEEDS).set_value("0,0").run()
    assert "Seeds: '0,0' names seed 0 twice" in [e.value for e in at.error]
    launch(at)
    assert {j.batch for j in stub.jobs()} == {"b1", "b2", "b3", "b4"}  # nothing queued
    at.text_input(key=state.F_SEEDS).set_value("0,3,7").run()
    assert not at.error
    launch(at)
    assert sorted({j.config.train.seed for j in stub.jobs() if j.batch == "b5"}) == [0, 3, 7]


def test_a_finished_comparison_shows_its_estimate_beside_the_time_it_took(stub):
    stub._jobs = [_job("b1", k, s, "done", 4, seed=seed, estimate_s=6.0)
                  for k, (s, seed) in enumerate(
                      [(s, seed) for seed in (0, 1, 2) for s in ("full", "gradnorm")], 1)]
    at = page(new_app().run(), TRAIN)
    text = _texts(at)
    assert "Finished. Explore the results" in text
    # each job: started 5 s before it finished; the batch: from the first start to the last end
    assert text.count("Estimated 6 s, took 5 s (job time: the worker's start, data "
                      "preparation, training and test).") == 6
    assert "Comparison 1: estimated 36 s, took 5 s." in text


def test_the_demo_stores_the_estimate_its_button_can_show(stub):
    from ui import demo

    shown = demo.seconds()
    ids = ui_launch.launch(demo.form(), demo.dataset())
    new = [j for j in stub.jobs() if j.id in ids]
    assert [(j.strategy, j.config.train.seed) for j in new[::-1]] == [
        ("full", 0), ("gradnorm", 0), ("rs2", 0)]  # one seed
    assert sum(j.estimate_s for j in new) == pytest.approx(shown)
    # the embedded series' windows at the demo's lookback, priced by the first guess
    assert 5 < shown < 20

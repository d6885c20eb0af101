"""The Train page's early-stopping fields, and its words for a run whose best epoch came early."""

from __future__ import annotations

import time

import pytest
from pagetools import launch, new_app, page, set_quick_form

from importance.config import RunConfig, TrainConfig
from importance.runs.jobs import DONE, Job
from importance.runs.store import RunStore
from importance.training import EpochRecord
from ui import runs, state


class StubManager:
    """Stands in for the job manager: fixed jobs, launches recorded, nothing trained."""

    busy = False
    warm = True
    lanes = 1  # runs trained at once

    def __init__(self, store: RunStore, jobs: list[Job]):
        self.store, self._jobs, self.submitted = store, jobs, []

    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def cancel(self, job_id: str) -> bool:
        return False

    def submit(self, configs: list[RunConfig], estimates: list[float] | None = None
               ) -> list[str]:
        self.submitted.append(configs)
        return [f"b9-{i}" for i in range(len(configs))]


def _done_job(job_id: str, val_mae: list[float], epochs: int, patience: int | None) -> Job:
    history = [EpochRecord(e, 0.1, v, v, 10, 10, 10, "", 0, 0.0, 1.0, 0.1, 0.0, 2e-5, 0.0,
                           1e-6).to_dict() for e, v in enumerate(val_mae)]
    cfg = RunConfig(train=TrainConfig(epochs=epochs, patience=patience, min_delta=0.001))
    now = time.time()
    return Job(job_id, "b1", "full", cfg, status=DONE, created=now, started=now - 5,
               finished=now, epoch=len(val_mae), epochs=epochs, history=history, run_id="r1")


@pytest.fixture
def stub(runs_dir, monkeypatch):
    jobs = [_done_job("b1-1-full", [9, 5, 6, 6, 6], epochs=16, patience=3),
            _done_job("b1-2-full", [9, 5] + [6] * 6, epochs=8, patience=None)]
    mgr = StubManager(RunStore(runs_dir), jobs)
    monkeypatch.setattr(runs, "manager", lambda: mgr)
    return mgr


def _captions(at) -> str:
    return " ".join(str(c.value) for c in at.caption)


def test_finished_job_cards_say_when_the_best_epoch_came_early(stub):
    at = page(new_app().run(), "pages/train.py")
    text = _captions(at)
    assert ("Stopped at epoch 5 of 16: no improvement of 0.1% for 3 epochs; best at epoch 2."
            in text)
    # 6 epochs after the best at 2e-5 kWh each
    assert ("Best at epoch 2 of 8: the remaining 6 epochs cost 0.12 Wh (estimated) and "
            "improved nothing." in text)


def test_the_form_shows_and_launches_the_early_stopping_settings(stub):
    at = page(new_app().run(), "pages/train.py")
    assert at.number_input(key=state.F_PATIENCE).value == TrainConfig().patience
    assert at.number_input(key=state.F_MIN_DELTA).value == pytest.approx(
        100 * TrainConfig().min_delta)
    set_quick_form(at, **{state.F_PATIENCE: 3, state.F_MIN_DELTA: 0.5})
    launch(at)
    (configs,) = stub.submitted
    assert {(c.train.patience, c.train.min_delta) for c in configs} == {(3, 0.005)}

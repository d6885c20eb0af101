"""The Train and Overview pages' job lists in words: the newest batch and the jobs around it,
a running job's latest epoch in one line, and the live validation curves of a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from importance import text
from importance.runcard import strategy_label
from importance.runs.tasks import ACTIVE

if TYPE_CHECKING:
    from importance.runs.jobs import Job

# What a running job is doing (importance.runs.jobs.Job.phase).
PHASES = {"": "waiting for the job's process", "started": "preparing the data",
          "scoring": "scoring windows", "training": "training", "evaluation": "validating",
          "saving": "testing and saving"}


def newest_batch(jobs: Sequence[Job]) -> list[Job]:
    """The newest batch's jobs in launch order, from the job manager's jobs (newest first);
    [] when there are none."""
    return [j for j in jobs if j.batch == jobs[0].batch][::-1] if jobs else []


def other_active(jobs: Sequence[Job]) -> list[Job]:
    """Queued and running jobs of earlier batches, in launch order."""
    return [j for j in jobs if j.status in ACTIVE and j.batch != jobs[0].batch][::-1]


def earlier_finished(jobs: Sequence[Job]) -> list[Job]:
    """Jobs of earlier batches that are no longer queued or running (newest first)."""
    return [j for j in jobs if j.batch != jobs[0].batch and j.status not in ACTIVE]


def job_figures(job: Job) -> str:
    """A job's latest epoch in one line: what it is doing while it runs, the train loss,
    validation MAE, the training wall time (`Job.training_s`) beside the job's time from its
    start, and energy ("so far" while it runs)."""
    phase = f"{PHASES.get(job.phase, job.phase)} · " if job.status == "running" else ""
    job_time = f"job time {text.seconds(job.elapsed)}"
    if not job.history:
        return f"{phase}{job_time}"
    last = job.history[-1]
    so_far = " so far" if job.status in ACTIVE else ""
    energy = ("energy not measured" if job.energy_kwh is None else
              f"{text.energy(job.energy_kwh)}{so_far} (estimated)")
    return (f"{phase}train loss {last['train_loss']:.4f} · validation MAE "
            f"{last['val_mae']:,.2f} · training wall time {text.seconds(job.training_s)}"
            f"{so_far} ({job_time} with start and test) · {energy}")


def curve_lines(jobs: Sequence[Job]) -> list[tuple[str, str, tuple[float, ...]]]:
    """(name, strategy, validation MAE per epoch) of each job with an epoch done; the seed is
    named when the jobs span several."""
    seeds = len({j.config.train.seed for j in jobs}) > 1
    return [(strategy_label(j.strategy) + (f" · seed {j.config.train.seed}" if seeds else ""),
             j.strategy, tuple(h["val_mae"] for h in j.history)) for j in jobs if j.history]

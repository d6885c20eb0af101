"""How long a comparison takes on this machine: epoch costs learned from the stored runs
(the same settings, else runs of the model kind scaled by their work, else a first guess
measured here), the estimate a launch shows and stores with its jobs, the estimate held to
the time the jobs took, and a running batch's progress. No streamlit, no torch."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from importance.config import LINEAR_KINDS, RunConfig
from importance.metrics import number
from importance.runs.identity import BASELINE, RunInfo
from importance.runs.tasks import ACTIVE

# Measured here (2 cores): a job manager's worker process starting (importing torch, the first
# energy tracker) added 4.8 s to the first run; a run's time besides its epochs (preparing the
# data, testing, saving) was 0.1-0.5 s.
WORKER_START_S = 5.0
RUN_OVERHEAD_S = 0.4
RECURRENT = ("lstm", "gru")
# Seconds per unit of an epoch's work (`epoch_work`) of a full-data run, per model kind, measured
# here on the embedded series (lookback 36 and 144, 6 epochs, the median epoch): the first guess
# before a run of the model kind is stored. The default LSTM took 0.7-1.6 s per epoch (quiet to
# loaded machine), about 1 us per window-step.
WORK_SECONDS = {"lstm": 1.0e-6, "gru": 2.5e-6, "mlp": 1.5e-5, "dlinear": 1.5e-5,
                "nlinear": 1.5e-5}
# Seconds per epoch assumed when nothing else is known (`epoch_costs` learns them from the
# stored runs, or guesses from the model and the windows): the default LSTM on a month of
# 10-minute steps took 0.7-1.6 s per epoch here (2 cores, quiet to loaded).
DEFAULT_EPOCH_S = 1.0
# From a local sweep's start to its first run training: the cluster (2 s) and its workers
# importing torch at once (measured here: 10-16 s on 2 cores, others' work on them).
STARTUP_S = 12.0
SAME, SCALED, GUESS = "same", "scaled", "guess"  # `EpochCosts.basis`
# A run on a local sweep's worker (one thread, the 2 cores shared with the other worker) took
# about this many times as long per epoch as the same run alone on the job manager's worker,
# measured here: how the costs of one kind of stored run carry to the other
SWEEP_SLOWDOWN = 2.0


def epoch_work(cfg: RunConfig, windows: int) -> float:
    """An epoch's work of `cfg` over `windows` training windows, in the unit its cost grew with
    here: windows x lookback for the recurrent kinds (the recurrence over the lookback
    dominates; 1.1-1.6 us per window-step at lookback 36 to 288), windows for the others (a
    per-window cost that barely moved with the lookback), x hidden / 32 x layers for all but
    the linear kinds."""
    m = cfg.model
    work = float(windows) * (cfg.window.lookback if m.kind in RECURRENT else 1)
    return work if m.kind in LINEAR_KINDS else work * m.hidden / 32 * m.layers


def _cost_setup(cfg: RunConfig) -> tuple[tuple, tuple]:
    """(the data: file, column, number of series; the settings an epoch's cost depends on)."""
    d = cfg.data
    return ((d.path, d.column or None, len(d.members())),
            (cfg.model.kind, cfg.model.hidden, cfg.model.layers, cfg.window.lookback,
             cfg.window.horizon, cfg.window.stride, cfg.train.batch_size))


@dataclass(frozen=True)
class EpochCosts:
    """Expected seconds per epoch of one run of a config, per strategy, and where they come
    from (`basis`): SAME (the median epoch of `runs` stored runs on its data with its model,
    window and batch size), SCALED (`runs` stored runs of its model kind on other data or
    settings, per unit of `epoch_work`), GUESS (no run of the model kind stored:
    `WORK_SECONDS`), "" (nothing known). `epoch_share`: the median share of their planned
    epochs that stored runs with the same settings, epochs and early stopping ran."""

    per_epoch: dict[str, float]
    runs: int = 0
    basis: str = ""
    epoch_share: float = 1.0


def _measured(runs: Iterable[RunInfo], sweep: bool) -> list[RunInfo]:
    """The trained runs that measured their epochs, their wall time as it would be on a
    sweep's worker (`sweep`) or on the job manager's (`SWEEP_SLOWDOWN` between the two)."""
    out = []
    for r in runs:
        s = r.summary
        if s.get("kind") == "classical" or not ((s.get("wall_s") or 0) > 0
                                               and (s.get("epochs_run") or 0) > 0):
            continue
        factor = 1.0 if bool(s.get("sweep_id")) == sweep else (
            SWEEP_SLOWDOWN if sweep else 1 / SWEEP_SLOWDOWN)
        out.append(r if factor == 1.0 else replace(r, summary={**s, "wall_s": s["wall_s"]
                                                               * factor}))
    return out


def epoch_seconds(summaries: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Median wall seconds per epoch, per strategy, of the given runs' summaries (those with
    a positive `wall_s` and `epochs_run`; the caller chooses runs on the same data)."""
    per: dict[str, list[float]] = {}
    for s in summaries:
        wall, epochs = number(s.get("wall_s")), number(s.get("epochs_run"))
        if s.get("kind") == "classical" or not (wall > 0 and epochs > 0):
            continue
        per.setdefault(str(s.get("strategy")), []).append(wall / epochs)
    return {k: float(np.median(v)) for k, v in per.items()}


def epoch_costs(runs: Iterable[RunInfo], cfg: RunConfig, windows: int | None = None, *,
                sweep: bool = False) -> EpochCosts:
    """What an epoch of a run of `cfg` costs on this machine, on the job manager's worker (or
    a local sweep's: `sweep`), learned from the stored `runs`: those with its data and
    settings (their median epoch per strategy, per series x its series); else, given its
    training `windows` (all series), those of its model kind scaled by `epoch_work`; else the
    first guess for the model kind (`WORK_SECONDS`); else (windows unknown) nothing.
    `epoch_seconds` takes the medians."""

    measured = _measured(runs, sweep)
    members = len(cfg.data.members())
    same = [r for r in measured if _cost_setup(r.config) == _cost_setup(cfg)]
    if same:
        per_series = epoch_seconds([{**r.summary, "wall_s": r.summary["wall_s"]
                                     / len(r.config.data.members())} for r in same])
        t = cfg.train
        alike = [r.summary["epochs_run"] / r.config.train.epochs for r in same
                 if (r.config.train.epochs, r.config.train.patience, r.config.train.min_delta)
                 == (t.epochs, t.patience, t.min_delta)]
        return EpochCosts({k: v * members for k, v in per_series.items()}, len(same), SAME,
                          min(1.0, float(np.median(alike))) if alike else 1.0)
    if windows is None:
        return EpochCosts({})
    work = epoch_work(cfg, windows)
    kin = [r for r in measured if r.config.model.kind == cfg.model.kind
           and (r.summary.get("n_train") or 0) > 0]
    if kin:
        rates = epoch_seconds([{**r.summary, "wall_s": r.summary["wall_s"] / epoch_work(
            r.config, r.summary["n_train"])} for r in kin])
        return EpochCosts({k: v * work for k, v in rates.items()}, len(kin), SCALED)
    guess = WORK_SECONDS.get(cfg.model.kind, max(WORK_SECONDS.values()))
    return EpochCosts({BASELINE: guess * work * (SWEEP_SLOWDOWN if sweep else 1.0)}, 0, GUESS)


@dataclass(frozen=True)
class Estimate:
    """A comparison's time before its launch: each run's expected seconds in launch order
    (the first includes `start_s`, the job workers' start), from `costs`, trained `lanes` at
    a time (the job manager's lanes)."""

    runs: tuple[float, ...]
    costs: EpochCosts
    start_s: float = 0.0
    lanes: int = 1

    @property
    def seconds(self) -> float:
        """The comparison's wall time: the runs in launch order, each on the lane free first,
        after the workers' start."""
        if not self.runs:
            return 0.0
        return self.start_s + makespan([self.runs[0] - self.start_s, *self.runs[1:]],
                                       self.lanes)


def makespan(seconds: Sequence[float], lanes: int, busy: Sequence[float] = ()) -> float:
    """When the last of `seconds` ends, each started in order on the lane free first; `busy`:
    the seconds the lanes are still taken by runs under way.

    >>> makespan([3, 3, 3], 1), makespan([3, 3, 3], 2), makespan([1], 2, busy=[5])
    (9.0, 6.0, 5.0)
    """
    free = sorted([*busy, *[0.0] * max(1, lanes)])[-max(1, lanes):]  # a heap: sorted
    for sec in seconds:
        heapq.heappush(free, heapq.heappop(free) + float(sec))
    return float(max(free))


def comparison_estimate(configs: Sequence[RunConfig], costs: EpochCosts,
                        start_s: float = 0.0, lanes: int = 1) -> Estimate:
    """How long a comparison of `configs` (one run each, `lanes` at a time) takes at the
    learned costs: each run's planned epochs x the share stored runs ran (early stopping) at its
    strategy's seconds per epoch, plus `RUN_OVERHEAD_S`; the first run also waits `start_s` for
    the job worker to start (0 when it is up). A strategy not measured costs full data's epoch
    x its keep ratio (the share of windows it trains; measured here: rs2 0.6 and gradient-norm
    top-k 0.65 of full data's epoch at keep 0.7), else the median of those measured; nothing
    measured: `DEFAULT_EPOCH_S` per series."""
    per = costs.per_epoch
    out = []
    for k, c in enumerate(configs):
        keep = float(c.train.strategy_params.get("keep_ratio", 1.0))
        rate = (per[c.train.strategy] if c.train.strategy in per
                else per[BASELINE] * keep if BASELINE in per
                else float(np.median(list(per.values()))) if per
                else DEFAULT_EPOCH_S * len(c.data.members()))
        out.append(RUN_OVERHEAD_S + c.train.epochs * costs.epoch_share * rate
                   + (start_s if k == 0 else 0.0))
    return Estimate(tuple(out), costs, start_s, max(1, lanes))


def _runs_words(n: int) -> str:
    return f"{n} stored run{'s' if n != 1 else ''}"


def cost_basis(costs: EpochCosts) -> str:
    """Where `costs` come from, in words: "from the measured epochs of 3 stored runs on this
    data with these settings"."""
    return {
        SAME: f"from the measured epochs of {_runs_words(costs.runs)} on this data with these "
              "settings",
        SCALED: f"from {_runs_words(costs.runs)} of this model kind on other data or "
                "settings, scaled to these windows (a rough guide)",
        GUESS: "from a first guess for this model on this machine (no run of it is stored "
               "yet)",
    }.get(costs.basis, f"from a default guess of {DEFAULT_EPOCH_S:g} s per epoch (no run on "
                       "this data is stored yet)")


def estimate_caption(est: Estimate) -> str:
    """ "About 1 min 10 s for this comparison (9 runs, one after another), from the measured
    epochs of 3 stored runs on this data with these settings. Early stopping can only shorten
    it." (`cost_basis`), with the job worker's start when it is counted."""
    from importance.sweep.view import duration_words

    workers = "the job workers" if est.lanes > 1 else "the job worker"
    start = (f", {duration_words(est.start_s)} of it to start {workers}" if est.start_s
             else "")
    n = len(est.runs)
    order = (f", {min(est.lanes, n)} at a time" if est.lanes > 1
             else ", one after another") if n != 1 else ""
    return (f"About {duration_words(est.seconds)} for this comparison ({n} run"
            f"{'s' if n != 1 else ''}{order}{start}), {cost_basis(est.costs)}. "
            "Early stopping can only shorten it.")


def estimate_outcome(jobs: Sequence[Any]) -> str:
    """ "estimated 30 s, took 28 s": the estimate stored at launch beside the time from the
    first job's start to the last one's end, for jobs (one, or a batch) that all finished
    training (done) with an estimate stored; "" otherwise. Controls the job manager added at
    the budget a strategy spent (no estimate at launch) are named, not estimated."""
    from importance.sweep.view import duration_words

    launched = [j for j in jobs if not getattr(j, "added", "")]
    if not launched or any(j.status != "done" or j.started is None or j.finished is None
                           for j in jobs) or any(getattr(j, "estimate_s", None) is None
                                                 for j in launched):
        return ""
    took = max(j.finished for j in jobs) - min(j.started for j in jobs)
    added = len(jobs) - len(launched)
    return (f"estimated {duration_words(sum(j.estimate_s for j in launched))}, took "
            f"{duration_words(took)}" + (f" (with {added} control run{'s' if added > 1 else ''}"
                                         " added at the budget spent)" if added else ""))


@dataclass(frozen=True)
class BatchProgress:
    """A comparison's overall progress: its runs, epochs done of those planned (a finished
    run counts all its planned epochs) and the seconds left at the measured epoch costs."""

    runs: int
    finished: int
    epochs_done: int
    epochs_total: int
    seconds_left: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.epochs_done / self.epochs_total) if self.epochs_total else 0.0

    def text(self) -> str:
        """ "1 of 3 runs finished · epoch 14 of 30 · about 40 s left" """
        from importance.sweep.view import duration_words

        return (f"{self.finished} of {self.runs} runs finished · epoch {self.epochs_done} of "
                f"{self.epochs_total} · about {duration_words(self.seconds_left)} left")


def _epoch_walls(jobs: Iterable[Any]) -> list[float]:
    return [float(h["wall_s"]) for j in jobs for h in j.history if h.get("wall_s")]


def batch_progress(jobs: Sequence[Any], costs: EpochCosts, lanes: int = 1) -> BatchProgress:
    """The progress of one batch's jobs (duck-typed `importance.runs.jobs.Job`). Each epoch
    left costs what the job's own epochs took so far, else what this batch's epochs of its
    strategy took (its other seeds), else its strategy's stored cost (`costs`), else its
    estimate at launch over its planned epochs, else the median epoch of this batch, else a
    default guess; a run not started adds `RUN_OVERHEAD_S`. Early stopping can only shorten
    the time left. Runs train `lanes` at a time: the time left is when the last one ends."""
    batch = _epoch_walls(jobs)
    done = total = finished = 0
    running: list[float] = []
    queued: list[float] = []
    for j in jobs:
        total += j.epochs
        if j.status not in ACTIVE:
            finished += 1
            done += j.epochs
            continue
        done += j.epoch
        mine = _epoch_walls([j]) or _epoch_walls([k for k in jobs if k.strategy == j.strategy])
        estimate = getattr(j, "estimate_s", None)
        rate = (float(np.median(mine)) if mine
                else costs.per_epoch[j.strategy] if j.strategy in costs.per_epoch
                else estimate / j.epochs if estimate is not None and j.epochs
                else float(np.median(batch)) if batch
                else DEFAULT_EPOCH_S * len(j.config.data.members()))
        if j.status == "queued":
            queued.append(j.epochs * rate + RUN_OVERHEAD_S)
        else:
            running.append(max(0, j.epochs - j.epoch) * rate)
    left = makespan(queued, lanes, busy=running) if running or queued else 0.0
    return BatchProgress(len(jobs), finished, done, total, left)

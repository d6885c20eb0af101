"""How long a compression session will take, from the sessions stored before it on this device.

Each stored variant keeps the seconds it took (`seconds`, building and fine-tuning included)
and each session the seconds its opening took (`open_seconds`: the data prepared, the
reference's forecasts), beside their run (`results`). A variant's seconds are split into

- the four metered inference phases (`Settings.energy_seconds` each, as long whatever the
  model),
- the passes over the test windows (its forecasts, then a warm-up pair and `rounds` timed
  pairs of it and the reference over the timed windows), from its stored latencies,
- its fine-tune (`finetune_s`), and what is left (building it, storing it, the metered
  phases' overrun).

For a new session each part is scaled to its run and settings: the passes by the run's
forward cost per window (its validation pass per epoch, measured when it trained) and its
windows, the fine-tune by the run's training epoch and the epochs asked, the metered phases
by their length. A variant's estimate is the median over the earlier measurements of its
kind (`kind_of`: the same family, fine-tuned or not). No streamlit, no torch.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = "compress.json"  # results.RESULTS (not imported: that module imports torch)
ENERGY_PHASES = 4  # measure.paired_energy: reference, variant, variant, reference


@dataclass(frozen=True)
class RunCost:
    """What a run's model costs here, from its own training: seconds of one forward pass
    per window (validation) and of one training epoch."""

    forward_s: float
    epoch_s: float


@dataclass(frozen=True)
class Measured:
    """One earlier measurement of a variant, in the parts that scale differently."""

    kind: str
    metered: bool  # whether its inference phases were metered (not skipped)
    window_s: float  # one pass of the variant and one of the reference, per window
    rest_s: float  # building and storing: as long for another run
    finetune_s: float
    finetune_epochs: int
    cost: RunCost  # of its run


@dataclass(frozen=True)
class Target:
    """The session to estimate: its run's cost and windows, and its settings."""

    cost: RunCost
    n_test: int
    settings: Any  # importance.compress.lab.Settings


@dataclass(frozen=True)
class SessionEstimate:
    """Seconds for the variants with earlier measurements (None: none had one), how many
    measurements they came from, and the variants with none."""

    seconds: float | None
    measurements: int
    unknown: tuple[str, ...]


def kind_of(name: str) -> str:
    """What a variant's time depends on: "structured-30-ft" -> "structured-ft"."""
    from importance.compress.variants import parse_variant  # torch: only when estimating

    spec = parse_variant(name)
    return spec.family + ("-ft" if spec.finetune else "")


def run_cost(summary: Mapping[str, Any]) -> RunCost:
    """A stored run's measured cost (its summary's epochs: the median validation pass over
    its test windows' count, the splits being of one size, and the median training epoch;
    0 where it has none)."""
    epochs = [e for e in summary.get("epochs") or [] if isinstance(e, Mapping)]
    evals = [float(e["eval_s"]) for e in epochs if e.get("eval_s")]
    trains = [float(e["training_s"]) for e in epochs if e.get("training_s")]
    n = int(summary.get("n_test") or 0)
    return RunCost(statistics.median(evals) / n if evals and n else 0.0,
                   statistics.median(trains) if trains else 0.0)


def target(summary: Mapping[str, Any], settings: Any) -> Target:
    """The session of a stored run (its summary) with `settings`
    (`importance.compress.lab.Settings`)."""
    return Target(run_cost(summary), int(summary.get("n_test") or 0), settings)


def _pairs(rounds: int) -> int:
    """Passes of each model over the timed windows: a warm-up and `rounds` timed ones
    (`measure.paired_latency`)."""
    return rounds + 1


def stored(runs: Iterable[tuple[Path, Mapping[str, Any]]], device: str
           ) -> tuple[list[Measured], list[float]]:
    """The timed variant measurements of sessions on `device` beside `runs` (run folder,
    summary), and the seconds of each session's opening; results that cannot be read are
    passed over (the Compress page names them when their run is shown)."""
    variants, openings = [], []
    for path, summary in runs:
        try:
            res = json.loads((path / RESULTS).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        # the session's device (its int8 variants run on the CPU whatever it is)
        if not isinstance(res, dict) or res.get("device") != device:
            continue
        settings = res.get("settings") or {}
        rounds, timed = int(settings.get("rounds", 0)), int(res.get("windows_timed") or 0)
        phases = ENERGY_PHASES * float(settings.get("energy_seconds") or 0.0)
        n_test, cost = int(res.get("n_test") or 0), run_cost(summary)
        if isinstance(res.get("open_seconds"), int | float):
            openings.append(float(res["open_seconds"]))
        for v in res.get("variants") or []:
            if not isinstance(v, dict) or not isinstance(v.get("seconds"), int | float):
                continue
            try:
                kind = kind_of(str(v.get("name")))
            except ValueError:
                continue
            metered = v.get("status") == "measured"
            var = float(v.get("latency_ms_per_1000") or 0.0) / 1e6  # seconds per window
            ref = float(v.get("ref_latency_ms_per_1000") or 0.0) / 1e6
            passes = var * n_test + _pairs(rounds) * (var + ref) * timed
            tune = float(v.get("finetune_s") or 0.0)
            # what is left includes the phases' overrun (the meter's start and stop, a last
            # pass): as long whatever their length
            rest = max(float(v["seconds"]) - passes - (phases if metered else 0.0) - tune,
                       0.0)
            variants.append(Measured(kind, metered, (var + ref) / 2, rest, tune,
                                     int(v.get("finetune_epochs") or 0), cost))
    return variants, openings


def _ratio(a: float, b: float) -> float:
    return a / b if a > 0 and b > 0 else 1.0


def _scaled(m: Measured, t: Target) -> float:
    """`m`'s seconds for the target's run and settings."""
    s = t.settings
    if not m.metered:
        return m.rest_s
    window = m.window_s * _ratio(t.cost.forward_s, m.cost.forward_s)
    timed = min(t.n_test, s.max_windows)
    passes = window * t.n_test + _pairs(s.rounds) * 2 * window * timed
    tune = 0.0
    if m.finetune_s:
        tune = (m.finetune_s * _ratio(t.cost.epoch_s, m.cost.epoch_s)
                * _ratio(s.finetune_epochs, m.finetune_epochs))
    return ENERGY_PHASES * s.energy_seconds + passes + tune + m.rest_s


def estimate(names: Sequence[str], t: Target, measured: Sequence[Measured],
             openings: Sequence[float]) -> SessionEstimate:
    """The session's seconds: per variant, the median of its kind's earlier measurements
    scaled to `t`; plus the median opening, when any was stored."""
    total, used, unknown = 0.0, set(), []
    for name in names:
        same = [k for k, m in enumerate(measured) if m.kind == kind_of(name)]
        if not same:
            unknown.append(name)
            continue
        total += statistics.median(_scaled(measured[k], t) for k in same)
        used.update(same)  # two variants of one kind draw on the same measurements
    if not used:
        return SessionEstimate(None, 0, tuple(unknown))
    if openings:
        total += statistics.median(openings)
    return SessionEstimate(total, len(used), tuple(unknown))


def estimate_words(est: SessionEstimate, n_variants: int) -> str:
    """The estimate as a sentence, saying what it comes from (or that nothing does)."""
    from importance.sweep.view import duration_words

    if est.seconds is None:
        return ("No earlier measurement on this device to estimate the time from: this first "
                "session is timed, and its times estimate the next ones.")
    earlier = f"{est.measurements} earlier measurement{'s' if est.measurements != 1 else ''}"
    basis = (f"from {earlier} on this device, scaled to this run's model and windows by "
             "what its training measured")
    if not est.unknown:
        return f"Estimated time: about {duration_words(est.seconds)} ({basis})."
    known = n_variants - len(est.unknown)
    return (f"Estimated time: about {duration_words(est.seconds)} for {known} of the "
            f"{n_variants} variants ({basis}); no earlier measurement of "
            f"{', '.join(est.unknown)}: add its time to that.")

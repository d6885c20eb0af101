"""How long a compression session will take, from the sessions stored before it on this device.

Each stored variant keeps the seconds it took (`seconds`, building and fine-tuning included)
and each session the seconds its opening took (`open_seconds`: the data prepared, the
reference's forecasts), beside their run (`results`). A new variant's time is the median of
the earlier measurements of its kind (`kind_of`: the same family, fine-tuned or not) on the
same device, split into what does not grow with the model (the four metered inference phases
of `Settings.energy_seconds` each) and what does: the rest scaled by the model's work over
the test windows (`importance.estimate.epoch_work`), and the fine-tune by its work over the
training windows and its epochs. No streamlit, no torch.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importance.config import RunConfig
from importance.estimate import epoch_work

RESULTS = "compress.json"  # results.RESULTS (not imported: that module imports torch)
ENERGY_PHASES = 4  # measure.paired_energy: reference, variant, variant, reference


@dataclass(frozen=True)
class Measured:
    """One earlier measurement of a variant: its kind, seconds and what they scale with."""

    kind: str
    seconds: float
    fixed_s: float  # the metered phases' minimum length
    finetune_s: float
    test_work: float
    train_work: float  # one epoch's
    finetune_epochs: int


@dataclass(frozen=True)
class Target:
    """The session to estimate: its run's work and the settings it will measure with."""

    test_work: float
    train_work: float
    energy_seconds: float
    finetune_epochs: int


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


def target(cfg: RunConfig, summary: Mapping[str, Any], energy_seconds: float,
           finetune_epochs: int) -> Target:
    """The work of a stored run (its config and summary) for a session with these settings."""
    return Target(epoch_work(cfg, int(summary.get("n_test") or 0)),
                  epoch_work(cfg, int(summary.get("n_train") or 0)), energy_seconds,
                  finetune_epochs)


def stored(runs: Iterable[tuple[Path, RunConfig, Mapping[str, Any]]], device: str
           ) -> tuple[list[Measured], list[tuple[float, float]]]:
    """The timed variant measurements of sessions on `device` beside `runs` (run folder,
    config, summary), and each session opening's (seconds, test work); results that cannot be
    read are passed over (the Compress page names them when their run is shown)."""
    variants, openings = [], []
    for path, cfg, summary in runs:
        try:
            res = json.loads((path / RESULTS).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        # the session's device (its int8 variants run on the CPU whatever it is)
        if not isinstance(res, dict) or res.get("device") != device:
            continue
        tgt = target(cfg, summary, 0.0, 0)
        fixed = ENERGY_PHASES * float((res.get("settings") or {}).get("energy_seconds", 0.0))
        if isinstance(res.get("open_seconds"), int | float):
            openings.append((float(res["open_seconds"]), tgt.test_work))
        for v in res.get("variants") or []:
            if not isinstance(v, dict) or not isinstance(v.get("seconds"), int | float):
                continue
            try:
                kind = kind_of(str(v.get("name")))
            except ValueError:
                continue
            measured = v.get("status") == "measured"
            variants.append(Measured(kind, float(v["seconds"]), fixed if measured else 0.0,
                                     float(v.get("finetune_s") or 0.0), tgt.test_work,
                                     tgt.train_work, int(v.get("finetune_epochs") or 0)))
    return variants, openings


def _ratio(a: float, b: float) -> float:
    return a / b if a > 0 and b > 0 else 1.0


def _scaled(m: Measured, t: Target) -> float:
    """`m`'s seconds for the target's run and settings."""
    fixed = ENERGY_PHASES * t.energy_seconds if m.fixed_s else 0.0
    rest = max(m.seconds - m.fixed_s - m.finetune_s, 0.0) * _ratio(t.test_work, m.test_work)
    tune = 0.0
    if m.finetune_s:
        tune = (m.finetune_s * _ratio(t.train_work, m.train_work)
                * _ratio(t.finetune_epochs, m.finetune_epochs))
    return fixed + rest + tune


def estimate(names: Sequence[str], t: Target, measured: Sequence[Measured],
             openings: Sequence[tuple[float, float]]) -> SessionEstimate:
    """The session's seconds: per variant, the median of its kind's earlier measurements
    scaled to `t`; plus the median opening scaled by the test work, when any was stored."""
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
        total += statistics.median(s * _ratio(t.test_work, w) for s, w in openings)
    return SessionEstimate(total, len(used), tuple(unknown))


def estimate_words(est: SessionEstimate, n_variants: int) -> str:
    """The estimate as a sentence, saying what it comes from (or that nothing does)."""
    from importance.sweep.view import duration_words

    if est.seconds is None:
        return ("No earlier measurement on this device to estimate the time from: this first "
                "session is timed, and its times estimate the next ones.")
    earlier = f"{est.measurements} earlier measurement{'s' if est.measurements != 1 else ''}"
    if not est.unknown:
        return (f"Estimated time: about {duration_words(est.seconds)} (from {earlier} on this "
                "device, scaled to this run's windows and model).")
    known = n_variants - len(est.unknown)
    return (f"Estimated time: about {duration_words(est.seconds)} for {known} of the "
            f"{n_variants} variants (from {earlier} on this device, scaled to this run's "
            f"windows and model); no earlier measurement of {', '.join(est.unknown)}: "
            "add its time to that.")

"""Compress a stored run: build each variant, evaluate it on the run's test windows, measure it
against the uncompressed model in this process, and store it with the run (`results`).

Per variant: test MAE (original units) and its ratio to the reference's, drift (the largest
absolute difference between its forecasts and the reference's, original units), the stored
file's size raw and zipped, latency per 1,000 windows (`measure.paired_latency`), inference
energy per 1,000 windows (the project's meter, its method named), the fine-tune's time and
energy where there is one, the device and dtypes it ran with, and the seconds it took
(`seconds`, building included; the session's opening in `open_seconds`: what the next
estimate of a session's time learns from, `duration`). A variant that does not
apply to the model kind, or needs 16-bit arithmetic the device lacks (unless `insist`), is
listed with the reason instead; so is one whose kernels fail on the device (the error).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from importance.compress.build import Built, build, dtype_name
from importance.compress.finetune import FINETUNE_EPOCHS
from importance.compress.measure import (
    Runner,
    paired_energy,
    paired_latency,
    serialized,
    zipped_size,
)
from importance.compress.results import write_results, write_variant
from importance.compress.support import compute_support
from importance.compress.variants import DEFAULT_VARIANTS, VariantSpec, parse_variants
from importance.device import describe, pick_device
from importance.energy import EnergyMeter
from importance.metrics import mae
from importance.models import Forecaster, build_model
from importance.runs.store import RunStore, StoredRun
from importance.runtime import cores

MEASURED, UNSUPPORTED, NOT_APPLICABLE = "measured", "not supported here", "does not apply"
FAILED = "failed here"  # a kernel the device lacks (e.g. a 16-bit op): the error as reason


@dataclass(frozen=True)
class Settings:
    """How a compression session measures."""

    rounds: int = 21  # paired latency passes per variant (after one warm-up each)
    max_windows: int = 1024  # test windows timed (all of them are evaluated)
    # intra-op threads while measuring (a fine-tune may change them: reset after it). One per
    # serving process: timings stay stable when other processes want the cores (runtime.py)
    threads: int = 1
    energy_seconds: float = 2.0  # length of each of the 4 metered phases (paired_energy)
    finetune_epochs: int = FINETUNE_EPOCHS
    finetune_lr: float | None = None  # None: the run's peak learning rate
    insist: bool = False  # measure 16-bit compute even where the device lacks it natively


@dataclass
class _Session:
    run: StoredRun
    ws: Any  # the run's windowed series (importance.data.panel.Windowed)
    test_x: np.ndarray  # its test windows' inputs (N, T, F), gathered once
    device: torch.device
    meter: EnergyMeter
    settings: Settings
    ref: Runner
    ref_pred: np.ndarray  # (N, horizon) original units
    actual: np.ndarray
    ref_mae: float
    ref_size: int

    @property
    def timed(self) -> np.ndarray:
        return self.test_x[:self.settings.max_windows]

    def reference_on(self, device: torch.device) -> Runner:
        """The fp32 reference on `device`: a variant is timed and metered against the
        reference on its own device (int8 runs on the CPU only, whatever the session's)."""
        if device == self.ref.device:
            return self.ref
        return Runner(copy.deepcopy(self.ref.model).to(device), device)


def reference(run: StoredRun, ws: Any, device: torch.device) -> Forecaster:
    """The run's model rebuilt from its stored weights, on `device`, in eval mode."""
    cfg = run.config
    model = build_model(cfg.model, n_features=ws.n_features, lookback=cfg.window.lookback,
                        horizon=cfg.window.horizon)
    model.load_state_dict(run.state_dict())
    return model.to(device).eval()


def _open(run: StoredRun, meter: EnergyMeter, settings: Settings) -> _Session:
    from importance.experiment import prepare

    ws = prepare(run.config.data, run.config.window)
    device = pick_device()
    ref = Runner(reference(run, ws, device), device)
    actual = ws.actual("test")
    test_x = ws.test.x[:]  # the lazy windows gathered: every variant forecasts all of them
    ref_pred = ws.inverse("test", ref.forecasts(test_x))
    return _Session(run, ws, test_x, device, meter, settings, ref, ref_pred, actual,
                    mae(actual, ref_pred), (run.path / "model.pt").stat().st_size)


def _skipped(spec: VariantSpec, status: str, reason: str, device: str) -> dict[str, Any]:
    return {"name": spec.name, "label": spec.label, "family": spec.family, "status": status,
            "reason": reason, "device": device, "file": None}


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _measure(spec: VariantSpec, built: Built, s: _Session) -> dict[str, Any]:
    """Evaluate, time, meter and store one built variant."""
    runner = built.runner
    ref = s.reference_on(runner.device)  # compared on one stated device
    pred = s.ws.inverse("test", runner.forecasts(s.test_x))
    lat = paired_latency(ref, runner, s.timed, s.settings.rounds)
    energy = paired_energy(s.meter, ref, runner, s.timed, lat, s.settings.energy_seconds)
    if built.state is None:  # the reference: the run's own file
        file, data = "model.pt", (s.run.path / "model.pt").read_bytes()
    else:
        data = serialized(built.state)
        file = write_variant(s.run.path, spec.name, data)
    test_mae = mae(s.actual, pred)
    ft = built.details.get("finetune") or {}
    support = compute_support(runner.dtype, runner.device)
    return {
        "name": spec.name, "label": spec.label, "family": spec.family, "status": MEASURED,
        "reason": "" if support.ok else f"measured although {support.reason}",
        "device": describe(runner.device), "device_type": runner.device.type,
        "ref_device": describe(ref.device),  # the fp32 reference its ratios are against
        "compute_dtype": dtype_name(runner.dtype), "storage_dtype": built.storage_dtype,
        "model": asdict(built.model), "format": built.file_format, "file": file,
        "test_mae": test_mae, "mae_ratio": _ratio(test_mae, s.ref_mae),
        "drift_max": float(np.abs(pred - s.ref_pred).max()) if len(pred) else 0.0,
        "size_bytes": len(data), "size_zipped_bytes": zipped_size(data),
        "size_ratio": len(data) / s.ref_size,
        "latency_ms_per_1000": lat.ms_per_1000, "ref_latency_ms_per_1000": lat.ref_ms_per_1000,
        "latency_ratio": lat.ratio, "latency_rounds": lat.rounds,
        "energy_kwh_per_1000": energy.kwh_per_1000,
        "ref_energy_kwh_per_1000": energy.ref_kwh_per_1000,
        "energy_ratio": _ratio(energy.kwh_per_1000, energy.ref_kwh_per_1000),
        "energy_seconds": energy.seconds, "energy_windows": energy.windows,
        "finetune_epochs": ft.get("epochs", 0), "finetune_s": ft.get("seconds", 0.0),
        "finetune_kwh": ft.get("kwh", 0.0) if ft else 0.0,
        "finetune_backprop": ft.get("samples_backprop", 0),
        **{k: v for k, v in built.details.items() if k != "finetune"},
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _one(spec: VariantSpec, s: _Session, cancel: threading.Event | None) -> dict[str, Any]:
    where = describe(s.device)
    why = spec.not_applicable(s.run.config.model.kind)
    if why:
        return _skipped(spec, NOT_APPLICABLE, why, where)
    if spec.family == "compute":
        support = compute_support(spec.dtype, s.device)
        if not support.ok and not s.settings.insist:
            return _skipped(spec, UNSUPPORTED, support.reason, where)
    try:
        built = build(spec, s.ref.model, s.run.config, s.device, ws=s.ws, meter=s.meter,
                      finetune_epochs=s.settings.finetune_epochs,
                      finetune_lr=s.settings.finetune_lr, cancel=cancel)
        torch.set_num_threads(s.settings.threads)  # the fine-tune's trainer may change it
        return _measure(spec, built, s)
    except RuntimeError as exc:  # torch has no such kernel here (or it broke): say so
        return _skipped(spec, FAILED, f"{type(exc).__name__}: {exc}".splitlines()[0], where)


def compress_run(store: RunStore, run_id: str,
                 variants: Sequence[str | VariantSpec] | str | None = None, *,
                 settings: Settings = Settings(), meter: EnergyMeter | None = None,
                 on_progress: Callable[[int, int, str], None] | None = None,
                 cancel: threading.Event | None = None) -> dict[str, Any]:
    """Build, measure and store `variants` (names or specs; default `DEFAULT_VARIANTS`) of
    the stored run `run_id`; return this session's results (`variants` in the order asked).

    Each variant's results are stored as soon as it is measured. Raises KeyError for an
    unknown run, ValueError for an unknown variant (before any work), and
    `importance.training.Cancelled` when `cancel` is set (between variants or during a
    fine-tune; variants measured until then stay stored).
    """
    names = variants if isinstance(variants, str) else [
        v.name if isinstance(v, VariantSpec) else v for v in variants or DEFAULT_VARIANTS]
    specs = parse_variants(names)  # ValueError naming an unknown variant, before any work
    run = store.load(run_id)
    meter = meter or EnergyMeter(run.config.train.country, run.config.train.grid_source)
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        return _session(run, specs, settings, meter, on_progress, cancel)
    finally:
        torch.set_num_threads(threads)


def _session(run: StoredRun, specs: list[VariantSpec], settings: Settings, meter: EnergyMeter,
             on_progress: Callable[[int, int, str], None] | None,
             cancel: threading.Event | None) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    s = _open(run, meter, settings)
    session: dict[str, Any] = {
        "run_id": run.run_id, "device": describe(s.device), "torch": torch.__version__,
        "threads": settings.threads, "cores": cores(),
        "shape": {"n_features": s.ws.n_features, "lookback": run.config.window.lookback,
                  "horizon": run.config.window.horizon},
        "n_test": len(s.ws.test), "windows_timed": len(s.timed),
        "open_seconds": time.perf_counter() - start,
        "settings": asdict(settings),
        "reference": {"test_mae": s.ref_mae, "stored_test_mae": run.summary.get("test_mae"),
                      "size_bytes": s.ref_size,
                      "size_zipped_bytes": zipped_size((run.path / "model.pt").read_bytes())},
    }
    entries = []
    for i, spec in enumerate(specs):
        if on_progress is not None:
            on_progress(i, len(specs), spec.name)
        if cancel is not None and cancel.is_set():
            from importance.training import Cancelled

            raise Cancelled("cancelled by the user")
        began = time.perf_counter()
        entries.append({**_one(spec, s, cancel), "seconds": time.perf_counter() - began})
        method = meter.method.to_dict() if meter.method else {}  # known after a reading
        session["energy_method"] = method.get("summary", "")
        session["energy_method_detail"] = method
        session["load_1m"] = [load_before, os.getloadavg()[0]]  # at the start and now
        session["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write_results(run.path, {**session, "variants": [entries[-1]]})
    if on_progress is not None:
        on_progress(len(specs), len(specs), "")
    return {**session, "variants": entries}

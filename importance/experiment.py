"""One run end to end: data -> windows -> model -> train with a strategy -> test -> store."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from importance import runtime
from importance.config import DataConfig, RunConfig, WindowConfig
from importance.data import DataError, LoadedSeries, cache, load
from importance.data import load_members as data_members
from importance.data.loader import source_key
from importance.data.panel import Windowed, WindowedPanel, make_panel, panel_label
from importance.data.quality import partial_last
from importance.data.steps import check_fits
from importance.data.windows import make_windows
from importance.device import describe as describe_device
from importance.device import pick_device
from importance.energy import EnergyMeter, total
from importance.metrics import forecast_metrics, mase, mase_scales, pooled_mase
from importance.models import build_model
from importance.runs.memory import check_device
from importance.runs.store import COMPLETED, RunArtifacts, RunStore
from importance.stopping import by_score_until_best, ending
from importance.strategies import make_strategy
from importance.timeaxis import stored, to_ns, tz_name
from importance.training import EpochEvent, TrainResult, evaluate, predict, train


def load_data(data: DataConfig) -> LoadedSeries:
    """The one series `data` names (`load_members` for several), loaded once per process while
    its file is unchanged (`importance.data.cache`)."""
    return load(data)


def load_members(data: DataConfig) -> tuple[LoadedSeries, ...]:
    """Each series `data` names: one, or several for a panel, the file parsed once for all
    (`importance.data.load_members`, kept per process)."""
    return data_members(data)


def window_series(loaded: Sequence[LoadedSeries], window: WindowConfig) -> Windowed:
    """The windows of loaded series: one series' (`make_windows`), or several as one
    training set (`WindowedPanel`)."""
    if len(loaded) > 1:
        return make_panel([s.values for s in loaded], [str(s.series) for s in loaded], window)
    return make_windows(loaded[0].values, window)


@functools.lru_cache(maxsize=8)
def _windows(data: DataConfig, window: WindowConfig,
             source: cache.SourceKey) -> Windowed:
    return window_series(load_members(data), window)


def prepare(data: DataConfig, window: WindowConfig) -> Windowed:
    """The windowed series (several series: `WindowedPanel`) for a data + window config, kept
    per process while the file is unchanged."""
    return _windows(data, window, source_key(data.path))


def preflight(cfg: RunConfig, loaded: Sequence[LoadedSeries] | None = None) -> None:
    """Refuse, before any training, a run whose data or window cannot work (DataError, a
    ValueError naming the series).

    Checks that every series (`loaded`: the series of `cfg.data` as loaded already; else
    loaded here) is not constant and holds the window in three splits, then windows them.
    """
    loaded = load_members(cfg.data) if loaded is None else loaded
    for one in loaded:
        name = f"{one.label} ({one.source})"
        if one.constant:
            raise DataError(f"{name}: the series is constant (every value is "
                            f"{one.values.iloc[0]:g}): there is nothing to forecast")
        check_fits(len(one.values), cfg.window, one.freq, name)
    prepare(cfg.data, cfg.window)


def new_run_id(strategy: str) -> str:
    """A new run's id: its UTC time to the microsecond first, so the store's name order is the
    order runs finished in (a batch's runs often finish within one second)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    return f"{stamp}-{strategy}-{secrets.token_hex(3)}"


def _totals(result: TrainResult) -> dict[str, float | None]:
    recs = result.records
    return {
        "samples_forward": int(sum(r.samples_forward for r in recs)),
        "samples_backprop": int(sum(r.samples_backprop for r in recs)),
        "samples_scoring_backprop": int(sum(r.samples_scoring_backprop for r in recs)),
        "scoring_s": sum(r.scoring_s for r in recs),
        "in_pass_scoring_s": sum(r.in_pass_scoring_s for r in recs),
        "training_s": sum(r.training_s for r in recs),
        "eval_s": sum(r.eval_s for r in recs),
        "wall_s": sum(r.wall_s for r in recs),
        "scoring_kwh": total(r.scoring_kwh for r in recs),  # None: some reading failed
        "energy_kwh": total(r.energy_kwh for r in recs),
        "emissions_kg": total(r.emissions_kg for r in recs),
    }


def _predictions_frame(ws: Windowed, pred: np.ndarray) -> pd.DataFrame:
    """Test forecasts, one row per window and step; times as stored (`timeaxis.stored`).
    A panel's frame starts with a `series` column (its series' windows one after another)."""
    h = ws.config.horizon
    panel = isinstance(ws, WindowedPanel)
    parts = (zip(ws.series, ws.slices("test"), strict=True) if panel
             else [(ws.series, slice(0, len(ws.test)))])
    origins, times, actual = [], [], []
    for series, sl in parts:
        start = ws.test.start[sl]
        pos = (start[:, None] + np.arange(h)).ravel()
        idx = stored(series.index)
        origins.append(idx[np.repeat(start, h)])
        times.append(idx[pos])
        actual.append(series.to_numpy()[pos])
    frame = pd.DataFrame({
        "origin": origins[0].append(origins[1:]),
        "step": np.tile(np.arange(1, h + 1), len(ws.test)),
        "time": times[0].append(times[1:]),
        "actual": np.concatenate(actual),
        "forecast": pred.ravel(),
    })
    if panel:
        frame.insert(0, "series", np.repeat(ws.names, [h * (sl.stop - sl.start)
                                                        for sl in ws.slices("test")]))
    return frame


def _accuracy(ws: Windowed, pred: np.ndarray) -> dict[str, Any]:
    """Test MAE, RMSE and sMAPE over every test window (original units; a panel's pooled over
    its series) and the MASE (`metrics.mase`): one series' own, or a panel's mean over its
    series (`metrics.pooled_mase`) with `per_series`, each series' metrics and MASE."""
    actual, scales = ws.actual("test"), mase_scales(ws)
    m = forecast_metrics(actual, pred)
    out: dict[str, Any] = {"test_mae": m["mae"], "test_rmse": m["rmse"],
                           "test_smape": m["smape"]}
    if not isinstance(ws, WindowedPanel):
        return out | {"test_mase": mase(actual, pred, scales[None])}
    rows = []
    for name, sl in zip(ws.names, ws.slices("test"), strict=True):
        m = forecast_metrics(actual[sl], pred[sl])
        rows.append({"series": name, "n_test": sl.stop - sl.start, "test_mae": m["mae"],
                     "test_rmse": m["rmse"], "test_smape": m["smape"],
                     "test_mase": mase(actual[sl], pred[sl], scales[name])})
    return out | pooled_mase({r["series"]: r["test_mase"] for r in rows}) | {"per_series": rows}


def run_experiment(cfg: RunConfig, *, store: RunStore,
                   on_event: Callable[[EpochEvent], None] | None = None,
                   cancel: threading.Event | None = None,
                   meter: EnergyMeter | None = None, batch: str = "") -> str:
    """Train one run as configured, evaluate it on the test windows, save it; return its id.
    (`train_run`, then `store.save`.)

    Only a completed run is stored (its summary says `"ended": "completed"`; a run that early
    stopping ended is completed, with `"stopped_early": true`). A run cut short stores
    nothing and raises: `Cancelled` when `cancel` is set, and
    `NonFiniteLoss` (a ValueError whose message names the epoch, the batch and the learning
    rate) when training diverges; a diverged model is no result, so the caller reports the
    message (the CLI exits 2 with it, a job shows it as failed) instead of keeping it.

    Several series (`cfg.data.is_panel`) train one model on all their windows
    (`importance.data.panel`); validation (early stopping, best epoch) and the test metrics
    are pooled over every window in original units, the MASE is the mean over the series that
    have one (`summary["mase_series"]`, `summary["mase_excluded"]`), and
    `summary["per_series"]` holds each series' test metrics and MASE.
    """
    run = train_run(cfg, on_event=on_event, cancel=cancel, meter=meter, batch=batch)
    store.save(run)
    return run.run_id


def train_run(cfg: RunConfig, *, on_event: Callable[[EpochEvent], None] | None = None,
              cancel: threading.Event | None = None,
              meter: EnergyMeter | None = None, batch: str = "") -> RunArtifacts:
    """`run_experiment` without the saving: everything a finished run writes, in memory
    (small and picklable, so a sweep's worker can return it and the driver store it). Raises
    as `run_experiment` does."""
    strategy = make_strategy(cfg.train.strategy, **cfg.train.strategy_params)
    loaded = load_members(cfg.data)
    preflight(cfg, loaded)
    ws = prepare(cfg.data, cfg.window)
    meter = meter or EnergyMeter(cfg.train.country, cfg.train.grid_source)
    torch.manual_seed(cfg.train.seed)
    device = pick_device()
    if device.type == "cuda":  # a seed reproduces its run: no autotuned, nondeterministic kernels
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
        points = [len(s.values) for s in loaded] if len(loaded) > 1 else len(loaded[0].values)
        check_device(cfg, points, ws.n_features, describe_device(device),
                     torch.cuda.mem_get_info(device)[0])  # the whole training set moves there
    model = build_model(cfg.model, n_features=ws.n_features, lookback=cfg.window.lookback,
                        horizon=cfg.window.horizon).to(device)
    result = train(model, ws, strategy, cfg.train, meter=meter, on_event=on_event, cancel=cancel)
    test_pred, _ = evaluate(model, ws, "test")
    train_pred = ws.inverse("train", predict(model, ws.train.x))
    train_err = np.abs(train_pred - ws.actual("train")).mean(axis=1)
    run_id = new_run_id(strategy.name)
    method = meter.method.to_dict() if meter.method else {}
    epochs = [r.to_dict() for r in result.records]
    summary: dict[str, Any] = {
        "run_id": run_id, "strategy": strategy.name, "label": strategy.label,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "series_label": panel_label(loaded), "source": loaded[0].source,
        "series_tz": tz_name(loaded[0].values.index),  # None: naive wall-clock times, no zone
        # a panel's test metrics are pooled over its series' windows (MASE: the mean over its
        # series), with each series' in `per_series`
        **_accuracy(ws, test_pred),
        **_totals(result),
        "energy_method": method.get("summary", ""), "energy_method_detail": method,
        # how it shared this machine: mean runs measured at once (itself included), the
        # torch threads it trained on (at most, when adaptive) and the cores it could use
        "concurrent_runs": round(meter.shared, 3), "threads": runtime.max_threads(),
        "cores": runtime.cores(), "gpu_kwh": meter.gpu_kwh,
        # where it trained: runs on other devices are never paired (verdict.device_key)
        "device": {"kind": device.type, "name": describe_device(device),
                   "count": torch.cuda.device_count() if device.type == "cuda" else 1},
        # epochs planned and run, stopped early, best epoch (from 0), cost after the best
        **ending(epochs, cfg.train.epochs),
        "best_epoch_by_score": by_score_until_best(epochs),
        "n_train": len(ws.train), "n_test": len(ws.test),
        # a last value that looks cut short lies in the test windows: a caveat on accuracy
        "partial_last_period": any(partial_last(s.values, s.freq) for s in loaded),
        "ended": COMPLETED,  # absent from runs stored before: read as completed
        # the launch it belongs to (the job manager's batch; "" from the command line): the
        # pages group a comparison by it, whatever order its runs finished in
        "batch": batch,
        "epochs": epochs,
    }
    times = to_ns(ws.target_times("train"))  # UTC when aware, wall-clock when naive
    arrays = {
        "scores": result.scores, "selected_bits": np.packbits(result.selected, axis=1),
        "weights": result.weights, "n_train": np.int64(len(ws.train)),
        "train_time_ns": times, "train_abs_error": train_err.astype(np.float32),
        "train_actual": ws.actual("train")[:, 0].astype(np.float32),
    }
    if isinstance(ws, WindowedPanel):  # each train window's series: an index into its names
        arrays["train_series"] = ws.owner("train").astype(np.int32)
    return RunArtifacts(run_id, cfg, summary, arrays, _predictions_frame(ws, test_pred),
                        {k: v.cpu() for k, v in model.state_dict().items()})



class OverBudget(ValueError):
    """A classical model whose fits over a panel's series would take longer than asked."""


def run_classical(name: str, data: DataConfig, window: WindowConfig, *,
                  meter: EnergyMeter, budget_s: float | None = None) -> dict[str, Any]:
    """`fit_classical`'s summary."""
    return fit_classical(name, data, window, meter=meter, budget_s=budget_s)[0]


def fit_classical(name: str, data: DataConfig, window: WindowConfig, *,
                  meter: EnergyMeter, budget_s: float | None = None
                  ) -> tuple[dict[str, Any], np.ndarray]:
    """Fit and forecast one classical baseline on the neural runs' test windows: its summary
    and its test forecasts (N, horizon) in original units.

    The summary has the same keys as a neural run's (no backprop, no run folder);
    wall time and energy are measured the same way, around fit + forecast (the library's
    import kept out). On several series the model is fitted to each on its own; metrics are
    pooled, with `per_series` as a run's. With `budget_s`, a panel's first fit is timed and
    `OverBudget` raised when that time over all its series would exceed the budget.
    """
    from importance.classical import forecast_classical, load_library

    ws = prepare(data, window)
    parts = [prepare(d, window) for d in data.members()] if data.is_panel else [ws]
    load_library(name)
    with meter.phase("classical") as e:
        start = time.perf_counter()
        fcs = [forecast_classical(name, parts[0])]  # a panel: one fit per series
        first = time.perf_counter() - start
        if budget_s is not None and first * len(parts) > budget_s:
            raise OverBudget(f"{first:.2f} s on the first series, about "
                             f"{first * len(parts):,.0f} s for all {len(parts):,}: over the "
                             f"{budget_s:,.3g} s asked for each model")
        fcs += [forecast_classical(name, p) for p in parts[1:]]
    pred = np.concatenate([fc.predictions for fc in fcs])
    method = meter.method.to_dict() if meter.method else {}
    loaded = load_members(data)
    params = (fcs[0].params if len(fcs) == 1 else
              {str(d.series): fc.params for d, fc in zip(data.members(), fcs, strict=True)})
    return {
        "run_id": None, "strategy": name, "label": fcs[0].label, "kind": "classical",
        "series_label": panel_label(loaded), "source": loaded[0].source,
        **_accuracy(ws, pred),  # as a neural run's: MASE and `per_series` on a panel
        "samples_forward": 0, "samples_backprop": 0, "samples_scoring_backprop": 0,
        "scoring_s": 0.0, "training_s": e.seconds,
        "eval_s": 0.0, "wall_s": e.seconds, "scoring_kwh": 0.0, "energy_kwh": e.energy_kwh,
        "emissions_kg": e.emissions_kg, "energy_method": method.get("summary", ""),
        "energy_method_detail": method, "fit_s": sum(fc.fit_s for fc in fcs),
        "predict_s": sum(fc.predict_s for fc in fcs), "params": params, "epochs": [],
    }, pred

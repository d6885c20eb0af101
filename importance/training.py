"""One trainer for every strategy: epochs, scoring, selection, events, cancel, costs."""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from importance import runtime
from importance.config import LR_SCHEDULES, TrainConfig
from importance.data.panel import Windowed
from importance.data.windows import WindowArray, Windows
from importance.energy import EnergyMeter, PhaseEnergy, total
from importance.metrics import forecast_metrics
from importance.models import per_sample_loss
from importance.scoring import (
    el2n_scores,
    score_windows,
    train_step_with_head_norms,
    train_step_with_losses,
    train_step_with_norms,
)
from importance.scoring.el2n import EL2N_DEFAULTS
from importance.scoring.embeddings import GRAND_DEFAULTS, grand_scores, head_view
from importance.scoring.norms import NORM_CLOCK
from importance.stopping import EarlyStopping
from importance.strategies import ScoreBook, ScoreRequest, Selection, Strategy
from importance.strategies.base import HeadView

EVAL_BATCH = 1024
LR_FLOOR = 0.05  # the cosine schedule ends at this fraction of the peak learning rate


def scheduled_lr(cfg: TrainConfig, progress: float) -> float:
    """Learning rate at `progress` in [0, 1] of the run's optimizer steps; cosine decays to
    the floor by the run's own last batch, whatever number of batches it trains."""
    if cfg.lr_schedule == "constant":
        return cfg.lr
    return cfg.lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * progress)))


def epoch_progress(done: float, selected: int, later: float) -> float:
    """Schedule progress at the end of an epoch that trains `selected` windows, from `done`
    at its start, when the later epochs are expected to train `later` windows in all.

    The schedule runs over each run's actual optimizer steps: an epoch advances it by its
    share of the steps still to come (known for this epoch, expected for the later ones), so
    a full first epoch followed by small ones (selective backprop, InfoBatch's pruning)
    spends its share, and the last epoch ends at 1. Fixed budgets give (e + 1) / epochs.
    A run that early stopping ends has not reached the floor (it cannot know when it will).

    >>> round(epoch_progress(0.0, 100, 300.0), 3), epoch_progress(0.5, 10, 0.0)
    (0.25, 1.0)
    """
    return done + (1 - done) * selected / max(selected + later, 1e-12)


class Cancelled(Exception):
    """Raised inside `train` when its cancel event is set (checked between batches)."""


class NonFiniteLoss(ValueError):
    """Training diverged: a batch's loss or gradient norm, or an epoch's validation MAE, is
    NaN or infinite. `train` raises it at that batch, before the optimiser applies the step.

    `epoch` and `batch` count from 0 like `EpochRecord.epoch` (`batch` is None when the
    validation MAE is the culprit); the message counts from 1, as the progress bars do.
    """

    def __init__(self, what: str, value: float, epoch: int, epochs: int,
                 batch: int | None, batches: int | None, lr: float):
        self.what, self.value, self.lr = what, value, lr
        self.epoch, self.epochs, self.batch, self.batches = epoch, epochs, batch, batches
        where = f"epoch {epoch + 1} of {epochs}"
        if batch is not None:
            where += f", batch {batch + 1} of {batches}"
        super().__init__(f"training diverged at {where}: {what} is {value}; "
                         f"try a lower learning rate (now {lr:g})")

    def __reduce__(self):  # picklable, so it can cross a process boundary
        return (type(self), (self.what, self.value, self.epoch, self.epochs, self.batch,
                             self.batches, self.lr))


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch did and cost. Energy figures include every phase of the epoch; None
    when a phase's reading failed (not measured). `selected_by_score`: the strategy chose
    this epoch's windows by importance score (`Selection.by_score`)."""

    epoch: int
    train_loss: float  # mean (weighted) loss over the trained windows, scaled units
    val_mae: float  # original units (several series: pooled over all their windows)
    val_rmse: float
    n_selected: int
    samples_forward: int  # forwarded only (scoring passes without a backward)
    samples_backprop: int  # backpropagated to train
    score_method: str  # "" when the epoch scored nothing separately
    n_scored: int
    scoring_s: float  # scoring passes + the per-sample norm arithmetic of training steps
    training_s: float
    eval_s: float
    scoring_kwh: float | None
    training_kwh: float | None
    eval_kwh: float | None
    emissions_kg: float | None
    selected_by_score: bool = False
    samples_scoring_backprop: int = 0  # backpropagated to score: exact norms, EL2N runs
    # Of scoring_s, seconds of per-sample norm arithmetic inside training steps (in-pass
    # norms); their energy is the training phase's by time share
    in_pass_scoring_s: float = 0.0

    @property
    def wall_s(self) -> float:
        return self.scoring_s + self.training_s + self.eval_s

    @property
    def energy_kwh(self) -> float | None:
        return total((self.scoring_kwh, self.training_kwh, self.eval_kwh))

    def to_dict(self) -> dict:
        return asdict(self) | {"wall_s": self.wall_s, "energy_kwh": self.energy_kwh}


@dataclass(frozen=True)
class EpochEvent:
    """Sent to `on_event` after each epoch; arrays are copies the receiver may keep."""

    record: EpochRecord
    epochs: int  # as configured; early stopping may end the run sooner (`last`)
    scores: np.ndarray  # (N,) scores the selection was made from (NaN = never scored)
    selection: Selection
    last: bool = False  # the run's last epoch: the configured last, or where it stopped early


@dataclass
class TrainResult:
    """E = the epochs actually run (fewer than configured when early stopping ended it)."""

    records: list[EpochRecord]
    scores: np.ndarray  # (E, N) float32: the scores each epoch's selection was made from
    selected: np.ndarray  # (E, N) bool
    weights: np.ndarray  # (E, N) float32 loss weights (0 where not selected)
    best_epoch: int  # the model holds this epoch's weights (lowest validation MAE)
    stopped_early: bool = False


def model_device(model: nn.Module) -> torch.device:
    """The device `model`'s parameters are on (the CPU for a model without any)."""
    return next((p.device for p in model.parameters()), torch.device("cpu"))


def predict(model: nn.Module, x: np.ndarray | WindowArray,
            batch_size: int = EVAL_BATCH) -> np.ndarray:
    """Scaled predictions (N, horizon) for windows `x` (N, T, F): an array, or a split's lazy
    `x`, gathered one batch at a time."""
    model.eval()
    out = []
    device = model_device(model)
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            runtime.tick()
            out.append(model(torch.from_numpy(x[i:i + batch_size]).to(device)).cpu().numpy())
    model.train()
    return np.concatenate(out) if out else np.empty((0, 1), dtype=np.float32)


class DeviceWindows:
    """A split's windows on the model's device: the series' values and the windows' positions
    moved there once, each batch's inputs and targets gathered there (`inputs`, `targets`:
    window indices -> (B, T, F), (B, horizon)), so no split is ever copied window by window."""

    def __init__(self, w: Windows, device: torch.device):
        self.values = torch.from_numpy(w.values).to(device)  # (P, F)
        self.target = self.values[:, 0].contiguous()  # (P,)
        self.anchor = torch.from_numpy(w.anchor).to(device)
        self.back = torch.arange(-w.lookback, 0, device=device)
        self.ahead = torch.arange(w.horizon, device=device)

    def inputs(self, idx: torch.Tensor) -> torch.Tensor:
        rows = self.anchor[idx].unsqueeze(-1) + self.back  # (..., T)
        # index_select on flat rows: ~2x faster than advanced indexing on the CPU (measured)
        return self.values.index_select(0, rows.reshape(-1)).view(*rows.shape, -1)

    def targets(self, idx: torch.Tensor) -> torch.Tensor:
        rows = self.anchor[idx].unsqueeze(-1) + self.ahead  # (..., horizon)
        return self.target.index_select(0, rows.reshape(-1)).view(rows.shape)

    def subset(self, idx: np.ndarray) -> tuple[Gathered, Gathered]:
        """Windows `idx`' (inputs, targets) as the scoring functions read them (`Gathered`)."""
        positions = torch.from_numpy(np.asarray(idx, dtype=np.int64)).to(self.anchor.device)
        return Gathered(self.inputs, positions), Gathered(self.targets, positions)


class Gathered:
    """Some windows' inputs or targets as the scoring functions read a tensor of them: `len`,
    `[a:b]`, `[indices]` (a tensor or array), each gathered on the device when indexed."""

    def __init__(self, gather: Callable[[torch.Tensor], torch.Tensor], idx: torch.Tensor):
        self.gather, self.idx = gather, idx

    def __len__(self) -> int:
        return len(self.idx)

    def __getitem__(self, key: slice | np.ndarray | torch.Tensor) -> torch.Tensor:
        if not isinstance(key, slice):
            key = torch.as_tensor(key, device=self.idx.device)
        return self.gather(self.idx[key])


def evaluate(model: nn.Module, ws: Windowed, split: str) -> tuple[np.ndarray, dict]:
    """Predictions in original units (N, horizon) and their metrics on `split` (several
    series: each window unscaled by its own series' scaler, metrics pooled over all windows).

    A diverged model's predictions overflow to inf/NaN silently here (no RuntimeWarning):
    `train` checks the validation MAE and stops with `NonFiniteLoss`."""
    with np.errstate(over="ignore", invalid="ignore"):
        pred = ws.inverse(split, predict(model, ws.split(split).x))
        return pred, forecast_metrics(ws.actual(split), pred)


@dataclass(frozen=True)
class Scored:
    """What one score request gave: the requested windows' scores (m,), the samples forwarded
    only and backpropagated to get them, and the head views it also took (method
    "gradient_embedding": of the requested windows, and of the validation windows when the
    request asks for them)."""

    scores: np.ndarray
    forwards: int
    backprops: int
    views: HeadView | None = None
    val_view: HeadView | None = None


def score_request(model: nn.Module, x: torch.Tensor | Gathered, y: torch.Tensor | Gathered,
                  request: ScoreRequest, cfg: TrainConfig,
                  val: tuple[torch.Tensor | Gathered, torch.Tensor | Gathered] | None = None
                  ) -> Scored:
    """Score the requested windows `x`, `y` (tensors, or `DeviceWindows.subset`'s lazy ones:
    the scoring functions gather a batch at a time), counting the samples forwarded only and
    backpropagated: exact norms, one backprop per window; EL2N, its scoring runs'
    runs x epochs x m backprops and one forward-only error pass per run; GraNd
    ("grand_norm"), one forward per window and copy plus its copies' training backprops; the
    other methods, one forward per window, and "gradient_embedding" one more per validation
    window `val` when the request asks for them. EL2N's and GraNd's copies train at the run's
    batch size and peak learning rate, seeded from the run's seed; `request.params` may
    override them."""
    m = len(x)
    if request.method in ("el2n", "grand_norm"):
        defaults = EL2N_DEFAULTS if request.method == "el2n" else GRAND_DEFAULTS
        settings = {**defaults, "batch_size": cfg.batch_size, "lr": cfg.lr,
                    "seed": cfg.seed, **request.params}
        if request.method == "grand_norm":
            return Scored(*grand_scores(model, x, y, **settings))
        scores, backprops = el2n_scores(model, x, y, **settings)
        return Scored(scores, settings["runs"] * m, backprops)
    if request.method == "gradient_embedding":
        views = head_view(model, x, y, **request.params)
        val_view = None
        if request.validation:
            if val is None:
                raise ValueError("this score request asks for the validation windows' head "
                                 "views, but none were given")
            val_view = head_view(model, *val, **request.params)
        return Scored(np.sqrt(views.sq_norms()), m + (0 if val_view is None else len(val_view)),
                      0, views, val_view)
    if request.validation:
        raise ValueError(f"only gradient_embedding requests take the validation windows, "
                         f"not {request.method!r}")
    scores = score_windows(model, x, y, request.method, **request.params)
    return Scored(scores, 0, m) if request.method == "exact" else Scored(scores, m, 0)


def split_in_pass(train: PhaseEnergy, seconds: float) -> tuple[PhaseEnergy, PhaseEnergy]:
    """(scoring part, training part) of a training phase in which `seconds` went to
    per-sample norm arithmetic: time moved as measured, energy by its time share (one
    CodeCarbon reading per phase cannot split a batch)."""
    moved = min(max(seconds, 0.0), train.seconds)
    share = moved / train.seconds if train.seconds > 0 else 0.0

    def part(f: float) -> PhaseEnergy:
        def cut(v: float | None) -> float | None:
            return None if v is None else v * f
        return PhaseEnergy(train.seconds * f, cut(train.energy_kwh), cut(train.cpu_kwh),
                           cut(train.ram_kwh), cut(train.emissions_kg))

    return part(share), part(1 - share)


def _add(a: PhaseEnergy, b: PhaseEnergy) -> PhaseEnergy:
    """Two phases' figures summed (None when either reading is unmeasured)."""
    return PhaseEnergy(a.seconds + b.seconds, total((a.energy_kwh, b.energy_kwh)),
                       total((a.cpu_kwh, b.cpu_kwh)), total((a.ram_kwh, b.ram_kwh)),
                       total((a.emissions_kg, b.emissions_kg)))


# Training steps that also return per-sample scores off the same pass (Strategy.train_scores)
TRAIN_STEPS = {"exact": train_step_with_norms, "last_layer": train_step_with_head_norms,
               "loss": train_step_with_losses}


def _step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
          w: torch.Tensor | None, scores: str | None
          ) -> tuple[float, float, np.ndarray | None]:
    """One optimiser step: (loss, gradient norm before clipping, in-pass scores or None:
    norms or losses, as `scores` asks).
    A non-finite loss or gradient norm skips the update (the caller stops the run)."""
    opt.zero_grad(set_to_none=True)
    if scores is not None:
        loss, per = TRAIN_STEPS[scores](model, x, y, w)
        out = per.detach().double().cpu().numpy()
    else:
        per = per_sample_loss(model(x), y)  # (B,)
        loss = (per * w).mean() if w is not None else per.mean()
        loss.backward()
        out = None
    grad_norm = float(nn.utils.clip_grad_norm_(model.parameters(), 5.0))
    loss_value = float(loss.detach())
    if math.isfinite(loss_value) and math.isfinite(grad_norm):
        opt.step()
    return loss_value, grad_norm, out


def train(model: nn.Module, ws: Windowed, strategy: Strategy, cfg: TrainConfig, *,
          meter: EnergyMeter, on_event: Callable[[EpochEvent], None] | None = None,
          cancel: threading.Event | None = None) -> TrainResult:
    """Train `model` on `ws.train` with `strategy`; keep the best-validation weights.

    Stops after an epoch's validation when `cfg.patience` epochs in a row brought no
    improvement of `cfg.min_delta` (`importance.stopping.EarlyStopping`); the result's arrays
    then hold only the epochs run. Raises `Cancelled` when `cancel` is set, and
    `NonFiniteLoss` at the first batch whose loss or gradient norm is NaN or infinite (no
    step is taken with it) or the first epoch whose validation MAE is: the run stops there
    rather than train on, or select by, garbage.
    """
    if cfg.epochs < 1 or cfg.batch_size < 1 or not 0 < cfg.lr < math.inf:  # NaN fails too
        raise ValueError(f"need epochs >= 1, batch_size >= 1, a finite lr > 0; got "
                         f"epochs={cfg.epochs}, batch_size={cfg.batch_size}, lr={cfg.lr}")
    if cfg.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}; "
                         f"got {cfg.lr_schedule!r}")
    stopper = EarlyStopping(cfg.patience, cfg.min_delta)  # ValueError for bad settings
    tr: Windows = ws.train
    n = len(tr)
    device = model_device(model)  # the model's (importance.device.pick_device)
    windows = DeviceWindows(tr, device)  # each batch gathered on the device
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    order_rng = np.random.default_rng(cfg.seed + 1)
    strategy_rng = np.random.default_rng(cfg.seed + 2)
    book = ScoreBook(n, cfg.epochs)
    val_windows = None  # the validation windows on the device, once a request asks for them
    share = strategy.expected_budget(cfg.epochs, n).share  # of window-epochs, for the schedule
    progress = 0.0  # of the run's optimizer steps (epoch_progress)
    records: list[EpochRecord] = []
    scores_hist = np.full((cfg.epochs, n), np.nan, dtype=np.float32)
    selected = np.zeros((cfg.epochs, n), dtype=bool)
    weights_hist = np.zeros((cfg.epochs, n), dtype=np.float32)
    best = (np.inf, -1, None)

    def check_cancel() -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled by the user")

    model.train()
    for epoch in range(cfg.epochs):
        check_cancel()
        request = strategy.needs_scores(epoch, book)
        e_score = PhaseEnergy()
        scoring_forward = scoring_backprop = 0
        if request is not None and len(request.indices):
            # the selection that follows a scoring (greedy passes, similarities) is scoring too
            with meter.phase("scoring") as e_score:
                if request.validation and val_windows is None:
                    val_windows = DeviceWindows(ws.val, device).subset(np.arange(len(ws.val)))
                got = score_request(model, *windows.subset(request.indices), request, cfg,
                                    val_windows if request.validation else None)
                scoring_forward, scoring_backprop = got.forwards, got.backprops
                book.update(request.indices, got.scores, epoch)
                if got.views is not None:
                    book.update_views(request.indices, got.views)
                if got.val_view is not None:
                    book.val_view = got.val_view
                sel = strategy.plan_epoch(epoch, book, strategy_rng)
        else:
            sel = strategy.plan_epoch(epoch, book, strategy_rng)
        scores_hist[epoch] = book.scores  # the scores this epoch's selection saw
        check_cancel()
        start = progress
        progress = epoch_progress(start, len(sel.indices), share * n * (cfg.epochs - epoch - 1))
        NORM_CLOCK.seconds = 0.0
        with meter.phase("training") as e_train:
            perm = sel.indices[order_rng.permutation(len(sel.indices))]
            perm_on_device = torch.from_numpy(perm.astype(np.int64, copy=False)).to(device)
            w_full = None
            if sel.weights is not None:
                w_full = np.zeros(n, dtype=np.float32)
                w_full[sel.indices] = sel.weights
            losses = []
            batches = -(-len(perm) // cfg.batch_size)  # ceil
            for i in range(0, len(perm), cfg.batch_size):
                check_cancel()
                runtime.tick()  # fewer threads while other processes want the cores
                for group in opt.param_groups:
                    group["lr"] = scheduled_lr(cfg, start + (progress - start) * i / len(perm))
                bi, bt = perm[i:i + cfg.batch_size], perm_on_device[i:i + cfg.batch_size]
                wb = None if w_full is None else torch.from_numpy(w_full[bi]).to(device)
                loss, grad_norm, per = _step(model, opt, windows.inputs(bt), windows.targets(bt),
                                             wb, strategy.train_scores)
                for what, value in (("the loss", loss), ("the gradient norm", grad_norm)):
                    if not math.isfinite(value):
                        raise NonFiniteLoss(what, value, epoch, cfg.epochs,
                                            i // cfg.batch_size, batches, cfg.lr)
                losses.append(loss * len(bi))
                book.mark_trained(bi, epoch)
                if per is not None:
                    book.update(bi, per, epoch)
        with meter.phase("evaluation") as e_eval:
            _, val = evaluate(model, ws, "val")
        if not math.isfinite(val["mae"]):
            raise NonFiniteLoss("the validation MAE", val["mae"], epoch, cfg.epochs, None, None,
                                cfg.lr)
        n_scored = 0 if request is None else len(request.indices)
        in_pass, e_train = split_in_pass(e_train, NORM_CLOCK.seconds)
        e_score = _add(e_score, in_pass)
        rec = EpochRecord(
            epoch=epoch, train_loss=float(sum(losses) / max(len(perm), 1)),
            val_mae=val["mae"], val_rmse=val["rmse"], n_selected=len(sel.indices),
            samples_forward=scoring_forward, samples_backprop=len(sel.indices),
            samples_scoring_backprop=scoring_backprop,
            score_method=request.method if n_scored else "", n_scored=n_scored,
            scoring_s=e_score.seconds, training_s=e_train.seconds, eval_s=e_eval.seconds,
            scoring_kwh=e_score.energy_kwh, training_kwh=e_train.energy_kwh,
            eval_kwh=e_eval.energy_kwh,
            emissions_kg=total((e_score.emissions_kg, e_train.emissions_kg, e_eval.emissions_kg)),
            selected_by_score=bool(sel.by_score), in_pass_scoring_s=in_pass.seconds,
        )
        records.append(rec)
        selected[epoch, sel.indices] = True
        weights_hist[epoch, sel.indices] = 1.0 if sel.weights is None else sel.weights
        if rec.val_mae < best[0]:
            best = (rec.val_mae, epoch, copy.deepcopy(model.state_dict()))
        stop = stopper.update(rec.val_mae) and epoch + 1 < cfg.epochs
        if on_event is not None:
            on_event(EpochEvent(rec, cfg.epochs, scores_hist[epoch].copy(), sel,
                                last=stop or epoch + 1 == cfg.epochs))
        if stop:
            break
    model.load_state_dict(best[2])
    run = len(records)
    return TrainResult(records, scores_hist[:run], selected[:run], weights_hist[:run],
                       best_epoch=best[1], stopped_early=run < cfg.epochs)


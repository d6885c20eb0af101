"""What a run holds in memory at its peak, estimated before it runs (the memory guard,
`importance.runs.memory`, compares it with the memory available).

A job's process holds, at its peak (bytes; float32 = 4 bytes; B = batch, T = lookback,
F = input features (the value + calendar sin/cos + holiday flag), H = hidden, K = a layer's
input width (F for the first layer, H above), N = windows, P = points of all series,
horizon = steps forecast)::

    windows      P x (F x 4 + 4 + 16)                      the series' scaled values (one
                                                            array, shared by the three splits:
                                                            windows are positions into it,
                                                            importance.data.windows.Windows),
                                                            their target column on the device,
                                                            the loaded series (float64 value +
                                                            int64 time)
                 + P x F x 4                                several series: each one's values
                                                            while make_panel concatenates them
                 + (N_train + N_val + N_test) x 16          each window's positions (int64 x 2)
                 + N_train x PER_TRAIN_WINDOW               the epoch's order (host and device),
                                                            loss weights, the score book, the
                                                            selection's temporaries
                 + max split N x horizon x 24               predictions, unscaled, actuals
    activations  max of the three passes below (they do not overlap)
      training   autograd nn.LSTM/GRU:  B x T x layers x (16 H + 64) x 4   (measured, see below)
                 exact-norm step:       B x T x sum over layers (K + H + 1 + 4H + 2H + H) x 4
                                        (the tapes of importance.scoring.recurrent: `a`
                                        (T+1, B, K+H+1), `dz` (T, B, 4H), `carry` (T, B, 2H),
                                        plus the gradient passed down (T, B, H)), + the Gram
                                        matrices 5 x B x T x T x 4 when norms.use_gram picks
                                        them (short lookbacks only), + 2 x 8 MB workspace
      scoring    the exact-norm tapes at score_windows' batch (512)
      evaluation forward without grad at EVAL_BATCH (1024): B x T x layers x (H + 1) x 4
    selection    strategies choosing from head views (CRAIG, GraphCut, Glister, active
                 learning: `head_views`): (N_train, + N_val for Glister) x (W + 2 + 2 horizon)
                 x 8, W the head's input (H, or T for the linear kinds), + for a similarity
                 objective (CRAIG, GraphCut: `similarity`) 5 x block^2 x 8 (one block's
                 similarity matrix and its temporaries, importance.strategies.submodular)
    model        parameters x 4 x 5 (weights, gradients, two Adam moments, best-epoch copy)
    results      epochs x N_train x 9 (scores, weights float32, selection bool)
    process      PROCESS_OVERHEAD (Python + torch + pandas + CodeCarbon, measured ~420 MB)

The autograd constant was measured here (`resource.getrusage` peak of one forward+backward in
a fresh process): 16.5 floats per hidden unit and step at H = 8..128 for an LSTM, 14 for a
GRU, fewer for the layers above the first, so 16 H + 64 per layer is an upper estimate within
~1.4x. The exact-norm formula is the tapes' real shapes; it matched the measured peak within
3% at H = 32..128 and 1..3 layers. `tests/faults/test_memory_guard.py` compares the whole
estimate with the peak RSS of a job's process.

Several series trained as one model (`importance.data.panel`) count the windows of all of
them: `points` is then the sequence of their lengths. The windows are never copied (only each
batch is gathered, counted with the activations), so the memory grows with the points and the
windows' bookkeeping, not with windows x lookback.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from importance.config import LINEAR_KINDS, RunConfig, WindowConfig
from importance.data.steps import split_lengths
from importance.strategies import STRATEGIES
from importance.strategies.submodular import BLOCK

PROCESS_OVERHEAD = 512 * 2**20
FLOAT = 4
AUTOGRAD_FLOATS_PER_UNIT = 16  # per hidden unit, step and layer (nn.LSTM/GRU on CPU)
AUTOGRAD_FLOATS_PER_STEP = 64
SCORING_BATCH = 512  # importance.scoring.score_windows' default batch
EVAL_BATCH = 1024  # importance.training.EVAL_BATCH
MATERIALISE_BYTES = 2 * 8 * 2**20  # importance.scoring.norms' chunked workspace
SCORE_FREE = ("full", "random", "rs2", "infobatch")  # never score windows separately
# Bytes per training window besides its positions: the epoch's order on the host and the device
# (int64 x 2), the permutation drawn (int64), loss weights (float32), the score book (scores
# float64, scored and trained epochs int64) and a selection's sort and mask (~24)
PER_TRAIN_WINDOW = 8 * 3 + 4 + 24 + 24


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak bytes of one run's process, by part."""

    windows: int
    activations: int
    model: int
    results: int
    overhead: int
    selection: int  # head views and similarity blocks of the coreset strategies
    activation_pass: str  # which pass peaks: "training (autograd)", "training (exact norms)", ...

    @property
    def total(self) -> int:
        return (self.windows + self.activations + self.model + self.results + self.overhead
                + self.selection)

    def words(self) -> str:
        return (f"windows {gb(self.windows)}, {self.activation_pass} {gb(self.activations)}, "
                + (f"selection {gb(self.selection)}, " if self.selection else "")
                + f"model {gb(self.model)}, results {gb(self.results)}, "
                f"process {gb(self.overhead)}")


def gb(n: float) -> str:
    """Bytes in GB (or MB below 0.1 GB), e.g. '31.2 GB', '45 MB'."""
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.0f} MB"


def n_windows(points: int, cfg: WindowConfig) -> tuple[int, int, int]:
    """Windows in the train, validation and test splits of a series of `points` points
    (train at `cfg.stride`, validation and test at stride 1, as `make_windows` cuts them)."""
    out = []
    for length, stride in zip(split_lengths(points, cfg), (cfg.stride, 1, 1), strict=True):
        room = length - cfg.lookback - cfg.horizon + 1
        out.append(max(0, math.ceil(room / max(stride, 1))))
    return out[0], out[1], out[2]


def n_features(index: pd.DatetimeIndex, cfg: WindowConfig) -> int:
    """Input features per step: the value plus the calendar (and holiday) columns
    `make_windows` adds. ValueError for a holiday country without a table."""
    if not cfg.calendar:
        return 1
    from importance.data.windows import calendar_features

    return 1 + len(calendar_features(index[:64], cfg.holidays)[1])


def _n_params(cfg: RunConfig, features: int) -> int:
    m, h = cfg.model, cfg.model.hidden
    horizon = cfg.window.horizon
    if m.kind in LINEAR_KINDS:  # one Linear over the lags (twice for DLinear) + calendar
        lags = cfg.window.lookback * (2 if m.kind == "dlinear" else 1)
        return (lags + features) * horizon
    if m.kind == "mlp":
        width, total = cfg.window.lookback * features, 0
        for _ in range(m.layers):
            total += width * h + h
            width = h
        return total + width * horizon + horizon
    gates = 4 if m.kind == "lstm" else 3
    total = 0
    for layer in range(m.layers):
        k = features if layer == 0 else h
        total += gates * h * (k + h + 2)
    return total + h * horizon + horizon


def _tapes(batch: int, cfg: RunConfig, features: int) -> int:
    """Bytes of the exact-norm pass over `batch` windows (importance.scoring.exact)."""
    t, h, m = cfg.window.lookback, cfg.model.hidden, cfg.model
    if m.kind in LINEAR_KINDS:  # the encoded window, twice (prepare + encode)
        return batch * t * (features + 4) * FLOAT * 2 + MATERIALISE_BYTES
    if m.kind == "mlp":  # activations per layer, ghost norms: tiny next to the inputs
        return batch * (t * features + 3 * h * m.layers) * FLOAT * 3 + MATERIALISE_BYTES
    floats = features  # the batch's inputs
    gram = 0
    for layer in range(m.layers):
        k = features if layer == 0 else h
        n, g = k + h + 1, 4 * h
        floats += n + g + 2 * h + h
        if t * t * (n + g) < t * n * g:  # importance.scoring.norms.use_gram
            gram = max(gram, 5 * batch * t * t * FLOAT)
    return batch * (t + 1) * floats * FLOAT + gram + MATERIALISE_BYTES


def _autograd(batch: int, cfg: RunConfig, features: int) -> int:
    t, h, m = cfg.window.lookback, cfg.model.hidden, cfg.model
    if m.kind in LINEAR_KINDS:
        return batch * t * (features + 4) * FLOAT * 3
    if m.kind == "mlp":
        return batch * (t * features + 2 * h * m.layers) * FLOAT * 3
    per_step = m.layers * (AUTOGRAD_FLOATS_PER_UNIT * h + AUTOGRAD_FLOATS_PER_STEP)
    return batch * t * (per_step + features) * FLOAT


def _evaluation(batch: int, cfg: RunConfig, features: int) -> int:
    t, h, m = cfg.window.lookback, cfg.model.hidden, cfg.model
    if m.kind in LINEAR_KINDS:
        return batch * t * (features + 4) * FLOAT * 2
    if m.kind == "mlp":
        return batch * (t * features + h * m.layers) * FLOAT * 2
    return batch * t * (m.layers * (h + 1) + features) * FLOAT


Points = int | Sequence[int]  # a series' length, or the lengths of a panel's series


def split_windows(points: Points | Counter, cfg: WindowConfig) -> tuple[int, int, int]:
    """Windows in the train, validation and test splits of all series of these lengths (a
    Counter: length -> series; series of one length are counted once)."""
    lengths = points if isinstance(points, Counter) else Counter(
        (points,) if isinstance(points, int) else points)
    counts = {p: n_windows(p, cfg) for p in lengths}
    n_train, n_val, n_test = (sum(c[i] * lengths[p] for p, c in counts.items())
                              for i in range(3))
    return n_train, n_val, n_test


def _selection(cfg: RunConfig, n_train: int, n_val: int) -> int:
    """Bytes of the head views and similarity blocks a coreset strategy holds (module doc)."""
    cls = STRATEGIES.get(cfg.train.strategy)
    if not getattr(cls, "head_views", False):
        return 0
    views = n_train + (n_val if getattr(cls, "validation", False) else 0)
    width = cfg.window.lookback if cfg.model.kind in LINEAR_KINDS else cfg.model.hidden
    block = min(int(cfg.train.strategy_params.get("block_size", BLOCK)), n_train)
    return (views * (width + 2 + 2 * cfg.window.horizon) * 8
            + (5 * block * block * 8 if getattr(cls, "similarity", False) else 0))


def estimate(cfg: RunConfig, points: Points, features: int) -> MemoryEstimate:
    """Estimated peak memory of running `cfg` on a series of `points` points (or on several
    series of these lengths, as one model) with `features` input features per step (see the
    module docstring for the formula)."""
    w = cfg.window
    several = not isinstance(points, int)
    lengths = Counter((points,) if not several else points)
    n_train, n_val, n_test = split_windows(lengths, w)
    total_points = sum(p * k for p, k in lengths.items())
    values = total_points * (features * FLOAT + FLOAT + 16 + (features * FLOAT if several else 0))
    windows = (values + (n_train + n_val + n_test) * 16 + n_train * PER_TRAIN_WINDOW
               + max(n_train, n_val, n_test) * w.horizon * 24)
    batch = max(1, min(cfg.train.batch_size, n_train or cfg.train.batch_size))
    exact = cfg.train.strategy_params.get("scoring") == "exact"
    scores = cfg.train.strategy not in SCORE_FREE
    eval_batch = min(EVAL_BATCH, max(n_val, n_test, 1))
    passes = {"training (exact norms)" if exact else "training (autograd)":
              (_tapes(batch, cfg, features) if exact else _autograd(batch, cfg, features), batch),
              "evaluation": (_evaluation(eval_batch, cfg, features), eval_batch)}
    if scores:
        score_batch = min(SCORING_BATCH, max(n_train, 1))
        passes["scoring (exact norms)"] = (_tapes(score_batch, cfg, features), score_batch)
    name = max(passes, key=lambda k: passes[k][0])
    peak, at = passes[name]
    return MemoryEstimate(
        windows=windows, activations=peak, model=_n_params(cfg, features) * FLOAT * 5,
        results=cfg.train.epochs * n_train * 9, overhead=PROCESS_OVERHEAD,
        selection=_selection(cfg, n_train, n_val),
        activation_pass=f"{name} at batch {at:,} x lookback {w.lookback:,} x hidden "
                        f"{cfg.model.hidden} x {cfg.model.layers} layer(s)")

"""Importance sampling (Katharopoulos & Fleuret 2018, "Not all samples are created equal"):
draw the windows to train with probability proportional to an upper bound of their gradient
norm, and weight each draw by mean(score)/score so that the gradient stays unbiased; do it
only when the scores are uneven enough for the variance reduction to pay for scoring them.

The paper works per batch: presample B = 3b windows uniformly, score them by forward (the
norm of the loss gradient w.r.t. the last layer's output), draw b of them with replacement
with probability g_i = s_i / sum(s), train with weights 1/(B g_i) = mean(s)/s_i. It switches
this on only when tau = 1/sqrt(1 - ||g-u||^2/||g||^2) (u uniform; equal to
sqrt(B sum g_i^2) = sqrt(mean(s^2))/mean(s)), smoothed by an exponential moving average
(0.9), exceeds (B+3b)/(3b) = 2: a forward costs about a third of a forward-backward, so an
importance step (B forwards + b forward-backwards) costs (B+3b)/(3b) uniform steps, and tau
bounds the speed-up its variance reduction can buy.

Adaptation to this project's per-epoch contract (`importance.strategies.base`):

- b -> k = budget(n, keep_ratio) windows per epoch, B -> m = min(n, round(presample * k))
  (presample = 3); at keep_ratio >= 1/3 the presample is every train window.
- On/off, as the public code (`ConditionalStartSampler`, `VarianceReductionCondition`):
  when off, nothing is scored apart: k windows are drawn uniformly without replacement from
  all n, weight 1, `by_score=False`, and tau is measured on the last-layer norms their own
  training forward returns for free (`train_scores = "last_layer"`), read at the start of
  the next epoch. When on, the epoch asks for "last_layer" scores of a uniform presample
  (forward only; the trainer counts it as scoring: `n_scored`, time and energy) and tau is
  measured on those. (Scoring a presample every epoch instead cost 1.6 s of a 6.7 s run on
  the default data, for an importance sampling that never switched on.) Epoch 0 scores
  every window before training (one forward pass): in-pass norms mix the model states of a
  whole epoch, and the first epoch's drift inflated them (tau 1.66 vs 1.35 measured on a
  presample right after); from epoch 1 the two agreed within 0.03.
- Each epoch contributes one tau; they are smoothed by a bias-corrected EMA (as Adam's
  moments; the paper starts at 0 and updates every batch, hundreds of times an epoch, but
  per epoch an EMA from 0 would hold it off for the first epochs of a short run: 11 epochs
  at a constant tau of 3). Epoch e >= 1 is on when the smoothed tau through epoch e-1
  exceeds `tau_th` (decided before scoring, as the paper decides before presampling);
  epoch 0 decides on its own scores.
- The presample of epoch e+1 is drawn at the end of `plan_epoch(e)` (`needs_scores` has no
  generator); epoch 0, having scored every window, draws its presample among them.
- On: k draws with replacement, P(i) = s_i / sum(s); per-draw weight w_i = mean(s)/s_i,
  clipped at `max_weight` (10) and not renormalised (renormalising would rescale every
  window's gradient; the clip only touches windows scored below mean/10, whose gradients
  are that small). `Selection` indices are unique, so repeated draws are aggregated: a
  window drawn c_i times among the u unique ones gets weight c_i w_i u / k. The trainer's
  loss is the mean of weight x loss over the windows, so over the epoch
  (1/u) sum_unique c_i w_i (u/k) l_i = (1/k) sum_draws w_j l_j: the paper's estimator,
  unbiased (up to the clip) for the presample's mean loss, for every u, not only on
  average. `by_score=True`. On-epochs backpropagate u <= k windows: fewer steps.
- Scores are floored at mean(finite scores) / max_weight before anything else, so zero,
  negative, NaN or infinite scores (a window fitted exactly, a diverging model) get a small
  positive probability and a finite weight; with no positive finite score at all, every
  window counts the same (tau = 1). The floor also bounds the per-draw weight by
  max_weight + 1 before clipping, so the clip changes little.
- `history`: one small dict per epoch (epoch, on, tau: that epoch's own measurement, filled
  in at the next epoch's start when read off its training pass, None until then;
  tau_smoothed: the value its on/off decision used; weight_var: variance of the per-draw
  weights, 0 when off; unique: windows trained; scored: windows scored apart). It and the
  EMA reset at epoch 0 (a new run).

Budget: off-epochs train k/n of the windows exactly; on-epochs u/n, with u random and at
most k. The floor keeps every draw probability >= 1/(m (max_weight + 1)), so the expected
unique count is at least that of the most skewed such distribution (one window taking all
the rest); `expected_budget` declares [that less 4 standard deviations, k/n] as midpoint and
half-width: honest, and wide, because the scores decide.

Measured on the embedded default data (`importance compare --strategies
full,importance_sampling,rs2 --epochs 8`: LSTM, seed 0, keep_ratio 0.7, n = 6106): tau
was 1.19 at initialisation (scoring pass) and 1.35-1.40 after (training passes; smoothed
1.19-1.35), never above 2, so every epoch was off: 0.70 of full's backprops, as RS2, and
0.32 s of scoring (epoch 0) in 5.4 s wall (rs2 4.9 s, full 7.7 s); test MAE 50.19 (full
47.69, rs2 48.99: one seed, independent uniform draws against RS2's permutation stream).
Forced on (tau_th=1): 2600-2780 unique windows an epoch (0.43 of full's backprops), per-draw
weight variance 0.8-1.5, scoring 1.7 s of 5.1 s wall, test MAE 53.90: on these residuals,
heavy-tailed but not enough (tau ~1.35), the switch is right to stay off.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from importance.strategies.base import (
    Budget,
    ScoreBook,
    ScoreRequest,
    Selection,
    budget,
    check_ratio,
)

SCORE_METHOD = "last_layer"


def floored_scores(scores: np.ndarray, max_weight: float) -> np.ndarray:
    """`scores` divided by the largest finite one (only ratios matter; no overflow), with
    every entry below mean(finite scores, negatives as 0) / max_weight (zeros, negatives,
    NaN, +-inf included) raised to that floor; all ones if that mean is 0.

    >>> floored_scores(np.array([2.0, 0.0, np.nan, 8.0, 10.0, np.inf]), 10).tolist()
    [0.2, 0.05, 0.05, 0.8, 1.0, 0.05]
    """
    s = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(s)
    top = s[finite].max() if finite.any() else 0.0
    if not top > 0:
        return np.ones_like(s)
    s = np.where(finite, np.maximum(s, 0) / top, 0.0)
    floor = s[finite].mean() / max_weight
    return np.where(finite, np.maximum(s, floor), floor)


def variance_reduction(scores: np.ndarray) -> float:
    """K-F's tau = 1/sqrt(1 - ||g-u||^2/||g||^2), g = scores / sum(scores), u uniform
    (positive scores): 1 for equal scores, sqrt(len) when one score takes everything.

    >>> round(variance_reduction(np.array([1.0, 1.0, 1.0, 5.0])), 6)  # sqrt(7/4)
    1.322876
    """
    g = np.asarray(scores, dtype=np.float64)
    g = g / g.sum()
    u = np.full_like(g, 1 / len(g))
    ratio = ((g - u) ** 2).sum() / (g**2).sum()  # = 1 - 1/(m sum g^2), in [0, 1 - 1/m]
    return float(1 / math.sqrt(max(1 - ratio, 1e-300)))


def aggregate_draws(counts: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions drawn at least once (sorted) and their loss weights c_i w_i u / k, from the
    draw counts c (sum k) and per-draw weights w of every position, so that the mean over
    the u unique positions of weight x value is the mean over the k draws of w x value.

    >>> pos, w = aggregate_draws(np.array([2, 0, 1, 1]), np.array([0.5, 9.0, 1.0, 2.0]))
    >>> pos.tolist(), w.tolist()
    ([0, 2, 3], [0.75, 0.75, 1.5])
    """
    pos = np.flatnonzero(counts)
    k, u = counts.sum(), len(pos)
    return pos, counts[pos] * weights[pos] * (u / k)


class ImportanceSampling:
    name: ClassVar[str] = "importance_sampling"
    label: ClassVar[str] = "Importance sampling (K-F, unbiased weights)"
    description: ClassVar[str] = (
        "Unbiased sampling: draw windows with probability proportional to the last-layer "
        "gradient norm, weight mean(s)/s_i; uniform until the variance gain passes tau.")
    uses_scores: ClassVar[bool] = True
    train_scores: ClassVar[str | None] = SCORE_METHOD  # off-epochs measure tau from these

    def __init__(self, *, keep_ratio: float = 0.7, presample: float = 3.0,
                 tau_th: float = 2.0, tau_ema: float = 0.9, max_weight: float = 10.0):
        self.keep_ratio = check_ratio("keep_ratio", keep_ratio)
        if not isinstance(presample, int | float) or not 1 <= presample < math.inf:
            raise ValueError(f"presample (presampled windows per trained window) must be a "
                             f"finite number >= 1, got {presample!r}")
        if not isinstance(tau_th, int | float) or not tau_th >= 1:  # inf: never on
            raise ValueError(f"tau_th must be a number >= 1 (tau is never below 1), "
                             f"got {tau_th!r}")
        if not isinstance(tau_ema, int | float) or not 0 <= tau_ema < 1:
            raise ValueError(f"tau_ema must be a number in [0, 1), got {tau_ema!r}")
        if not isinstance(max_weight, int | float) or not 1 <= max_weight < math.inf:
            raise ValueError(f"max_weight must be a finite number >= 1, got {max_weight!r}")
        self.presample = float(presample)
        self.tau_th = float(tau_th)
        self.tau_ema = float(tau_ema)
        self.max_weight = float(max_weight)
        self._reset()

    def _reset(self) -> None:
        """Forget the previous run: history, EMA, pending presample and plan."""
        self.history: list[dict] = []  # one dict per epoch of the current run
        self._ema, self._ema_steps = 0.0, 0
        self._next: np.ndarray | None = None  # presample drawn for a later epoch (m < n)
        # (epoch, on: None = decide after scoring, decision's smoothed tau, windows asked)
        self._plan: tuple[int, bool | None, float, np.ndarray | None] | None = None

    def sizes(self, n: int) -> tuple[int, int]:
        """(k, m): windows trained per epoch and presampled windows, for n train windows."""
        k = budget(n, self.keep_ratio)
        return k, min(n, max(k, int(round(self.presample * k))))

    def smoothed_tau(self) -> float:
        """The bias-corrected EMA of this run's tau so far (nan before any estimate)."""
        if not self._ema_steps:
            return math.nan
        return self._ema / (1 - self.tau_ema ** self._ema_steps)

    def _measure(self, scores: np.ndarray) -> float:
        tau = variance_reduction(floored_scores(scores, self.max_weight))
        self._ema = self.tau_ema * self._ema + (1 - self.tau_ema) * tau
        self._ema_steps += 1
        return tau

    def _read_training_pass(self, epoch: int, book: ScoreBook) -> None:
        """tau of off-epoch `epoch`, from the norms its training pass left in `book`."""
        last = self.history[-1] if self.history else None
        if last is None or last["epoch"] != epoch or last["tau"] is not None:
            return  # not this run's previous epoch, or measured on its presample already
        fresh = (book.trained_epoch == epoch) & (book.scored_epoch == epoch)
        if fresh.sum() >= 2:
            last["tau"] = self._measure(book.scores[fresh])

    def needs_scores(self, epoch: int, book: ScoreBook) -> ScoreRequest | None:
        n = book.n
        if epoch == 0:  # a new run: score every window, decide on that
            self._reset()
            self._plan = (0, None, math.nan, np.arange(n, dtype=np.int64))
            return ScoreRequest(self._plan[3], SCORE_METHOD)
        self._read_training_pass(epoch - 1, book)
        smoothed = self.smoothed_tau()
        on = smoothed > self.tau_th
        asked = None
        if on:
            asked = self._next if self._next is not None else np.arange(n, dtype=np.int64)
        self._plan = (epoch, on, smoothed, asked)
        return None if asked is None else ScoreRequest(asked, SCORE_METHOD)

    def plan_epoch(self, epoch: int, book: ScoreBook, rng: np.random.Generator) -> Selection:
        plan, self._plan = self._plan, None
        if plan is None or plan[0] != epoch:  # needs_scores was not asked: stay uniform
            if epoch == 0:
                self._reset()
            plan = (epoch, False, self.smoothed_tau(), None)
        _, on, smoothed, asked = plan
        n = book.n
        k, m = self.sizes(n)
        tau, pool = None, None
        if asked is not None:
            pool = asked[book.scored_epoch[asked] == epoch]  # scored for this epoch
            if len(pool) >= m:
                tau = self._measure(book.scores[pool])
                if len(pool) > m:  # epoch 0 scored every window: presample among them
                    pool = np.sort(rng.choice(pool, size=m, replace=False))
            else:
                pool = None
        if on is None:  # epoch 0 decides on its own scores
            smoothed = self.smoothed_tau()
            on = smoothed > self.tau_th
        scored = 0 if asked is None else len(asked)
        if on and pool is not None:
            sel, weight_var = self._draw(pool, book.scores[pool], k, rng)
        else:
            on, weight_var = False, 0.0
            sel = Selection(np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64))
        self.history.append({
            "epoch": epoch, "on": on, "tau": tau, "tau_smoothed": smoothed,
            "weight_var": weight_var, "unique": len(sel.indices), "scored": scored})
        self._next = np.sort(rng.choice(n, size=m, replace=False)) if m < n else None
        return sel

    def _draw(self, pool: np.ndarray, scores: np.ndarray, k: int,
              rng: np.random.Generator) -> tuple[Selection, float]:
        """k draws with replacement from `pool` by score, aggregated; and the variance of
        the per-draw weights."""
        s = floored_scores(scores, self.max_weight)  # (m,)
        counts = rng.multinomial(k, s / s.sum())  # (m,)
        w = np.minimum(s.mean() / s, self.max_weight)  # (m,) per-draw weights
        pos, weights = aggregate_draws(counts, w)
        mean_w = np.average(w[pos], weights=counts[pos])
        var_w = float(np.average((w[pos] - mean_w) ** 2, weights=counts[pos]))
        return Selection(pool[pos].astype(np.int64), weights, by_score=True), var_w

    def unique_bounds(self, n: int) -> tuple[float, int]:
        """(low, k): bounds on the windows an epoch backpropagates. On-epochs draw k times
        with replacement from m windows whose probabilities are all >= q = 1/(m (c+1))
        (c = max_weight, see floored_scores); the expected number of distinct windows,
        concave in the probabilities, is least at a vertex of that set: m-1 windows at q,
        one holding the rest. `low` is that less 4 of its standard deviations (the
        variance of a count of distinct draws is below its mean)."""
        k, m = self.sizes(n)
        q = 1 / (m * (self.max_weight + 1))
        least = (m - 1) * (1 - (1 - q) ** k) + 1 - ((m - 1) * q) ** k
        return max(1.0, least - 4 * math.sqrt(least)), k

    def expected_budget(self, epochs: int, n: int) -> Budget:
        """Every epoch trains between `unique_bounds` windows (on) and k (off): declared as
        the midpoint and half-width of that range."""
        low, k = self.unique_bounds(n)
        return Budget((low + k) / (2 * n), (k - low) / (2 * n))

"""The Importance page's figures and words: per-epoch score histograms and where the keep ratio
cut, which epochs selected by score, the selection by calendar day and by the calendar
groupings of the run's step (`importance.calendar`: hour of day below a day, weekday for daily
data), how scores relate to the error in the run's own numbers, which runs' selections are no
finding, and the loss weights of reweighting strategies (the highest- and lowest-scored
windows: `importance.aggregates.extremes`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from importance import calendar
from importance.strategies import uses_scores
from importance.timeaxis import from_ns


@dataclass(frozen=True)
class ScoreHistograms:
    """Per-epoch counts of scored windows in shared bins, split into kept and dropped."""

    edges: np.ndarray  # (B+1,) bin edges (log-spaced when `log`)
    kept: np.ndarray  # (E, B) windows trained in that epoch
    dropped: np.ndarray  # (E, B) windows scored but not trained
    log: bool
    scored: np.ndarray  # (E,) bool: the epoch selected by score (False: warm-up, all windows)
    # (E,) where the keep ratio cut: the lowest score kept in an epoch that selected by score
    # and kept exactly the top of its scores (every kept score >= every dropped one); NaN for
    # other epochs and for policies with no single cut (sampling, coin flips, pools)
    cut: np.ndarray
    share: np.ndarray  # (E,) share of all windows trained in the epoch

    @property
    def centers(self) -> np.ndarray:
        e = self.edges
        return np.sqrt(e[:-1] * e[1:]) if self.log else (e[:-1] + e[1:]) / 2

    @property
    def shown(self) -> np.ndarray:
        """Indices of the epochs to draw: those that selected by score and saw a score; if
        none did, every epoch that saw one (`unscored_epochs_text` says what the rest did)."""
        seen = (self.kept + self.dropped).sum(axis=1) > 0
        by_score = np.flatnonzero(self.scored & seen)
        return by_score if by_score.size else np.flatnonzero(seen)


def has_scores(scores: np.ndarray) -> bool:
    """True when any window has a finite score (strategies like `full` compute none)."""
    return bool(np.isfinite(scores).any())


def score_histograms(scores: np.ndarray, selected: np.ndarray, bins: int = 40,
                     by_score: np.ndarray | None = None) -> ScoreHistograms:
    """Pre-binned score distributions per epoch (E, N) -> (E, bins), shared bins over epochs.

    Scores span orders of magnitude, so bins are log-spaced over the positive scores (from the
    0.1th percentile; smaller or zero scores land in the first bin) unless that is impossible.
    `by_score`: the run's stored `epochs_by_score` (None: inferred, `score_based_epochs`).
    """
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        raise ValueError("no finite scores: this run computed no importance scores")
    pos = finite[finite > 0]
    log = pos.size > 0 and pos.max() > pos.min()
    if log:
        lo, hi = np.percentile(pos, 0.1), pos.max()
        edges = np.geomspace(lo, hi * (1 + 1e-9), bins + 1)
    else:
        lo, hi = float(finite.min()), float(finite.max())
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    n_epochs = scores.shape[0]
    kept = np.zeros((n_epochs, bins), dtype=np.int64)
    dropped = np.zeros((n_epochs, bins), dtype=np.int64)
    based = score_based_epochs(scores, by_score)
    for e in range(n_epochs):
        s = scores[e]
        ok = np.isfinite(s)
        clipped = np.clip(s[ok], edges[0], edges[-1])
        sel = selected[e][ok]
        kept[e] = np.histogram(clipped[sel], edges)[0]
        dropped[e] = np.histogram(clipped[~sel], edges)[0]
    cut = np.array([keep_cut(scores[e], selected[e]) if based[e] else np.nan
                    for e in range(n_epochs)])
    share = (selected.mean(axis=1) if selected.shape[1] else np.zeros(n_epochs)).astype(float)
    return ScoreHistograms(edges, kept, dropped, log, based, cut, share)


def keep_cut(scores: np.ndarray, selected: np.ndarray) -> float:
    """The score where one epoch's selection cut (N,) -> float: the lowest kept score when
    the kept windows are exactly the top of the scored ones (every kept score >= every
    dropped score, some of each), else NaN: a sampling or coin-flip policy has no single cut."""
    ok = np.isfinite(scores)
    kept, dropped = scores[ok & selected], scores[ok & ~selected]
    if kept.size == 0 or dropped.size == 0 or kept.min() < dropped.max():
        return float("nan")
    return float(kept.min())


def _epoch_span(first: int, last: int) -> str:
    return f"Epoch {first + 1}" if first == last else f"Epochs {first + 1}-{last + 1}"


def _consecutive(indices: np.ndarray) -> list[np.ndarray]:
    indices = np.asarray(indices)
    return np.split(indices, np.flatnonzero(np.diff(indices) > 1) + 1) if indices.size else []


def epoch_list(indices: np.ndarray) -> str:
    """Epoch indices (from 0) in words, numbered from 1: "epochs 3-5 and 8", "epoch 2"."""
    parts = [f"{r[0] + 1}" if len(r) == 1 else f"{r[0] + 1}-{r[-1] + 1}"
             for r in _consecutive(indices)]
    if not parts:
        return "no epoch"
    many = len(parts) > 1 or "-" in parts[0]
    words = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ("epochs " if many else "epoch ") + words


def unscored_epochs_text(h: ScoreHistograms) -> str:
    """What the epochs that did not select by score (those out of `ScoreHistograms.shown`,
    drawn hatched) trained instead, one sentence per run of consecutive epochs ("Epochs 1-2:
    warm-up on a random subset (70% of the windows each epoch), no scores used yet."); ""
    when every epoch selected by score."""
    hidden = np.setdiff1d(np.arange(len(h.scored)), h.shown)
    if hidden.size == 0:
        return ""
    out = []
    for run in _consecutive(hidden):
        first, last = int(run[0]), int(run[-1])
        share = h.share[run]
        span = _epoch_span(first, last)
        if np.all(share >= 1.0):
            what = ("every window, no scores yet" if first == 0
                    else "every window, no selection")
        else:
            pct = (f"{share.mean():.0%}" if np.ptp(share) < 0.005
                   else f"{share.min():.0%}-{share.max():.0%}")
            what = (f"warm-up on a random subset ({pct} of the windows each epoch), no scores "
                    "used yet" if first == 0
                    else f"a random subset ({pct} of the windows each epoch), not chosen by score")
        out.append(f"{span}: {what}.")
    shown = h.shown
    if shown.size and h.scored[shown].all():
        out.append(f"The histogram draws these epochs hatched; {epoch_list(shown)} selected "
                   "by score.")
    else:
        out.append("No epoch selected by score: the histogram draws every epoch hatched.")
    return " ".join(out)


def epochs_by_score(summary: Mapping[str, Any]) -> np.ndarray | None:
    """(E,) bool: the epochs whose strategy declared it selected by score; None for runs
    stored before the flag (`EpochRecord.selected_by_score`)."""
    epochs = summary.get("epochs") or []
    if not epochs or any("selected_by_score" not in e for e in epochs):
        return None
    return np.array([bool(e["selected_by_score"]) for e in epochs])


def score_based_epochs(scores: np.ndarray, by_score: np.ndarray | None = None) -> np.ndarray:
    """(E, N) -> (E,) bool: epochs that selected by score, as the run declared (`by_score`),
    or, for runs stored without it, inferred: epochs whose selection saw any score."""
    if by_score is not None:
        return np.asarray(by_score, dtype=bool)
    return np.isfinite(scores).any(axis=1)


def selection_to_show(scores: np.ndarray, selected: np.ndarray,
                      by_score: np.ndarray | None = None) -> np.ndarray:
    """The epochs' selections that reflect the strategy: score-based epochs when there are
    any (an importance strategy's warm-up epochs pick at random), else every epoch."""
    based = score_based_epochs(scores, by_score)
    return selected[based] if based.any() else selected


def selection_share(selected: np.ndarray) -> np.ndarray:
    """Share of epochs in which each window was trained, (E, N) -> (N,)."""
    return selected.mean(axis=0) if selected.size else np.zeros(selected.shape[1])


def selection_calendar(times_ns: np.ndarray, selected: np.ndarray,
                       tz: str | None) -> pd.DataFrame:
    """Day (rows, date) x time of day (columns "HH:MM") map of the selection share, on the
    run's clock `tz` (`provenance.run_tz`). One row per day: too tall to draw for long runs,
    so the page draws `selection_grid` and `selection_days` instead.

    Cells without a train window (stride > 1, other splits) are NaN.
    """
    t = from_ns(times_ns, tz)
    df = pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "tod": t.strftime("%H:%M"),
                       "share": selection_share(selected)})
    table = df.pivot_table(index="date", columns="tod", values="share", aggfunc="mean")
    return table.sort_index().reindex(columns=sorted(table.columns))


def selection_grid(times_ns: np.ndarray, selected: np.ndarray, tz: str | None,
                   axes: tuple[calendar.Part, calendar.Part]) -> pd.DataFrame:
    """The compact calendar: mean selection share of the windows whose first target falls in
    each cell of `axes` (rows, columns: `importance.calendar.grid` of the run's step, e.g.
    weekday x hour of day), on the run's clock `tz`; the same size whatever the length of
    the training period. NaN: no window there."""
    return calendar.table(selection_share(selected), from_ns(times_ns, tz), *axes)


def selection_days(times_ns: np.ndarray, selected: np.ndarray, tz: str | None) -> pd.Series:
    """Mean selection share per calendar day (index: midnight of each day with a window, as a
    naive date on the run's clock `tz`): the one-row strip under the weekly map."""
    t = from_ns(times_ns, tz)
    days = pd.DatetimeIndex(t.tz_localize(None) if t.tz is not None else t).normalize()
    return pd.Series(selection_share(selected)).groupby(days).mean()


def selection_by_part(times_ns: np.ndarray, selected: np.ndarray, tz: str | None,
                      part: calendar.Part) -> pd.Series:
    """Mean selection share per value of `part` (hour of day, day of week, ...: index
    `part.values`, on the run's clock `tz`) of each window's first target."""
    return part.means(selection_share(selected), from_ns(times_ns, tz))


def latest_scores(scores: np.ndarray) -> np.ndarray:
    """Each window's most recent finite score over epochs, (E, N) -> (N,); NaN if never scored."""
    out = np.full(scores.shape[1], np.nan)
    for row in scores:
        ok = np.isfinite(row)
        out[ok] = row[ok]
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (`scipy.stats.spearmanr`, average ranks for ties) over the
    pairs where both are finite; NaN with fewer than 3 pairs or a constant side."""
    from scipy.stats import spearmanr  # scipy takes 0.5 s to import: only when asked

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    return float(spearmanr(a[ok], b[ok]).statistic)


def correlation_words(rho: float) -> str:
    """A rank correlation in plain words."""
    if not np.isfinite(rho):
        return "not enough scored windows to tell"
    size = abs(rho)
    strength = ("strong" if size >= 0.7 else "moderate" if size >= 0.4
                else "weak" if size >= 0.2 else "little or no")
    sign = "" if size < 0.2 else (" positive" if rho > 0 else " negative")
    return f"{strength}{sign} relation"


SINGLES_OUT = 0.7  # the rank correlation from which the score singles out the large errors


def score_error_text(rho: float, top: Mapping[str, float], group: int, log1p: bool,
                     step: pd.Timedelta | None = None) -> str:
    """What the score-vs-error chart shows, from the run's own numbers: the rank correlation's
    sign and strength choose the sentence (`correlation_words`; "singles out the windows the
    model still gets wrong" only from SINGLES_OUT), then what the score measures (the
    per-window gradient norm in the model's scaled units, the error in original units) and
    what the `group` highest-scored windows are (`top`: `extremes.group_ratios`): quiet
    windows that score high on the log scale, said only when their level shows it. `step`, the
    series' sampling step, names the quiet windows: night ones below a day
    (`calendar.parts`), quiet days (weekends, holidays) above."""
    if not np.isfinite(rho):
        return "Too few scored windows to relate the score to the error."
    said = f"Spearman rank correlation {rho:.2f}, a {correlation_words(rho)}: "
    if rho >= SINGLES_OUT:
        said += ("the higher a window's score, the larger the final model's error on it, "
                 "almost in rank order: here the score singles out the windows the model "
                 "still gets wrong.")
    elif rho >= 0.4:
        said += ("higher-scored windows tend to have larger errors, with many exceptions: the "
                 "score leans towards the windows the model gets wrong without singling "
                 "them out.")
    elif rho >= 0.2:
        said += ("higher-scored windows have only slightly larger errors: the score says "
                 "little about which windows the model gets wrong.")
    elif rho > -0.2:
        said += ("a window's score says next to nothing about the final model's error on it: "
                 "in this run the score does not single out the windows the model gets wrong.")
    else:
        said += ("the higher-scored windows tend to be those the final model gets *more* "
                 "right: the score points away from the largest errors.")
    scaled = "log1p-transformed, then standardised" if log1p else "standardised"
    said += (" What the score measures: the norm of a window's loss gradient in the model's "
             f"own units (the series {scaled} before training), while the error here is in "
             "original units.")
    level, error = top.get("level"), top.get("error")
    if error is None:
        return said
    here = (f"the {group:,} highest-scored windows have {_times(error)} the median window's "
            "error" + (f" and {_times(level)} their series' median level" if level is not None
                       else ""))
    if level is None or level >= 0.8:
        return f"{said} Here {here}."
    if error >= 1.25:
        return f"{said} Here {here}: quieter windows that the model gets wrong."
    quiet = ("night and low-traffic windows" if calendar.HOUR in calendar.parts(step)
             else "low-traffic days (weekends, holidays)")
    why = (f"On the log scale the same absolute error weighs more on a quiet window than on a "
           f"busy one, so {quiet} can score high" if log1p
           else f"Scaled, {quiet} can still score high")
    fits = ("the model already forecasts closely" if error < 0.8
            else "with errors near the median window's")
    return f"{said} {why}, and they do here: {here}, quiet windows {fits} in original units."


def _times(ratio: float) -> str:
    """A ratio to two significant digits: "0.45x", "1.0x", "3.2x", "120x"."""
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    text = f"{ratio:.2g}"
    return f"{text}{'' if '.' in text else '.0'}x"


def scores_unused_text(name: str, strategy: str, by_score: np.ndarray | None,
                       scores: np.ndarray) -> str:
    """Why a run's kept windows are no finding about importance, or "" when its scores chose
    them in some epoch: a strategy that uses no scores (`strategies.uses_scores`), or one
    whose every epoch picked without them (warm-up only, `score_based_epochs`)."""
    if not uses_scores(strategy):
        return (f"{name} picks its windows without importance scores: how often it kept an "
                "hour or a day is chance, not a finding.")
    if not score_based_epochs(scores, by_score).any():
        return (f"{name} never selected by score (every epoch it ran was a warm-up or picked "
                "without scores): its kept windows say nothing about importance yet.")
    return ""


def no_scores_text(name: str, selected: np.ndarray) -> str:
    """A run that computes no importance scores, and what it trains on instead."""
    kept = selection_share(selected).mean()
    how = ("trains on every window every epoch" if kept == 1
           else f"trains on {kept:.0%} of the windows per epoch, chosen without scores")
    return f"**{name}** {how}: it computes no importance scores."


def unweighted_text(names: Sequence[str]) -> str:
    """The runs that train every selected window with weight 1 ("" when none)."""
    if not names:
        return ""
    return (f"{', '.join(names)} {'trains' if len(names) == 1 else 'train'} every selected "
            "window with weight 1.")


def is_reweighted(weights: np.ndarray | None, selected: np.ndarray) -> bool:
    """Whether a run trained any selected window with a loss weight other than 1 (InfoBatch's
    1/(1-r), importance sampling's mean(s)/s_i); False without stored weights."""
    if weights is None:
        return False
    w = np.asarray(weights)[np.asarray(selected, dtype=bool)]
    return bool(w.size and (np.abs(w - 1) > 1e-6).any())


def weight_table(weights: np.ndarray, selected: np.ndarray) -> pd.DataFrame:
    """Per epoch (from 1), the loss weights of the windows trained that epoch, (E, N) -> E
    rows: how many were trained, the share with a weight other than 1, min, mean and max."""
    w = np.asarray(weights, dtype=np.float64)
    sel = np.asarray(selected, dtype=bool)
    rows = []
    for e in range(w.shape[0]):
        we = w[e, sel[e]]  # (k,)
        rows.append({"epoch": e + 1, "trained": int(we.size),
                     "reweighted %": 100 * float((np.abs(we - 1) > 1e-6).mean())
                     if we.size else float("nan"),
                     "min": float(we.min()) if we.size else float("nan"),
                     "mean": float(we.mean()) if we.size else float("nan"),
                     "max": float(we.max()) if we.size else float("nan")})
    return pd.DataFrame(rows)


def weights_text(name: str, table: pd.DataFrame) -> str:
    """One sentence on a reweighted run's `weight_table`: in how many epochs it reweighted,
    what share of the trained windows, and the weights' range."""
    on = table[table["reweighted %"] > 0]
    if on.empty:
        return f"{name} trained every selected window with weight 1."
    return (f"{name} reweighted windows in {len(on)} of {len(table)} epochs: "
            f"{on['reweighted %'].mean():.0f}% of the trained windows there on average, with "
            f"weights from {on['min'].min():.3g} to {on['max'].max():.3g}.")

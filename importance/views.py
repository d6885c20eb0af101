"""View models for the dashboard: pure functions that shape library data for charts and tables.

No streamlit and no torch here (the Data page must start fast); `tests/app/test_views.py`
covers every function.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from importance import compare
from importance.config import (
    DataConfig,
    ModelConfig,
    RunConfig,
    TrainConfig,
    WindowConfig,
    comparison_key,
)
from importance.data.steps import duration
from importance.data.types import QualityNote
from importance.metrics import SPIKE_QUANTILE, spike_split
from importance.strategies import STRATEGIES, accepted_params
from importance.timeaxis import from_ns, wall_clock
from importance.timeaxis import tz_name as tz_name

BASELINE = "full"
ONE_DAY = pd.Timedelta(days=1)
MAX_POINTS = 10_000  # per chart trace; longer series are downsampled


def naive(times: pd.Index | pd.Series | np.ndarray) -> pd.DatetimeIndex:
    """Wall-clock times without the zone (Plotly cannot show zones; label the axis instead)."""
    t = pd.DatetimeIndex(times)
    return t.tz_localize(None) if t.tz is not None else t


# --- the series -------------------------------------------------------------------------------

ZONES = ("UTC", "Europe/Rome", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
         "Europe/Warsaw", "Europe/Istanbul", "Africa/Johannesburg", "Asia/Kolkata",
         "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "America/New_York",
         "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo")


def series_option(series_id: str, name: str | None, rows: int | None) -> str:
    """A series in the picker: "5060 (Duomo)", "BS 12 · 168 rows"."""
    text = f"{series_id} ({name})" if name else series_id
    return f"{text} · {rows:,} rows" if rows else text


def downsample(s: pd.Series, max_points: int = MAX_POINTS) -> pd.Series:
    """At most `max_points` points that keep every bucket's minimum and maximum (peaks survive)."""
    n = len(s)
    if n <= max_points:
        return s
    buckets = max_points // 2
    size = -(-n // buckets)  # ceil
    v = np.full(buckets * size, np.nan)
    v[:n] = s.to_numpy(dtype=np.float64)
    blocks = v.reshape(buckets, size)  # (buckets, size)
    valid = ~np.isnan(blocks).all(axis=1)
    base = np.arange(buckets)[valid] * size
    lo = base + np.nanargmin(blocks[valid], axis=1)
    hi = base + np.nanargmax(blocks[valid], axis=1)
    keep = np.unique(np.concatenate([lo, hi]))
    return s.iloc[keep]


def gap_runs(filled: pd.DatetimeIndex, freq: pd.Timedelta) -> pd.DataFrame:
    """Contiguous runs of filled timestamps: start, end (last filled step) and points."""
    if len(filled) == 0:
        return pd.DataFrame({"start": pd.DatetimeIndex([], tz=filled.tz),
                             "end": pd.DatetimeIndex([], tz=filled.tz),
                             "points": np.array([], dtype=np.int64)})
    t = filled.sort_values()
    new = np.ones(len(t), dtype=bool)
    new[1:] = (t[1:] - t[:-1]) != freq
    run = np.cumsum(new) - 1
    df = pd.DataFrame({"time": t, "run": run})
    out = df.groupby("run")["time"].agg(["min", "max", "size"])
    return pd.DataFrame({"start": out["min"].to_numpy(), "end": out["max"].to_numpy(),
                         "points": out["size"].to_numpy()})


def stats_table(stats: Mapping[str, Any], n_filled: int) -> pd.DataFrame:
    """`importance.explore.summary_stats` as a two-column table of display strings (ratios the
    step cannot show, such as an hourly peak of daily data, are left out)."""
    n = int(stats["count"]) + int(stats.get("missing", 0))
    rows = [
        ("points", f"{n:,}"),
        ("from", f"{stats['start']:%Y-%m-%d %H:%M}"),
        ("to", f"{stats['end']:%Y-%m-%d %H:%M}"),
        ("interval", str(stats["freq"])),
        ("span", f"{stats['days']:.1f} days"),
        ("mean", f"{stats['mean']:,.2f}"),
        ("median", f"{stats['median']:,.2f}"),
        ("std", f"{stats['std']:,.2f}"),
        ("min", f"{stats['min']:,.2f}"),
        ("max", f"{stats['max']:,.2f}"),
        ("zeros", f"{stats['zeros_share']:.1%}"),
    ]
    for label, key in (("peak / trough (hourly means)", "peak_to_trough"),
                       ("weekend / weekday", "weekend_to_weekday")):
        if np.isfinite(stats[key]):
            rows.append((label, f"{stats[key]:,.2f}x"))
    rows.append(("filled gaps", f"{n_filled:,} points ({n_filled / max(n, 1):.2%})"))
    return pd.DataFrame(rows, columns=["statistic", "value"])


def shares_text(shares: pd.Series) -> str:
    """Variance shares as words, largest first: "daily 83%, weekly 10%, ..."."""
    return ", ".join(f"{k} {v:.0%}" for k, v in shares.sort_values(ascending=False).items())


def detected_table(detected: Iterable[tuple[str, str]], step: pd.Timedelta,
                   points: int) -> pd.DataFrame:
    """How a source was read (layout, format, columns, zone) plus its step, as a table."""
    rows = [*detected, ("step", f"{duration(step)} ({points:,} points)")]
    return pd.DataFrame(rows, columns=["what", "found"])


def note_lines(notes: Iterable[QualityNote]) -> list[str]:
    """Dirty values found in the source as markdown lines: how many, the rule, the first one."""
    return [f"**{n.issue}: {n.count:,}**, {n.rule}"
            + (f" (first: {n.example.replace('*', '')})" if n.example else "") for n in notes]


# --- importance scores and selections -----------------------------------------------------------

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
    """What the epochs left out of the histograms (`ScoreHistograms.shown`) trained instead,
    one sentence per run of consecutive epochs ("Epochs 1-2: warm-up on a random subset
    (70% of the windows each epoch), no scores used yet."); "" when every epoch is shown."""
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
        out.append(f"The histogram shows the epochs that selected by score "
                   f"({epoch_list(shown)}).")
    elif shown.size:
        out.append(f"No epoch selected by score; the histogram shows the epochs whose "
                   f"selection saw scores ({epoch_list(shown)}).")
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
    run's clock `tz` (`run_tz`). One row per day: too tall to draw for long runs, so the page
    draws `selection_week` and `selection_days` instead.

    Cells without a train window (stride > 1, other splits) are NaN.
    """
    t = from_ns(times_ns, tz)
    df = pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "tod": t.strftime("%H:%M"),
                       "share": selection_share(selected)})
    table = df.pivot_table(index="date", columns="tod", values="share", aggfunc="mean")
    return table.sort_index().reindex(columns=sorted(table.columns))


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def selection_week(times_ns: np.ndarray, selected: np.ndarray,
                   tz: str | None) -> pd.DataFrame:
    """Weekday (rows, Mon..Sun) x hour of day (columns 0..23) map of the mean selection
    share of the windows whose first target falls there, on the run's clock `tz`: the
    compact calendar (7 rows whatever the length of the training period). NaN: no window."""
    t = from_ns(times_ns, tz)
    share = pd.Series(selection_share(selected))
    table = share.groupby([t.day_of_week, t.hour]).mean().unstack()
    table = table.reindex(index=range(7), columns=range(24))
    table.index = list(WEEKDAYS)
    return table


def selection_days(times_ns: np.ndarray, selected: np.ndarray, tz: str | None) -> pd.Series:
    """Mean selection share per calendar day (index: midnight of each day with a window, as a
    naive date on the run's clock `tz`): the one-row strip under the weekly map."""
    t = from_ns(times_ns, tz)
    days = pd.DatetimeIndex(t.tz_localize(None) if t.tz is not None else t).normalize()
    return pd.Series(selection_share(selected)).groupby(days).mean()


def selection_by_hour(times_ns: np.ndarray, selected: np.ndarray,
                      tz: str | None) -> pd.Series:
    """Mean selection share by hour of day (index 0..23, on the run's clock `tz`) of each
    window's first target."""
    t = from_ns(times_ns, tz)
    share = pd.Series(selection_share(selected)).groupby(t.hour).mean()
    return share.reindex(range(24))


def latest_scores(scores: np.ndarray) -> np.ndarray:
    """Each window's most recent finite score over epochs, (E, N) -> (N,); NaN if never scored."""
    out = np.full(scores.shape[1], np.nan)
    for row in scores:
        ok = np.isfinite(row)
        out[ok] = row[ok]
    return out


def extreme_windows(score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the k highest and the k lowest finite scores (highest first, lowest first)."""
    ok = np.flatnonzero(np.isfinite(score))
    order = ok[np.argsort(score[ok], kind="stable")]
    k = min(k, len(order) // 2) if len(order) > 1 else len(order)
    return order[::-1][:k], order[:k]


EXTREME_SHARE = 0.05  # the extreme-window sentence describes the top and bottom 5%
DAY_PARTS = (("night", 0, 6), ("morning", 6, 12), ("afternoon", 12, 18), ("evening", 18, 24))


def extreme_group_size(n_scored: int, shown: int, share: float = EXTREME_SHARE) -> int:
    """How many windows the sentence on the extremes describes per end: the top `share` of
    the scored windows, at least the `shown` panels, at most half of them."""
    return max(min(shown, n_scored // 2), min(int(np.ceil(share * n_scored)), n_scored // 2))


def _relative(values: np.ndarray, owner: np.ndarray | None) -> np.ndarray:
    """Each value over the median of its own series' values (NaN where that is not > 0)."""
    values = np.asarray(values, dtype=float)
    groups = np.zeros(len(values), dtype=np.int64) if owner is None else np.asarray(owner)
    out = np.full(len(values), np.nan)
    for g in np.unique(groups):
        m = groups == g
        med = np.nanmedian(values[m]) if np.isfinite(values[m]).any() else np.nan
        if np.isfinite(med) and med > 0:
            out[m] = values[m] / med
    return out


def _times_clause(hours: np.ndarray, idx: np.ndarray) -> tuple[str, str | None]:
    """("3 of 4 at night (00:00-06:00; 25% of all windows)", "night") or a spread."""
    counts = [(int(((hours[idx] >= a) & (hours[idx] < b)).sum()), name, a, b)
              for name, a, b in DAY_PARTS]
    c, name, a, b = max(counts)
    if 2 * c < len(idx) or c == 0:
        return "spread over the day", None
    base = float(((hours >= a) & (hours < b)).mean())
    where = "at night" if name == "night" else f"in the {name}"
    return f"{c} of {len(idx)} {where} ({a:02d}:00-{b:02d}:00; {base:.0%} of all windows)", name


def _ratio_words(ratio: float, what: str, of: str) -> str:
    """"level 2.1x the series median", "error near the median window's (1.1x)"."""
    if 0.8 < ratio < 1.25:
        return f"{what} near {of} ({ratio:.1f}x)"
    return f"{what} {ratio:.2g}x {of}"


def extremes_text(times: pd.DatetimeIndex, top: np.ndarray, bottom: np.ndarray,
                  level: np.ndarray | None = None, error: np.ndarray | None = None,
                  owner: np.ndarray | None = None) -> str:
    """What the highest- and lowest-scored windows have in common, in words: the time of day
    of their first target (in 6-hour parts, against the share of all windows there), their
    level (the first target over its series' median, median over the group) and the final
    model's error on them (over the median window's error, median over the group), then the
    lesson. `times`, `level`, `error`, `owner` (series index of each window, runs on several
    series): one entry per training window; `top`, `bottom`: window indices."""
    hours = np.asarray(pd.DatetimeIndex(times).hour)
    varied = len(np.unique(hours // 6)) > 1  # daily data: every window at 00:00, say nothing
    rel_level = _relative(level, owner) if level is not None else None
    rel_error = _relative(error, None) if error is not None else None
    facts: dict[str, dict[str, Any]] = {}
    sentences = []
    for label, idx in (("highest", np.asarray(top)), ("lowest", np.asarray(bottom))):
        if idx.size == 0:
            continue
        parts, fact = [], {}
        if varied:
            text, fact["part"] = _times_clause(hours, idx)
            parts.append(text)
        for key, rel, what, of in (
                ("level", rel_level, "level", "the series median"),
                ("error", rel_error, "the final model's error", "the median window's")):
            vals = rel[idx][np.isfinite(rel[idx])] if rel is not None else np.array([])
            if vals.size:
                fact[key] = float(np.median(vals))
                parts.append(_ratio_words(fact[key], what, of))
        facts[label] = fact
        if parts:
            sentences.append(f"The {idx.size} {label}-scored windows: " + "; ".join(parts) + ".")
    if not sentences:
        return ""
    hi, lo = facts.get("highest", {}), facts.get("lowest", {})
    traits = []  # a trait counts when the top group has it and the bottom group clearly less
    if "error" in hi and "error" in lo:
        if hi["error"] >= 1.25 and hi["error"] > 1.5 * lo["error"]:
            traits.append("the windows the model still gets wrong")
        elif hi["error"] <= 0.8 and lo["error"] > 1.5 * hi["error"]:
            traits.append("windows the model already fits well")
    if "level" in hi and "level" in lo:
        if hi["level"] >= 1.25 and hi["level"] > 1.25 * lo["level"]:
            traits.append("high-traffic windows")
        elif hi["level"] <= 0.8 and lo["level"] > 1.25 * hi["level"]:
            traits.append("low-traffic windows")
    if hi.get("part") and hi.get("part") != lo.get("part"):
        traits.append("night windows" if hi["part"] == "night" else f"{hi['part']} windows")
    if traits:
        lesson = ("Lesson: in this run the highest scores single out "
                  + (traits[0] if len(traits) == 1
                     else ", ".join(traits[:-1]) + " and " + traits[-1]) + ".")
    else:
        lesson = ("The highest and lowest scores do not differ clearly in time of day, level or "
                  "error here.")
    return " ".join([*sentences, lesson])


def window_slice(series: pd.Series, target_time: pd.Timestamp, lookback: int,
                 horizon: int) -> tuple[pd.Series, pd.Series]:
    """A window's input (lookback steps) and target (horizon steps) from the original series."""
    pos = series.index.get_indexer([target_time])[0]
    if pos < 0:
        raise KeyError(f"{target_time} is not in the series")
    return (series.iloc[max(pos - lookback, 0):pos], series.iloc[pos:pos + horizon])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation over pairs where both are finite (NaN if < 3 pairs)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    ra = pd.Series(a[ok]).rank().to_numpy()
    rb = pd.Series(b[ok]).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def correlation_words(rho: float) -> str:
    """A rank correlation in plain words."""
    if not np.isfinite(rho):
        return "not enough scored windows to tell"
    size = abs(rho)
    strength = ("strong" if size >= 0.7 else "moderate" if size >= 0.4
                else "weak" if size >= 0.2 else "little or no")
    sign = "" if size < 0.2 else (" positive" if rho > 0 else " negative")
    return f"{strength}{sign} relation"


def hour_extremes_text(hourly: Mapping[str, pd.Series]) -> str:
    """For each run, the hour kept most and least often, in one sentence each."""
    out = []
    for name, share in hourly.items():
        s = share.dropna()
        if s.empty or s.max() - s.min() < 1e-9:
            continue
        out.append(f"{name} kept {int(s.idxmax()):02d}:00-{int(s.idxmax()) + 1:02d}:00 most "
                   f"({s.max():.0%}) and {int(s.idxmin()):02d}:00-{int(s.idxmin()) + 1:02d}:00 "
                   f"least ({s.min():.0%}).")
    return " ".join(out)


# --- loss weights -------------------------------------------------------------------------------

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


# --- runs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunInfo:
    """A stored run's small parts: its summary and the config it was trained with."""

    run_id: str
    summary: dict[str, Any]
    config: RunConfig

    @property
    def strategy(self) -> str:
        return str(self.summary.get("strategy", self.config.train.strategy))

    @property
    def label(self) -> str:
        return str(self.summary.get("label", self.strategy))


def run_tz(run: RunInfo, series_tz: Callable[[], str | None] = lambda: None) -> str | None:
    """The clock of a run's stored times: its series' zone, or None for naive wall-clock times.

    Runs stored before the summary recorded `series_tz` all had an aware series (times in
    UTC): for them, the zone of their series as loaded now (`series_tz()`), else UTC.
    """
    if "series_tz" in run.summary:
        return run.summary["series_tz"]
    return series_tz() or "UTC"


def clock_label(tz: str | None, *others: str | None) -> str:
    """Axis words for times on the runs' clock(s) (`run_tz`); never "UTC" for naive data."""
    if {tz, *others} != {tz}:
        return "each run's own clock"
    if tz is None:
        return "wall-clock time (no zone in the data)"
    return "time (UTC)" if tz == "UTC" else f"local time, {tz}"


def latest_batch(runs: Sequence[RunInfo]) -> list[str]:
    """Ids of the newest comparison, every seed of it: the trailing runs (oldest first) of one
    comparison (`importance.config.comparison_key`: all but strategy, parameters and seed).

    Walks back from the newest run until a run of another comparison, a (strategy with its
    parameters, seed) already seen, or a higher seed than the run after it: a launch trains
    its seeds in ascending order (`LaunchForm.configs`), so a higher seed is an earlier launch
    (another seed count ends the batch). `runs` are in the order they finished (the store's:
    run ids start with their time to the microsecond).
    """
    if not runs:
        return []
    key = comparison_key(runs[-1].config)
    seen: set[tuple[str, str, int]] = set()
    out: list[str] = []
    later_seed = runs[-1].config.train.seed
    for run in reversed(runs):
        t = run.config.train
        variant = (run.strategy, repr(sorted(t.strategy_params.items())), t.seed)
        if comparison_key(run.config) != key or variant in seen or t.seed > later_seed:
            break
        seen.add(variant)
        out.append(run.run_id)
        later_seed = t.seed
    return out[::-1]


def run_names(runs: Sequence[RunInfo]) -> dict[str, str]:
    """Short unique display names: the strategy label, then the dataset when the runs use
    more than one (only what differs: "Full data · cells.csv", "Full data · 4259";
    `dataset_tags`), then parameters or time if needed."""
    tags = dataset_tags(runs)
    names = {r.run_id: f"{r.label} · {tags[r.run_id]}" if tags.get(r.run_id) else r.label
             for r in runs}
    for attempt in ("params", "seed", "time"):
        counts = pd.Series(list(names.values())).value_counts()
        dupes = {n for n, c in counts.items() if c > 1}
        if not dupes:
            break
        for r in runs:
            if names[r.run_id] not in dupes:
                continue
            if attempt == "params":
                params = r.config.train.strategy_params
                extra = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(params.items()))
            elif attempt == "seed":
                extra = f"seed {r.config.train.seed}"
            else:
                extra = str(r.summary.get("created", r.run_id))[11:19] or r.run_id
            if extra:
                names[r.run_id] = f"{names[r.run_id]} · {extra}"
    return names


def runs_table(runs: Sequence[RunInfo]) -> pd.DataFrame:
    """One row per stored run (newest first) with its setup and headline figures."""
    rows = []
    for r in reversed(runs):
        s, c = r.summary, r.config
        rows.append({
            "created (UTC)": str(s.get("created", ""))[:19].replace("T", " "),
            "strategy": r.label, "params": ", ".join(f"{k}={v}" for k, v in
                                                      sorted(c.train.strategy_params.items())),
            "series": s.get("series_label", ""), "model": c.model.kind,
            "epochs": s.get("epochs_run", c.train.epochs), "test MAE": s.get("test_mae"),
            "wall s": s.get("wall_s"), "energy kWh": s.get("energy_kwh"),
            "backprop samples": s.get("samples_backprop"), "run id": r.run_id,
        })
    return pd.DataFrame(rows)


SCORE_NAMES = {"exact": "gradient norm (exact)", "last_layer": "last-layer gradient norm",
               "truncated": "gradient norm (truncated backprop)", "loss": "per-window loss",
               "el2n": "EL2N error norm (short scoring runs)"}


def score_name(run: RunInfo) -> str:
    """What a run's scores are, in words (its `scoring` parameter, else the epochs' method)."""
    method = run.config.train.strategy_params.get("scoring") or next(
        (e.get("score_method") for e in reversed(run.summary.get("epochs") or [])
         if e.get("score_method")), "")
    return SCORE_NAMES.get(method, f"score ({method})" if method else "score")


def seed_baselines(runs: Sequence[RunInfo], base: RunInfo) -> dict[str, RunInfo]:
    """Each run's baseline, paired by seed: the run of `base`'s comparison, strategy and
    parameters with the run's seed (`base` itself where that seed has none)."""
    def same(r: RunInfo) -> bool:
        return (r.strategy, r.config.train.strategy_params, comparison_key(r.config)) == (
            base.strategy, base.config.train.strategy_params, comparison_key(base.config))

    by_seed = {r.config.train.seed: r for r in runs if same(r)}
    by_seed[base.config.train.seed] = base
    return {r.run_id: by_seed.get(r.config.train.seed, base) for r in runs}


def _by_seed_baseline(runs: Sequence[RunInfo], base: RunInfo
                      ) -> list[tuple[RunInfo, list[RunInfo]]]:
    """`runs` grouped by their baseline of the same seed (`seed_baselines`), in order."""
    refs = seed_baselines(runs, base)
    groups: dict[str, tuple[RunInfo, list[RunInfo]]] = {}
    for r in runs:
        groups.setdefault(refs[r.run_id].run_id, (refs[r.run_id], []))[1].append(r)
    return list(groups.values())


def seed_paired_table(runs: Sequence[RunInfo], base: RunInfo) -> pd.DataFrame:
    """`importance.compare.compare_table` of `runs` (in their order), each row's savings
    against its baseline of the same seed (`seed_baselines`), never another seed's."""
    rows = {}
    for ref, mine in _by_seed_baseline(runs, base):
        table = compare.compare_table([r.summary for r in mine], baseline=ref.summary,
                                      tol=ref.config.train.tol)
        rows.update({r.run_id: row for r, row in zip(mine, table.to_dict("records"),
                                                     strict=True)})
    return pd.DataFrame([rows[r.run_id] for r in runs])


def seed_paired_reach(runs: Sequence[RunInfo], base: RunInfo) -> pd.DataFrame:
    """`importance.energy_to_accuracy` of `runs`, each seed's runs against the baseline of
    that seed (`seed_baselines`): its targets, its costs and savings."""
    from importance.energy_to_accuracy import energy_to_accuracy

    parts = [energy_to_accuracy([r.summary for r in mine], baseline=ref.summary)
             for ref, mine in _by_seed_baseline(runs, base)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def pick_baseline(runs: Sequence[RunInfo]) -> RunInfo | None:
    """The run of the baseline `importance.compare.pick_baseline` picks from their summaries
    (the newest full-data run), or None: one rule for the pages, the report and the CLI."""
    chosen = compare.pick_baseline([r.summary for r in runs])
    return next((r for r in runs if r.summary is chosen), None)


DEFAULT_STRATEGIES = ("full", "gradnorm", "rs2")
# The seeds a launch trains by default: `importance.evidence.MIN_SEEDS`, the fewest that give
# an interval (one seed names no winner); not imported: scipy, and the pages start fast.
DEFAULT_SEEDS = (0, 1, 2)
MAX_SEEDS = 20  # in the Train form's seeds field
COUNTRIES = ("ITA", "FRA", "DEU", "ESP", "GBR", "CHE", "NLD", "POL", "SWE", "NOR", "USA",
             "CAN", "BRA", "IND", "CHN", "JPN", "AUS")


def strategy_default(param: str, fallback: Any) -> Any:
    """A strategy parameter's own default: the gradient-norm strategy's, else any strategy's."""
    for name in ("gradnorm", *STRATEGIES):
        if name not in STRATEGIES:
            continue
        p = inspect.signature(STRATEGIES[name]).parameters.get(param)
        if p is not None and p.default is not inspect.Parameter.empty:
            return p.default
    return fallback


def strategy_guide(strategies: Mapping[str, type]) -> list[tuple[str, str]]:
    """(label, policy and score in one line) of each registered strategy, in registry order;
    a strategy without a `description` gives "" (its label says all there is)."""
    out = []
    for cls in strategies.values():
        text = getattr(cls, "description", cls.label)
        out.append((cls.label, "" if text == cls.label else text))
    return out


def strategy_guide_markdown(strategies: Mapping[str, type]) -> str:
    """`strategy_guide` as a markdown list: "- **label**: description"."""
    return "\n".join(f"- **{label}**" + (f": {text}" if text else "")
                     for label, text in strategy_guide(strategies))


@dataclass(frozen=True)
class LaunchForm:
    """The Train page's form: everything a comparison needs besides the dataset."""

    model: str
    hidden: int
    layers: int
    lookback: int
    horizon: int
    stride: int
    epochs: int
    batch_size: int
    lr: float
    lr_schedule: str
    strategies: tuple[str, ...]
    keep_ratio: float
    scoring: str  # which gradient norm ranks windows (strategies with a `scoring` parameter)
    country: str
    holidays: bool = True  # the country's public holidays as an input feature
    revin: bool = False  # reversible instance normalisation (importance.models.base)
    patience: int = 0  # early stopping (importance.stopping); 0 = off
    min_delta: float = 0.0  # relative improvement that counts, for early stopping
    # Series of the dataset's file to train one model on (several: importance.data.panel);
    # () = the dataset's own series
    series: tuple[str, ...] = ()
    seeds: tuple[int, ...] = DEFAULT_SEEDS  # every strategy trains once per seed
    seed: int | None = None  # one seed instead of `seeds` (a sweep's cell)

    @classmethod
    def defaults(cls, overrides: Mapping[str, Any] | None = None) -> LaunchForm:
        """The library's defaults (the real ones), optionally overridden (tests, demos)."""
        m, w, t = ModelConfig(), WindowConfig(), TrainConfig()
        strategies = tuple(s for s in DEFAULT_STRATEGIES if s in STRATEGIES) or tuple(STRATEGIES)
        form = cls(model=m.kind, hidden=m.hidden, layers=m.layers, lookback=w.lookback,
                   horizon=w.horizon, stride=w.stride, epochs=t.epochs, batch_size=t.batch_size,
                   lr=t.lr, lr_schedule=t.lr_schedule, strategies=strategies,
                   keep_ratio=float(strategy_default("keep_ratio", 0.7)),
                   scoring=str(strategy_default("scoring", "exact")), country=t.country,
                   holidays=w.holidays is not None, revin=m.revin,
                   patience=t.patience or 0, min_delta=t.min_delta)
        if overrides:
            unknown = set(overrides) - set(cls.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown form fields {sorted(unknown)}; allowed: "
                                 f"{', '.join(cls.__dataclass_fields__)}")
            extra = dict(overrides)
            for key in ("strategies", "series", "seeds"):
                if key in extra:
                    extra[key] = tuple(extra[key])
            form = replace(form, **extra)
        return form

    def data_config(self, data: DataConfig) -> DataConfig:
        """`data` with the form's series: one id, or several (one model on all of them)."""
        if not self.series:
            return data
        return replace(data, series=self.series if len(self.series) > 1 else self.series[0])

    @property
    def seed_list(self) -> tuple[int, ...]:
        """The seeds each strategy trains on, ascending: `seed` alone when set, else `seeds`."""
        return (self.seed,) if self.seed is not None else tuple(sorted(set(self.seeds)))

    def configs(self, data: DataConfig, log1p: bool = True) -> list[RunConfig]:
        """One RunConfig per seed and strategy, seed by seed in ascending order (the first
        seed's comparison is complete first; `latest_batch` relies on the order), on the same
        data (with the form's series: `data_config`), split and model.

        `keep_ratio` and `scoring` go to every strategy that accepts them; `log1p` is off for
        series with negative values; the holiday feature, when on, is the country's.
        """
        data = self.data_config(data)
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown or not self.strategies:
            raise ValueError(f"choose strategies among {', '.join(STRATEGIES)}; "
                             f"got {list(self.strategies)}")
        seeds = self.seed_list
        if not seeds or any(not isinstance(s, int) or s < 0 for s in seeds):
            raise ValueError(f"seeds must be one or more non-negative integers, got "
                             f"{list(self.seeds) if self.seed is None else self.seed}")
        country = self.country.strip().upper()
        if not (len(country) == 3 and country.isalpha()):
            raise ValueError(f"country must be an ISO 3166 alpha-3 code like ITA, "
                             f"got {self.country!r}")
        window = WindowConfig(lookback=self.lookback, horizon=self.horizon, stride=self.stride,
                              log1p=log1p, holidays=country if self.holidays else None)
        model = ModelConfig(kind=self.model, hidden=self.hidden, layers=self.layers,
                            revin=self.revin)
        out = []
        for seed in seeds:
            for name in self.strategies:
                params = accepted_params(name, keep_ratio=self.keep_ratio, scoring=self.scoring)
                out.append(RunConfig(data, window, model, TrainConfig(
                    strategy=name, strategy_params=params, epochs=self.epochs,
                    batch_size=self.batch_size, lr=self.lr, lr_schedule=self.lr_schedule,
                    seed=seed, country=country, patience=self.patience or None,
                    min_delta=self.min_delta)))
        return out


def parse_seeds_field(text: str) -> tuple[int, ...]:
    """The Train form's seeds: a number of seeds ("3": seeds 0, 1 and 2) or the seeds
    themselves, comma-separated or as ranges ("0,3,7", "0-4"; one seed: "7-7"), at most
    `MAX_SEEDS`. ValueError naming the value and what is accepted."""
    from importance.sweep.grid import parse_seeds

    raw = str(text).strip()
    accepted = ("write a number of seeds (3: seeds 0, 1 and 2) or the seeds themselves, "
                "e.g. 0,3,7 or 0-4 (one seed: 7-7)")
    if not raw:
        raise ValueError(f"Seeds: the field is empty; {accepted}")
    if raw.isdigit():
        if not 1 <= int(raw) <= MAX_SEEDS:
            raise ValueError(f"Seeds: {raw} seeds; choose 1 to {MAX_SEEDS}, or {accepted}")
        return tuple(range(int(raw)))
    try:
        seeds = parse_seeds(raw)
    except ValueError as exc:
        raise ValueError(f"{str(exc).replace('--seeds', 'Seeds')}; {accepted}") from None
    if len(set(seeds)) != len(seeds):
        twice = sorted({s for s in seeds if seeds.count(s) > 1})
        raise ValueError(f"Seeds: {raw!r} names seed {', '.join(map(str, twice))} twice")
    if len(seeds) > MAX_SEEDS:
        raise ValueError(f"Seeds: {raw!r} is {len(seeds)} seeds; at most {MAX_SEEDS}")
    return tuple(sorted(seeds))


def seeds_field_text(seeds: Sequence[int]) -> str:
    """The seeds field's text for `seeds` (`parse_seeds_field` reads it back): "3" for 0, 1
    and 2, "7-7" for seed 7 alone, else "0,3,7"."""
    ordered = sorted(seeds)
    if ordered == list(range(len(ordered))):
        return str(len(ordered))
    return f"{ordered[0]}-{ordered[0]}" if len(ordered) == 1 else ",".join(map(str, ordered))


def strategy_label(strategy: str) -> str:
    """A strategy's display label ("Gradient-norm top-k (importance)"); unknown: its name."""
    return STRATEGIES[strategy].label if strategy in STRATEGIES else strategy


def comparison_number(batch: str) -> int | None:
    """The number people know a job manager's batch by ("b12" -> 12); None for other ids."""
    digits = batch[1:] if batch.startswith("b") else ""
    return int(digits) if digits.isdigit() else None


def comparison_name(batch: str) -> str:
    """ "comparison 12" for batch "b12"; "this comparison" when the id is not numbered."""
    n = comparison_number(batch)
    return "this comparison" if n is None else f"comparison {n}"


def job_name(job: Any) -> str:
    """A job (duck-typed `importance.runs.jobs.Job`) as people read it, never its internal id:
    "Gradient-norm top-k (importance), seed 1, comparison 2"."""
    n = comparison_number(str(getattr(job, "batch", "")))
    label = f"{strategy_label(job.strategy)}, seed {job.config.train.seed}"
    if getattr(job, "added", ""):  # a control queued at the budget a strategy spent
        keep = job.config.train.strategy_params.get("keep_ratio")
        label += f", added at keep {keep:g}" if keep is not None else ", added"
    return label if n is None else f"{label}, comparison {n}"


def job_rows(jobs: Iterable[Any]) -> pd.DataFrame:
    """One display row per job (duck-typed `importance.runs.jobs.Job`), newest first, named by
    `job_name`, with the seconds estimated at its launch beside those it took."""
    rows = []
    for j in jobs:
        last = j.history[-1] if j.history else {}
        estimate = getattr(j, "estimate_s", None)
        rows.append({
            "job": job_name(j), "status": j.status,
            "epoch": f"{j.epoch}/{j.epochs}",
            "progress": 1.0 if j.status == "done" else j.epoch / j.epochs if j.epochs else 0.0,
            "train loss": last.get("train_loss"), "val MAE": last.get("val_mae"),
            "estimated s": None if estimate is None else round(estimate, 1),
            "elapsed s": round(j.elapsed, 1),
            "energy Wh": 1000 * j.energy_kwh if j.history and j.energy_kwh is not None else None,
            "run": j.run_id or "", "error": j.error,
        })
    return pd.DataFrame(rows)


def epoch_curves(runs: Sequence[RunInfo], names: Mapping[str, str]) -> pd.DataFrame:
    """Per run and epoch: validation MAE and cumulative energy, wall time and backprops."""
    frames = []
    for r in runs:
        ep = pd.DataFrame(r.summary.get("epochs") or [])
        if ep.empty:
            continue
        frames.append(pd.DataFrame({
            "run_id": r.run_id, "run": names.get(r.run_id, r.label), "strategy": r.strategy,
            "epoch": ep["epoch"].to_numpy() + 1, "val_mae": ep["val_mae"].to_numpy(),
            "cum_energy_kwh": pd.to_numeric(ep["energy_kwh"]).cumsum(skipna=False).to_numpy(),
            "cum_wall_s": ep["wall_s"].cumsum().to_numpy(),
            "cum_backprop": ep["samples_backprop"].cumsum().to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


PHASES = ("scoring", "training", "eval")


def phase_split(runs: Sequence[RunInfo], names: Mapping[str, str]) -> pd.DataFrame:
    """Long table (run, phase, seconds, energy_kwh) summed over each run's epochs."""
    rows = []
    for r in runs:
        ep = pd.DataFrame(r.summary.get("epochs") or [])
        for phase in PHASES:
            rows.append({"run": names.get(r.run_id, r.label), "strategy": r.strategy,
                         "phase": phase,
                         "seconds": float(ep[f"{phase}_s"].sum()) if not ep.empty else 0.0,
                         "energy_kwh": _sum_measured(ep[f"{phase}_kwh"]) if not ep.empty else 0.0})
    return pd.DataFrame(rows)


def _sum_measured(kwh: pd.Series) -> float:
    """Sum of energy readings; NaN when any was not measured (None)."""
    return float(pd.to_numeric(kwh).sum(skipna=False))


def energy_unit(max_kwh: float | None) -> tuple[float, str]:
    """Scale and unit that make energy figures readable: Wh below 1 kWh, else kWh (Wh when
    nothing was measured)."""
    return (1.0, "kWh") if max_kwh is not None and abs(max_kwh) >= 1 else (1000.0, "Wh")


def energy_text(kwh: float | None, scale: float) -> str:
    """An energy figure in the unit of `scale`, or "not measured" when its reading failed."""
    return "not measured" if kwh is None or not np.isfinite(kwh) else f"{kwh * scale:.3g}"


def comparison_display(table: pd.DataFrame, names: Mapping[str, str], scale: float,
                       unit: str) -> pd.DataFrame:
    """`compare_table` for reading: named runs, readable units, savings next to each total."""
    cols = {"test_mae": "test MAE", "mae_change_pct": "MAE change %",
            "samples_backprop": "backprops", "backprop_saved_pct": "backprops saved %",
            "wall_s": "wall s", "scoring_s": "of which scoring s", "wall_saved_pct": "time saved %",
            "energy": f"energy {unit}", "energy_saved_pct": "energy saved %",
            "emissions_g": "gCO2e", "emissions_saved_pct": "emissions saved %",
            "energy_to_target": f"{unit} to target", "time_to_target_s": "s to target"}
    df = table.assign(run=[names.get(r, r) for r in table["run_id"]],
                      energy=pd.to_numeric(table["energy_kwh"]) * scale,
                      emissions_g=pd.to_numeric(table["emissions_kg"]) * 1000)
    if "energy_to_target_kwh" in df:
        df["energy_to_target"] = pd.to_numeric(df["energy_to_target_kwh"], errors="coerce") * scale
    keep = ["run", *[c for c in cols if c in df.columns]]
    digits = {c: 1 if c.endswith("_pct") or c == "wall_s" else 2 if c in ("test_mae",
                                                                          "scoring_s") else 4
              for c in keep[1:]}
    return df[keep].round(digits).rename(columns=cols)


def to_target_text(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str], base_id: str,
                   scale: float, unit: str, tol: float, target: float | None = None) -> str:
    """When each run first reached the baseline's best validation MAE (within `tol`;
    `target`: that validation MAE, stated in the data's original units). Facts per run (one
    seed each): no run is named the cheapest."""
    rows = list(rows)
    base = next((r for r in rows if r["run_id"] == base_id), None)
    at_most = (f" (a validation MAE at most {target:,.4g}, in the data's original units)"
               if target is not None and np.isfinite(target) else "")
    out = [f"Target: the baseline's best validation MAE, within {tol:.0%}{at_most}."]
    for row in rows:
        name = names.get(row["run_id"], row["run_id"])
        e, t = row.get("energy_to_target_kwh"), row.get("time_to_target_s")
        if t is None or not np.isfinite(t):
            out.append(f"{name} did not reach it within its epochs.")
            continue
        if e is None or not np.isfinite(e):
            out.append(f"{name} reached it after {t:.1f} s (energy not measured).")
            continue
        text = f"{name} reached it after {e * scale:.3g} {unit} and {t:.1f} s"
        be = base.get("energy_to_target_kwh") if base else None
        bt = base.get("time_to_target_s") if base else None
        if row["run_id"] != base_id and be and bt and np.isfinite(be):
            text += f" ({e / be:.0%} of the baseline's energy, {t / bt:.0%} of its time)"
        out.append(text + ".")
    return " ".join(out)


# --- forecasts ----------------------------------------------------------------------------------

def run_series(run: RunInfo) -> tuple[str, ...]:
    """The series a run trained one model on; () for a run on one series."""
    series = run.config.data.series
    return series if isinstance(series, tuple) else ()


def of_series(pred: pd.DataFrame, series: str | None) -> pd.DataFrame:
    """A run's test forecasts of one of its series (all of them for a one-series run)."""
    if series is None or "series" not in pred:
        return pred
    return pred.loc[pred["series"] == series].reset_index(drop=True)


def series_metrics(summary: Mapping[str, Any], series: str | None) -> dict[str, float]:
    """Test MAE, RMSE and sMAPE of one series of a run on several (`summary["per_series"]`),
    else the summary's own (pooled over its series)."""
    part = next((p for p in summary.get("per_series") or [] if p["series"] == series), summary)
    return {k: part[k] for k in ("test_mae", "test_rmse", "test_smape")}


def per_series_table(runs: Sequence[RunInfo], names: Mapping[str, str]) -> pd.DataFrame:
    """Test MAE of each series (rows) per run (columns) for runs on several series, then the
    MAE pooled over all their test windows (the runs' headline figure)."""
    runs = [r for r in runs if r.summary.get("per_series")]
    if not runs:
        return pd.DataFrame()
    table = pd.DataFrame({names.get(r.run_id, r.label): pd.Series(
        {p["series"]: p["test_mae"] for p in r.summary["per_series"]}) for r in runs})
    pooled = pd.DataFrame([{names.get(r.run_id, r.label): r.summary["test_mae"] for r in runs}],
                          index=["all (pooled)"])
    return pd.concat([table, pooled]).rename_axis("series").reset_index()


def prediction_windows(pred: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A predictions frame as windows: actual (N, H), forecast (N, H), and each window's
    series (N,) (None without a `series` column), by series, origin and step."""
    keys = ["series", "origin"] if "series" in pred else ["origin"]
    f = pred.sort_values([*keys, "step"])
    h = int(f["step"].max()) if len(f) else 1
    actual = f["actual"].to_numpy(dtype=np.float64).reshape(-1, h)
    forecast = f["forecast"].to_numpy(dtype=np.float64).reshape(-1, h)
    series = f["series"].astype(str).to_numpy()[::h] if "series" in f else None
    return actual, forecast, series


def window_thresholds(series: np.ndarray | None,
                      thresholds: Mapping[str | None, float]) -> float | np.ndarray:
    """Each window's spike threshold: its series' own (`metrics.spike_thresholds`), or the
    one threshold of a one-series run."""
    if series is None or None in thresholds:
        return float(thresholds.get(None, next(iter(thresholds.values()))))
    return np.array([thresholds.get(s, np.nan) for s in series], dtype=np.float64)


def spike_table(preds: Mapping[str, pd.DataFrame], thresholds: Mapping[str | None, float],
                names: Mapping[str, str],
                baselines: str | Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per run (`preds`: run id -> its test predictions frame): test MAE on ordinary and on
    spike windows (`metrics.spike_split`: a window with a target step above its series' spike
    threshold), the spike windows' count and, with baselines among `preds` (one run id for
    all, or run id -> the id of its baseline of the same seed, `seed_baselines`), each MAE's
    change against its baseline's in percent."""
    rows, splits = [], {}
    for run_id, pred in preds.items():
        actual, forecast, series = prediction_windows(pred)
        sp = splits[run_id] = spike_split(actual, forecast, window_thresholds(series, thresholds))
        rows.append({"model": names.get(run_id, run_id), "MAE ordinary": sp.mae_ordinary,
                     "MAE spikes": sp.mae_spike, "spike windows": sp.n_spike,
                     "test windows": sp.n_ordinary + sp.n_spike})
    table = pd.DataFrame(rows)
    refs = ({r: baselines for r in preds} if isinstance(baselines, str)
            else dict(baselines or {}))
    base = [splits.get(refs.get(r, "")) for r in preds]
    if any(b is not None for b in base) and not table.empty:
        nan = float("nan")
        table["ordinary vs full %"] = [100 * (sp.mae_ordinary / b.mae_ordinary - 1) if b
                                       else nan for sp, b in zip(splits.values(), base,
                                                                 strict=True)]
        table["spikes vs full %"] = [100 * (sp.mae_spike / b.mae_spike - 1) if b else nan
                                     for sp, b in zip(splits.values(), base, strict=True)]
    return table


def spike_sentence(thresholds: Mapping[str | None, float], table: pd.DataFrame) -> str:
    """What a spike window is here, and how many there are, in one sentence."""
    if None in thresholds:
        where = (f"the {SPIKE_QUANTILE:.0f}th percentile of the training targets "
                 f"({thresholds[None]:,.2f} in original units)")
    else:
        each = ", ".join(f"{k}: {v:,.2f}" for k, v in thresholds.items())
        where = (f"the {SPIKE_QUANTILE:.0f}th percentile of its own series' training targets "
                 f"({each} in original units)")
    n, total = (int(table["spike windows"].iloc[0]), int(table["test windows"].iloc[0])) \
        if not table.empty else (0, 0)
    return (f"Spike windows: the {n:,} of {total:,} test windows with a target step above "
            f"{where}; loss-driven policies (gradient-norm top-k, selective backprop, "
            "InfoBatch) train the high-error windows, often the spikes, more often than the "
            "others: compare their change on each kind.")


def at_step(pred: pd.DataFrame, step: int) -> pd.DataFrame:
    """Forecasts `step` steps ahead (1 = next step), one row per time, sorted by time."""
    out = pred.loc[pred["step"] == step, ["time", "actual", "forecast"]]
    return out.sort_values("time").reset_index(drop=True)


def on_clock(frame: pd.DataFrame, tz: str | None) -> pd.DataFrame:
    """Forecasts (`at_step`) with `time` as naive wall-clock times of the run's clock `tz`
    (`run_tz`), to draw and to group by hour. Order and match rows on the stored times first:
    an aware series' wall clock repeats an hour when summer time ends."""
    return frame.assign(time=wall_clock(frame["time"], tz))


def classical_frame(template: pd.DataFrame, predictions: np.ndarray) -> pd.DataFrame:
    """A classical model's (N_test, horizon) forecasts laid out like a run's predictions frame.

    `template` is a neural run's predictions frame on the same data and windows: its origins,
    in time order, are the test windows in order.
    """
    origins = np.sort(template["origin"].unique())
    horizon = int(template["step"].max())
    if predictions.shape != (len(origins), horizon):
        raise ValueError(f"classical forecasts have shape {predictions.shape}; the run's test "
                         f"windows need ({len(origins)}, {horizon})")
    df = template.sort_values(["origin", "step"]).reset_index(drop=True).copy()
    df["forecast"] = predictions.ravel()
    return df


# --- energy to reach accuracy (importance.energy_to_accuracy) -----------------------------------

E2A_MEASURES = ("energy_kwh", "wall_s", "backprops", "epoch")


def _e2a_name(row: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return names.get(row["run_id"]) or str(row["strategy"])


def _e2a_cell(row: Mapping[str, Any], measure: str, epoch_key: str, value_key: str,
              scale: float) -> str:
    """One cost as text: "-" when never reached, "not measured" for a failed energy reading."""
    if not np.isfinite(row[epoch_key]):
        return "-"
    v = row[value_key]
    if measure == "energy_kwh":
        return energy_text(v, scale)
    if measure == "wall_s":
        return f"{v:,.1f}" if v >= 10 else f"{v:.3g}"
    return "-" if not np.isfinite(v) else f"{int(v):,}"


def energy_to_accuracy_display(table: pd.DataFrame, names: Mapping[str, str], scale: float,
                               unit: str) -> pd.DataFrame:
    """An `importance.energy_to_accuracy` table for reading: per run, one line per cost
    (energy in the unit of `scale`, wall time, backprops, epoch reached) with a column per
    target and the whole run's, then (on its first line) test MAE and the changes against
    the baseline. Text cells: "-" never reached, "not measured" a failed energy reading."""
    from importance.energy_to_accuracy import column, targets_of

    targets = targets_of(table)
    what = {"energy_kwh": f"energy {unit}", "wall_s": "wall s", "backprops": "backprops",
            "epoch": "epoch"}
    whole = {"energy_kwh": "energy_kwh", "wall_s": "wall_s", "backprops": "backprops",
             "epoch": "epochs_run"}
    out = []
    for row in table.to_dict("records"):
        for i, m in enumerate(E2A_MEASURES):
            line = {"run": _e2a_name(row, names) if i == 0 else "", "to reach": what[m]}
            for t in targets:
                line[f"{t}%"] = _e2a_cell(row, m, column(t, "epoch"), column(t, m), scale)
            line["whole run"] = _e2a_cell(row, m, "epochs_run", whole[m], scale) + (
                " (stopped early)" if m == "epoch" and row["stopped_early"] else "")
            first, base = i == 0, row["baseline"]
            saved = row["energy_saved_pct"]
            line["test MAE"] = f"{row['test_mae']:,.2f}" if first else ""
            line["MAE vs baseline %"] = "" if not first else "baseline" if base else \
                f"{row['mae_change_pct']:+.1f}"
            line["energy saved %"] = "" if not first else "baseline" if base else \
                f"{saved:.1f}" if np.isfinite(saved) else "not measured"
            out.append(line)
    return pd.DataFrame(out)


def energy_to_accuracy_caption(estimated: bool = True, best: float | None = None) -> str:
    """The table's definition of its targets in a line (`estimated`: say energy is estimated;
    `best`: the baseline's best validation MAE, to state each target in original units)."""
    from importance.energy_to_accuracy import DEFINITION, targets_words

    return (f"Target {DEFINITION}; '-' = never reached."
            + (f" {targets_words(best)}." if best is not None else "")
            + " The whole run counts every epoch it ran, including the patience epochs after "
            "its best when early stopping ended it."
            + (" Energy is an estimate, measured as stated above." if estimated else ""))


def energy_to_accuracy_verdict(table: pd.DataFrame, names: Mapping[str, str], scale: float,
                               unit: str) -> str:
    """What the table shows, as facts: at 99% of the baseline's best validation accuracy (else
    the highest target a run reached), which runs reached it, at which epoch and cost, and
    which never did. The table holds one run per strategy (one seed): it names no cheapest
    run, since one seed's costs decide nothing (the verdict compares over seeds)."""
    from importance.energy_to_accuracy import column, targets_of

    if table.empty:
        return "No baseline run with epochs: there is no accuracy to reach."
    rows = table.to_dict("records")
    reached = [t for t in targets_of(table) if any(np.isfinite(r[column(t, "epoch")])
                                                   for r in rows)]
    if not reached:
        return "No run reached any target."
    t = 99 if 99 in reached else max(reached)
    ep_col = column(t, "epoch")
    parts = []
    for r in rows:
        if not np.isfinite(r[ep_col]):
            continue
        energy = _e2a_cell(r, "energy_kwh", ep_col, column(t, "energy_kwh"), scale)
        wall = _e2a_cell(r, "wall_s", ep_col, column(t, "wall_s"), scale)
        stopped = (f", stopped early after epoch {r['epochs_run']}" if r["stopped_early"]
                   else "")
        parts.append(f"{_e2a_name(r, names)} at epoch {int(r[ep_col])} ("
                     + (f"{energy} {unit}" if energy != "not measured" else "energy not measured")
                     + f", {wall} s{stopped})")
    text = f"Reached {t}%: {'; '.join(parts)}."
    never = [_e2a_name(r, names) for r in rows if not np.isfinite(r[ep_col])]
    if never:
        text += f" Never reached {t}%: {', '.join(never)}."
    return (text + " Each row is one run (one seed): its costs to a target name no cheapest "
            "strategy.")


# --- Energy page: what the counters and the scoring time hold


def backprop_help(summary: Mapping[str, Any]) -> str:
    """The backprop tile's breakdown: to train, to score, and forward-only scoring passes."""
    scoring = int(summary.get("samples_scoring_backprop") or 0)
    text = f"{int(summary.get('samples_backprop') or 0):,} to train"
    if scoring:
        text += f" + {scoring:,} to score (exact per-sample norms or EL2N's scoring runs)"
    forward = int(summary.get("samples_forward") or 0)
    return text + f"; plus {forward:,} forward-only scoring passes (no backward)."


def scoring_note(summary: Mapping[str, Any]) -> str:
    """How long scoring took, and how much of it was read off training steps."""
    wall, scoring = summary["wall_s"], summary["scoring_s"]
    share = scoring / wall if wall else 0.0
    text = f"Scoring took {scoring:.2g} s of {wall:.1f} s ({share:.1%}), included above"
    in_pass = float(summary.get("in_pass_scoring_s") or 0.0)
    if in_pass > 0:
        text += (f"; {in_pass:.2g} s of it is per-sample norm arithmetic inside the training "
                 "steps, timed there and given its time share of the training energy")
    return text + "."


# --- run context and data provenance (issue 14: run cards, labels, the synthetic badge) ---------

SYNTHETIC_BADGE = "Synthetic demo data"
SYNTHETIC_NAME = "synthetic demo data"  # the embedded default, in tables and labels
SYNTHETIC_NOTE = ("The embedded default dataset is synthetic: generated by "
                  "importance/data/synthetic.py to imitate the statistics of the Telecom Italia "
                  "Milan grid (its squares carry Milan place names such as Duomo), it contains "
                  "no real measurements.")
MAX_TAG = 20  # characters of a file name in a run label


def _paths_of(data: DataConfig) -> tuple[str, ...]:
    return () if data.path is None else (data.path,) if isinstance(data.path, str) \
        else tuple(data.path)


def is_synthetic(data: DataConfig, summary: Mapping[str, Any] | None = None) -> bool:
    """Whether a run (its data config, and its summary's `source` when given) used the
    embedded synthetic default rather than a file of real data."""
    from importance.data.loader import DEFAULT_DATASET, DEFAULT_SOURCE

    if summary is not None and summary.get("source") == DEFAULT_SOURCE:
        return True
    paths = _paths_of(data)
    if not paths:
        return True
    try:
        return len(paths) == 1 and Path(paths[0]).resolve() == DEFAULT_DATASET
    except OSError:
        return False


def run_is_synthetic(run: RunInfo) -> bool:
    return is_synthetic(run.config.data, run.summary)


def data_file_text(data: DataConfig, summary: Mapping[str, Any] | None = None) -> str:
    """The data's file name(s) ("cells.csv", "jan.csv, feb.csv", "a.csv + 3 more files"),
    or "synthetic demo data" for the embedded default."""
    if is_synthetic(data, summary):
        return SYNTHETIC_NAME
    names = [Path(p).name for p in _paths_of(data)]
    return ", ".join(names) if len(names) <= 3 else f"{names[0]} + {len(names) - 1} more files"


def _label_parts(run: RunInfo) -> tuple[str, str]:
    """(series, column) of a run as loaded: its config's, else its summary's label's."""
    label = str(run.summary.get("series_label") or "")
    head, _, tail = label.rpartition(" · ")
    series = run.config.data.series
    series_text = "+".join(series) if isinstance(series, tuple) else series or \
        head.removeprefix("square ")
    return str(series_text), str(run.config.data.column or tail or label)


def column_text(run: RunInfo) -> str:
    """The value column a run forecast ("internet", "load"), its source's default included."""
    return _label_parts(run)[1] or "value"


def series_text(run: RunInfo) -> str:
    """What the run forecast: its summary's series label ("square 5060 (Duomo) · internet"),
    else its config's series and column."""
    label = run.summary.get("series_label")
    if label:
        return str(label)
    series, column = _label_parts(run)
    return " · ".join(p for p in (series, column) if p)


def dataset_tags(runs: Sequence[RunInfo]) -> dict[str, str]:
    """Per run, the short words that tell its dataset from the others' (file, series, column:
    only those that differ among `runs`); {} when all use one dataset."""
    parts = {}
    for r in runs:
        file = "demo data" if run_is_synthetic(r) else data_file_text(r.config.data)
        if len(file) > MAX_TAG:
            file = file[:MAX_TAG - 1] + "…"
        parts[r.run_id] = (file, *_label_parts(r))
    datasets = set(parts.values())
    differ = [k for k in range(3) if len({p[k] for p in datasets}) > 1]
    if not differ:
        return {}
    # the fewest of the differing words that still tell every dataset apart
    subsets = [[k] for k in differ] + [[a, b] for i, a in enumerate(differ)
                                        for b in differ[i + 1:]] + [differ]
    keys = next(ks for ks in subsets
                if len({tuple(p[k] for k in ks) for p in datasets}) == len(datasets))
    return {rid: " ".join(p[k] for k in keys if p[k]) or "?" for rid, p in parts.items()}


def run_step(pred: pd.DataFrame) -> pd.Timedelta | None:
    """A run's time step, from its stored test forecasts (consecutive test windows, one step
    apart); None when it cannot be told (a single forecast)."""
    if pred is None or "time" not in pred or len(pred) < 2:
        return None
    t = pd.DatetimeIndex(pd.to_datetime(pred["time"])).unique().sort_values()
    d = t[1:] - t[:-1]
    d = d[d > pd.Timedelta(0)]
    return pd.Timedelta(d.min()) if len(d) else None


def steps_text(n: int, step: pd.Timedelta | None) -> str:
    """Steps in time units: "1 day (144 x 10 min)", "10 min (1 step)"; "144 steps" without
    a step."""
    if step is None:
        return f"{n:,} step{'s' if n != 1 else ''}"
    if n == 1:
        return f"{duration(step)} (1 step)"
    return f"{duration(n * step)} ({n:,} x {duration(step)})"


def epochs_text(run: RunInfo) -> str:
    """Epochs run / planned: "16 / 16", "9 / 16, stopped early"."""
    s = run.summary
    done = int(s.get("epochs_run", len(s.get("epochs") or [])))
    planned = int(s.get("epochs_planned", run.config.train.epochs))
    stopped = s.get("stopped_early", done < planned)
    return f"{done} / {planned}" + (", stopped early" if stopped else "")


def params_text(params: Mapping[str, Any]) -> str:
    """Strategy parameters in words: "keep ratio 0.7, scoring last_layer"; "none"."""
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(params.items())) or "none"


def zone_text(run: RunInfo) -> str:
    """The clock of the run's series: its zone, or the data's own wall-clock time."""
    if "series_tz" in run.summary:
        tz = run.summary["series_tz"]
        return str(tz) if tz else "none (wall-clock time as in the data)"
    return run.config.data.tz or "as in the data"


def model_text(cfg: RunConfig) -> str:
    """The model and optimiser in one line: "lstm 32x1, RevIN · batch 64, lr 0.01 cosine"."""
    m, t = cfg.model, cfg.train
    size = "" if m.kind in ("dlinear", "nlinear") else f" {m.hidden}x{m.layers}"
    return (f"{m.kind}{size}{', RevIN' if m.revin else ''} · batch {t.batch_size}, "
            f"lr {t.lr:g} {t.lr_schedule}")


def run_card_table(runs: Sequence[RunInfo], names: Mapping[str, str],
                   steps: Mapping[str, pd.Timedelta | None],
                   compact: bool = False) -> pd.DataFrame:
    """One row per run: what it was trained on and how, in time units where the run's step
    (`steps`, by run id: `run_step`) is known. `compact` (the pages' run card): without the
    step (the lookback states it), the run id, and the stride in time units."""
    rows = []
    for r in runs:
        step = steps.get(r.run_id)
        w = r.config.window
        rows.append({
            "run": names.get(r.run_id, r.label),
            "data": data_file_text(r.config.data, r.summary),
            "series · column": series_text(r),
            "step": duration(step) if step is not None else "unknown",
            "zone": zone_text(r),
            "lookback": steps_text(w.lookback, step),
            "horizon": steps_text(w.horizon, step),
            "stride": f"{w.stride} steps" if compact and w.stride > 1 else
            steps_text(w.stride, step) if w.stride > 1 else "1 step",
            "epochs": epochs_text(r),
            "seed": r.config.train.seed,
            "strategy parameters": params_text(r.config.train.strategy_params),
            "model": model_text(r.config),
            "run id": r.run_id,
        })
    table = pd.DataFrame(rows)
    return table.drop(columns=["step", "run id"]) if compact else table


def runs_data_text(runs: Sequence[RunInfo]) -> str:
    """The data of the runs shown, for the sidebar: "cells.csv: BS 12 · load"; several
    datasets one after another (";")."""
    seen: dict[str, None] = {}
    for r in runs:
        seen.setdefault(f"{data_file_text(r.config.data, r.summary)}: {series_text(r)}")
    return "; ".join(seen)


def settings_lines(runs: Sequence[RunInfo], names: Mapping[str, str],
                   steps: Mapping[str, pd.Timedelta | None]) -> list[str]:
    """One line of settings per run (for exports): data, window, epochs, seed, parameters."""
    out = []
    for row in run_card_table(runs, names, steps).to_dict("records"):
        out.append(f"{row['run']} (run {row['run id']}): data {row['data']}, "
                   f"{row['series · column']}, zone {row['zone']}, step {row['step']}; "
                   f"lookback {row['lookback']}, horizon {row['horizon']}, stride "
                   f"{row['stride']}; epochs {row['epochs']}; seed {row['seed']}; strategy "
                   f"parameters: {row['strategy parameters']}; model {row['model']}")
    return out

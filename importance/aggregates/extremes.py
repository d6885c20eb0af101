"""The Importance page's most and least important windows: which they are, what they have in
common (when in the day or week, level, the final model's error), the level each one
forecast, and the panels that draw them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from importance import calendar
from importance.aggregates.importance import SINGLES_OUT


def extreme_windows(score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the k highest and the k lowest finite scores (highest first, lowest first)."""
    ok = np.flatnonzero(np.isfinite(score))
    order = ok[np.argsort(score[ok], kind="stable")]
    k = min(k, len(order) // 2) if len(order) > 1 else len(order)
    return order[::-1][:k], order[:k]


EXTREME_SHARE = 0.05  # the extreme-window sentence describes the top and bottom 5%


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


def _times_clause(inside: dict[str, np.ndarray], spans: dict[str, calendar.Span],
                  idx: np.ndarray) -> tuple[str, str | None]:
    """("3 of 4 at night (00:00-06:00; 25% of all windows)", "night") or a spread, over the
    step's coarse spans (`calendar.spans`: parts of the day, or weekdays and weekend)."""
    c, name = max((int(held[idx].sum()), name) for name, held in inside.items())
    if 2 * c < len(idx) or c == 0:
        return ("spread over the day" if spans[name].part is calendar.HOUR
                else "spread over the week"), None
    span = spans[name]
    return (f"{c} of {len(idx)} {span.where} ({span.label}; {inside[name].mean():.0%} of all "
            "windows)"), name


def _ratio_words(ratio: float, what: str, of: str) -> str:
    """"level 2.1x the series median", "error near the median window's (1.1x)"."""
    if 0.8 < ratio < 1.25:
        return f"{what} near {of} ({ratio:.1f}x)"
    return f"{what} {ratio:.2g}x {of}"


def group_ratios(idx: np.ndarray, level: np.ndarray | None, error: np.ndarray | None,
                 owner: np.ndarray | None = None) -> dict[str, float]:
    """A group of windows (`idx`) against all of them: "level", the median of each one's
    first target over its own series' median; "error", the median of the final model's error
    over the median window's error. A key is absent when it cannot be measured."""
    out = {}
    for key, values, groups in (("level", level, owner), ("error", error, None)):
        if values is None:
            continue
        rel = _relative(values, groups)[np.asarray(idx, dtype=np.int64)]
        rel = rel[np.isfinite(rel)]
        if rel.size:
            out[key] = float(np.median(rel))
    return out


def extremes_text(times: pd.DatetimeIndex, top: np.ndarray, bottom: np.ndarray,
                  level: np.ndarray | None = None, error: np.ndarray | None = None,
                  owner: np.ndarray | None = None, *, step: pd.Timedelta | None = None,
                  rho: float | None = None) -> str:
    """What the highest- and lowest-scored windows have in common, in words: when their first
    target falls (in the coarse spans of the series' `step`, `calendar.spans`: 6-hour parts
    of the day below a day, weekdays and weekend for daily data; against the share of all
    windows there), their level (the first target over its series' median, median over the
    group) and the final model's error on them (over the median window's error, median over
    the group), then the lesson. `times`, `level`, `error`, `owner` (series index of each
    window, runs on several series): one entry per training window; `top`, `bottom`: window
    indices; `step`: None reads it from `times` (`calendar.step_of`). `rho`, the rank
    correlation of score and error over all windows: the lesson says the scores single out
    the windows the model gets wrong only from SINGLES_OUT (as `score_error_text`), and that
    they single out windows it fits well only when it is below 0.2."""
    index = pd.DatetimeIndex(times)
    step = calendar.step_of(index) if step is None else step
    spans = {s.name: s for s in calendar.spans(step)}
    inside = {name: span.holds(index) for name, span in spans.items()}
    # a span every window (or none) falls in says nothing: daily data at 00:00, one weekday
    varied = sum(bool(held.any()) for held in inside.values()) > 1
    facts: dict[str, dict[str, Any]] = {}
    sentences = []
    for label, idx in (("highest", np.asarray(top)), ("lowest", np.asarray(bottom))):
        if idx.size == 0:
            continue
        parts, fact = [], {}
        if varied:
            text, fact["part"] = _times_clause(inside, spans, idx)
            parts.append(text)
        ratios = group_ratios(idx, level, error, owner)
        for key, what, of in (("level", "level", "the series median"),
                              ("error", "the final model's error", "the median window's")):
            if key in ratios:
                fact[key] = ratios[key]
                parts.append(_ratio_words(fact[key], what, of))
        facts[label] = fact
        if parts:
            sentences.append(f"The {idx.size} {label}-scored windows: " + "; ".join(parts) + ".")
    if not sentences:
        return ""
    hi, lo = facts.get("highest", {}), facts.get("lowest", {})
    traits = []  # a trait counts when the top group has it and the bottom group clearly less
    if "error" in hi and "error" in lo:
        tracks = rho is None or rho >= SINGLES_OUT
        if hi["error"] >= 1.25 and hi["error"] > 1.5 * lo["error"] and tracks:
            traits.append("the windows the model still gets wrong")
        elif (hi["error"] <= 0.8 and lo["error"] > 1.5 * hi["error"]
              and (rho is None or rho < 0.2)):
            traits.append("windows the model already fits well")
    if "level" in hi and "level" in lo:
        if hi["level"] >= 1.25 and hi["level"] > 1.25 * lo["level"]:
            traits.append("high-traffic windows")
        elif hi["level"] <= 0.8 and lo["level"] > 1.25 * hi["level"]:
            traits.append("low-traffic windows")
    if hi.get("part") and hi.get("part") != lo.get("part"):
        traits.append(f"{hi['part']} windows")
    if traits:
        lesson = ("Lesson: in this run the highest scores single out "
                  + (traits[0] if len(traits) == 1
                     else ", ".join(traits[:-1]) + " and " + traits[-1]) + ".")
    else:
        lesson = ("The highest and lowest scores do not differ clearly in "
                  + ("time of day" if any(s.part is calendar.HOUR for s in spans.values())
                     else "day of week" if spans else "time") + ", level or error here.")
    return " ".join([*sentences, lesson])


def window_slice(series: pd.Series, target_time: pd.Timestamp, lookback: int,
                 horizon: int) -> tuple[pd.Series, pd.Series]:
    """A window's input (lookback steps) and target (horizon steps) from the original series."""
    pos = series.index.get_indexer([target_time])[0]
    if pos < 0:
        raise KeyError(f"{target_time} is not in the series")
    return (series.iloc[max(pos - lookback, 0):pos], series.iloc[pos:pos + horizon])


def window_levels(stored: np.ndarray | None, series: pd.Series | None,
                  times: pd.DatetimeIndex, *, one_series: bool, same_clock: bool
                  ) -> np.ndarray | None:
    """The level each training window forecast (its first target step): as the run stored
    it, else (runs stored before it) read from the run's series at the windows' `times`, when
    the run trained on one series that still loads on the run's clock; None otherwise."""
    if stored is not None:
        return stored
    if series is None or not one_series or not same_clock:
        return None
    return series.reindex(times).to_numpy(dtype=float)


def extreme_panels(windows: Sequence[int], times: pd.DatetimeIndex, score: np.ndarray,
                   series: Sequence[pd.Series], owner: np.ndarray | None,
                   series_names: Sequence[str | None], lookback: int, horizon: int,
                   step: pd.Timedelta | None = None) -> list[tuple[str, pd.Series, pd.Series]]:
    """(title, input, target) of each window in `windows`, cut from its own series (`owner`:
    each window's series, runs on several), titled by that series, the time of its first
    target step (its date alone at daily and longer `step`s, `calendar.time_format`) and its
    latest score."""
    when = calendar.time_format(step)
    panels = []
    for i in windows:
        k = 0 if owner is None else int(owner[i])
        where = f"{series_names[k]} · " if owner is not None else ""
        inp, target = window_slice(series[k], times[i], lookback, horizon)
        panels.append((f"{where}{times[i].strftime(when)} · score {score[i]:.3g}", inp, target))
    return panels

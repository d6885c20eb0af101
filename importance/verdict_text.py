"""The sentences of the verdict (`importance.verdict`): every template a surface can show,
each with the condition that produces it. Figures follow `importance.text`'s one rounding
rule; no sentence here decides anything the claims have not decided."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from importance import text
from importance.evidence import KEPT_ACCURACY_PCT, MIN_SEEDS, seeds_to_decide

if TYPE_CHECKING:
    from importance.evidence import Pool
    from importance.verdict import Claim, StrategyResult

BEST_RULE = (f"among the strategies that kept accuracy (the 95% interval of their test MAE, "
             f"on several series their pooled MASE, against full data ends at most "
             f"+{KEPT_ACCURACY_PCT:g}%, over at least "
             f"{MIN_SEEDS} seeds, no caveat), the one that saved the most backpropagated "
             "samples (scoring included: the same on any machine), named only when its "
             "wall-time saving interval also excludes 0")
INDICATIVE = "indicative, names no winner"


METRIC_WORDS = {"test_mae": "test MAE", "test_mase": "pooled test MASE"}


def windows_words(pool: Pool) -> str:
    """ "2 test windows per cell, 1,000 cells: 2,000 in all" ("2-5 test windows" when the
    cells differ), over the cells with a MASE."""
    low, high = pool.windows_low, pool.windows_high
    each = f"{low:,}" if low == high else f"{low:,}-{high:,}"
    return (f"{each} test window{'s' if high != 1 else ''} per cell, {pool.cells:,} cells: "
            f"{pool.windows_all:,} in all")


def _pooled(c: Claim) -> str:
    """What a pooled MASE stands on: "mean over 998 series, leaving out 2 constant before the
    test period; 2 test windows per cell, 998 cells: 1,996 in all"; "" on one series."""
    p = c.pool
    if p is None:
        return ""
    left = f", leaving out {p.excluded:,} constant before the test period" if p.excluded else ""
    return f"mean over {p.cells:,} series{left}; {windows_words(p)}"


def _ci(c: Claim, saving: bool = False) -> str:
    """" (95% interval -3.4% to +0.0%)", as a saving when `saving`; "" without one."""
    if not c.change.known:
        return ""
    lo, hi = (-c.change.high, -c.change.low) if saving else (c.change.low, c.change.high)
    if saving:
        return f" (95% interval {text.saving(lo)} to {text.saving(hi)})"
    return f" (95% interval {text.span(lo, hi)})"


def _lower_on(c: Claim) -> str:
    n = c.change.n
    k = round(c.p_improvement[0] * n) if np.isfinite(c.p_improvement[0]) else 0
    return f"lower on {k} of {text.seeds_words(n, c.unit)}"


def _decide(c: Claim, boundary: float = 0.0) -> str:
    """How many seeds would decide an undecided claim at its observed spread."""
    n = seeds_to_decide(c.change.mean, c.change.sd, boundary)
    if n is None:
        return "more than 100 seeds would be needed at this spread"
    return f"about {n} seeds would decide it at this spread"


def _caveats(c: Claim) -> str:
    return "; ".join(cv.text for cv in c.caveats)


def _outcome(c: Claim) -> str:
    """The end of a claim's sentence: its winner, or why there is none."""
    if c.caveats:
        return f"no winner: {_caveats(c)}."
    if c.winner is not None:
        return f"**{c.winner} is better**."
    return f"no winner (the interval includes 0; {_decide(c)})."


def _figure(c: Claim, what: str, note: str = "") -> str:
    """ "wall time -45.7% (95% interval -49.3% to -42.2%)": a change against full data."""
    spread = c.change.known and c.change.low != c.change.high  # none for a deterministic
    inner = "; ".join(x for x in (note, f"95% interval {text.span(c.change.low, c.change.high)}"
                                  if spread else "") if x)
    return f"{what} {text.change(c.change.mean)}" + (f" ({inner})" if inner else "")


def savings_sentence(r: StrategyResult) -> str:
    """Against full data, every figure a change (negative: less), as strongly as the seeds
    allow:
    - no full run paired: "no full-data run ... no saving can be stated";
    - otherwise test MAE (on several series "pooled test MASE (mean over N series; K test
      windows per cell, ...)"), backprops (scoring included), wall time and energy (estimated) with
      their intervals (from 3 seeds), then "It kept accuracy (within +2%)." (interval ends at
      most +2%), "It lost accuracy (more than +2%)." (interval starts above it), "Whether it
      keeps accuracy within +2% is not decided: ..." or, below 3 seeds or with a caveat,
      "Nothing decided: <caveats>."."""
    mae = r.accuracy
    if mae is None:
        return (f"**{r.name}**: no full-data run on the same data and seeds, so no saving can "
                "be stated.")
    wall, energy = r.vs_full["wall_s"], r.vs_full["energy_kwh"]
    est = "estimated" if r.energy_estimated else ""
    out = (f"**{r.name}** against full data ({text.seeds_words(mae.change.n, mae.unit)}): "
           f"{_figure(mae, METRIC_WORDS[mae.metric], _pooled(mae))}, "
           f"{_figure(r.vs_full['backprops'], 'backprops', 'scoring included')}, "
           f"{_figure(wall, 'wall time')}, "
           + (f"{_figure(energy, 'energy', est)}." if np.isfinite(energy.change.mean)
              else "energy not measured."))
    if mae.caveats or wall.caveats:
        seen = dict.fromkeys(cv.text for cv in (*mae.caveats, *wall.caveats))
        return out + f" Nothing decided: {'; '.join(seen)}."
    if r.kept_accuracy:
        return out + f" It kept accuracy (within +{KEPT_ACCURACY_PCT:g}%)."
    if mae.change.low > KEPT_ACCURACY_PCT:
        return out + f" It lost accuracy (more than +{KEPT_ACCURACY_PCT:g}%)."
    return (out + f" Whether it keeps accuracy within +{KEPT_ACCURACY_PCT:g}% is not decided: "
            f"{_decide(mae, KEPT_ACCURACY_PCT)}.")


def control_sentence(r: StrategyResult) -> str:
    """Against its control (same data and seeds, at the budget it spent):
    - no control run: "No <control> run on the same data and seeds ...";
    - otherwise its test-MAE change (on several series its pooled MASE's) with both budgets
      and then its winner ("**X is better**"),
      "no winner (the interval includes 0; about N seeds would decide it ...)" or "no winner:
      <caveats>" (too few seeds, a control at another budget, too few test windows, ...)."""
    c = r.vs_control
    if c is None:
        return (f"No {r.control_name} run on the same data and seeds: {r.name} cannot be "
                "compared with its random control.")
    spent = ("" if c.budgets is None else f", at {text.share(c.budgets[0])} and "
             f"{text.share(c.budgets[1])} of full data's backprops")
    return (f"**{c.strategy}** against its control {c.against}{spent} "
            f"({text.seeds_words(c.change.n, c.unit)}): {METRIC_WORDS[c.metric]} "
            f"{text.change(c.change.mean)}{_ci(c)}, {_lower_on(c)}: {_outcome(c)}")


def _series_better(c: Claim) -> str:
    """ "; lower MASE than AutoETS on 612 of 998 series (61%)" ("" without the count)."""
    if c.series_better is None or not c.series_better[1]:
        return ""
    k, n = c.series_better
    return f"; a lower MASE than {c.against} on {k:,} of {n:,} series ({text.share(k / n)})"


def classical_sentence(c: Claim) -> str:
    """The best neural strategy against the best classical model fitted: its test-MAE change
    (on several series its pooled MASE, what it stands on, and on how many series its MASE,
    mean over its seeds, is the lower) and then its winner, "no winner (...)" or "no winner:
    <caveats>"."""
    pooled = f" ({_pooled(c)})" if c.pool is not None else ""
    return (f"The best neural strategy, **{c.strategy}**, against the best classical model "
            f"fitted, {c.against} ({text.seeds_words(c.change.n, c.unit)}): "
            f"{METRIC_WORDS[c.metric]}{pooled} {text.change(c.change.mean)}{_ci(c)}, "
            f"{_lower_on(c)}{_series_better(c)}: {_outcome(c)}")


def headline(results: Sequence[StrategyResult], best: StrategyResult | None, seeds: int,
             has_full: bool, unit: str = "seed") -> str:
    """The one sentence every surface shows first:
    - no strategy but full data: "Only full data: no strategy to compare with it.";
    - no full-data run paired: "No full-data run on the same data and seeds ...";
    - a best trade-off (`BEST_RULE`): "Best trade-off: **X** kept accuracy, test MAE (on
      several series "pooled test MASE") ... at N% fewer
      backpropagated samples ... and M% less wall time ...";
    - fewer than 3 seeds: "One seed: indicative, names no winner. ..." (or "2 seeds: ...");
    - a caveat on every strategy: "No winner: the evidence is too thin: ...";
    - otherwise: "No strategy kept accuracy at a saving over N seeds." with the closest one
      and how many seeds would decide it."""
    if not results:
        return ("Only full data: no strategy to compare with it." if has_full else
                "No strategy to compare.")
    paired = [r for r in results if r.accuracy is not None]
    if not paired:
        return ("No full-data run on the same data and seeds: savings cannot be stated. Add "
                "full data to the comparison.")
    if best is not None:
        mae, wall = best.accuracy, best.vs_full["wall_s"]
        return (f"Best trade-off: **{best.name}** kept accuracy, {METRIC_WORDS[mae.metric]} "
                f"{text.change(mae.change.mean)} against full data (95% interval "
                f"{text.span(mae.change.low, mae.change.high)}, "
                f"{text.seeds_words(mae.change.n, mae.unit)}), at "
                f"{text.less_more(best.saved('backprops'), 'backpropagated samples', True)} "
                f"(scoring included) and {text.less_more(best.saved('wall_s'), 'wall time')}"
                f"{_ci(wall, saving=True)}.")
    if seeds < MIN_SEEDS:
        lead = f"One {unit}" if seeds == 1 else text.seeds_words(seeds, unit)
        return (f"{lead}: {INDICATIVE}. Run {MIN_SEEDS} {unit}s or more to decide which "
                "strategy, if any, keeps accuracy at a saving.")
    blocked = [r for r in paired if r.accuracy.caveats or r.vs_full["wall_s"].caveats]
    if len(blocked) == len(paired):
        seen: dict[str, str] = {}  # one clause per kind of caveat, the first one's words
        for r in blocked:
            for cv in (*r.accuracy.caveats, *r.vs_full["wall_s"].caveats):
                seen.setdefault(cv.code, cv.text)
        return f"No winner: the evidence is too thin ({'; '.join(seen.values())})."
    closest = min((r for r in paired if r not in blocked),
                  key=lambda r: r.accuracy.change.high)
    mae = closest.accuracy
    out = (f"No strategy kept accuracy at a saving over {text.seeds_words(seeds, unit)}. Closest: "
           f"**{closest.name}**, {METRIC_WORDS[mae.metric]} {text.change(mae.change.mean)} "
           "against full data"
           f"{_ci(mae)}")
    if closest.kept_accuracy:
        wall = closest.vs_full["wall_s"]
        return out + (f"; it kept accuracy, but its wall-time saving{_ci(wall, True)} does not "
                      f"exclude 0 ({_decide(wall)}).")
    if mae.change.low > KEPT_ACCURACY_PCT:
        return out + f": every strategy lost more than {KEPT_ACCURACY_PCT:g}% accuracy."
    return out + f"; {_decide(mae, KEPT_ACCURACY_PCT)}."

"""The one place a conclusion is made: every claim on every surface (Overview, Energy,
Forecasts, Sweep, the HTML report, `importance compare` and `importance sweep`) comes from
`conclude`, and every surface shows its `headline` and `sentences` as they are.

Runs (duck-typed like `runs.identity.RunInfo`) are one comparison when all but the strategy,
its parameters and the seed match (`config.comparison_key`). Every change pairs runs of one
data and seed (`importance.evidence`): per strategy, its test error, backprops, wall time and
energy against full data, and its test error against its control (rs2 per-epoch, a fixed random
subset for static selection) at the budget it spent (`importance.budget`); the best neural
strategy against the best classical model. The test error is the MAE on one series, the
pooled MASE on several (`metrics.mase`: a pooled MAE follows the busiest).

Rules (DESIGN.md 4a): a winner only when a 95% t-interval over 3+ seeds excludes 0 and no
caveat applies (few test windows, short runs, a best epoch before selection, another budget).
*Kept accuracy*: the test-MAE interval against full data ends at most `KEPT_ACCURACY_PCT`
above it. The *best trade-off* is named among those whose wall-time saving interval excludes
0, ranked by backprop saving (scoring included); energy is an estimate, never ranked on.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

import numpy as np
import pandas as pd

from importance import text
from importance.budget import spent_budget
from importance.compare import backprops_all
from importance.config import RunConfig, comparison_key
from importance.evidence import (
    KEPT_ACCURACY_PCT,
    MIN_SEEDS,
    POOL_FIELDS,
    Interval,
    Pool,
    accuracy_metric,
    classical_figure,
    control_of,
    improvement,
    interval,
    pool_fields,
    pool_of,
    series_better,
    series_mase,
)
from importance.metrics import number
from importance.verdict_text import (
    BEST_RULE,
    classical_sentence,
    control_sentence,
    headline,
    savings_sentence,
    windows_words,
)

FULL = "full"
CONTROLS = frozenset({"rs2", "random"})
MIN_TEST_WINDOWS = 30  # per series (across the series of a panel): fewer cannot judge accuracy
METER_INTERVAL_S = 1.0  # the energy meter's sampling interval (importance.energy)
BUDGET_TOLERANCE = 0.05  # budgets within 5% of each other are the same budget
QUESTION = ("Which training windows matter, and how much energy does skipping the rest save at "
            "what accuracy?")
ACCURACY = ("test_mae", "test_mase")  # one series; several (pooled MASE)
SPENT = ("backprops", "wall_s", "energy_kwh")
TIME = ("wall_s", "energy_kwh")
Classical: TypeAlias = Mapping[str, float | Mapping[str, Any]]


class RunLike(Protocol):
    run_id: str
    summary: dict[str, Any]
    config: RunConfig


# --- evidence rows ------------------------------------------------------------------------------

def _default_param(strategy: str, name: str) -> Any:
    from importance.strategies import STRATEGIES

    cls = STRATEGIES.get(strategy)
    p = inspect.signature(cls).parameters.get(name) if cls is not None else None
    return None if p is None or p.default is inspect.Parameter.empty else p.default


def keep_ratio(strategy: str, params: Mapping[str, Any], default: bool = True) -> float:
    """The share of windows a strategy trains per epoch: its keep parameter (the name its
    class gives it, `keep_param`: InfoBatch's target budget), else its default (`default`);
    NaN for strategies without one."""
    from importance.strategies import STRATEGIES

    if strategy == FULL:
        return math.nan
    name = getattr(STRATEGIES.get(strategy), "keep_param", "keep_ratio")
    v = params.get(name, _default_param(strategy, name) if default else None)
    return math.nan if v is None else float(v)


def short_label(strategy: str) -> str:
    """A strategy's label without its explanation: "RS2", "Gradient-norm top-k"."""
    from importance.strategies import STRATEGIES

    cls = STRATEGIES.get(strategy)
    return (cls.label if cls is not None else strategy).split(" (")[0].split(":")[0]


def energy_estimated(method: str | None) -> bool:
    """Whether an `energy_method` says the energy was estimated or modelled."""
    m = (method or "").lower()
    return any(w in m for w in ("estimat", "constant", "model"))


ROW_COLUMNS = ["run_id", "strategy", "variant", "keep_ratio", "seed", "setup", "test_mae",
               "backprops", "spent", "wall_s", "energy_kwh", "partial_last", "scores_unused",
               "estimated", "cores_shared", *POOL_FIELDS]


def run_row(run: RunLike) -> dict[str, Any]:
    """One run as an evidence row (`ROW_COLUMNS`)."""
    from importance.stopping import scores_unused_note

    s, t = run.summary, run.config.train
    strategy = str(s.get("strategy", t.strategy))
    return {"run_id": run.run_id, "strategy": strategy,
            "variant": strategy + repr(sorted(t.strategy_params.items())),
            "keep_ratio": keep_ratio(strategy, t.strategy_params), "seed": int(t.seed),
            "setup": f"{comparison_key(run.config)} on {device_key(s)}",
            "test_mae": number(s.get("test_mae")),
            "backprops": float(backprops_all(s)), "spent": spent_budget(s),
            "wall_s": number(s.get("wall_s")), "energy_kwh": number(s.get("energy_kwh")),
            "partial_last": bool(s.get("partial_last_period", False)),
            "scores_unused": scores_unused_note(s, strategy) is not None,
            "estimated": energy_estimated(s.get("energy_method")),
            "cores_shared": cores_shared(s), **pool_fields(s)}


def device_key(summary: Mapping[str, Any]) -> str:
    """The device a run trained on, as pairing sees it: "cpu", or "cuda:<GPU name>" (runs
    stored before the device was recorded trained on the CPU)."""
    device = summary.get("device") or {}
    kind = str(device.get("kind", "cpu"))
    return "cpu" if kind == "cpu" else f"{kind}:{device.get('name', '')}"


def cores_shared(summary: Mapping[str, Any]) -> bool:
    """Whether a run shared cores with other runs: the runs measured at once on its machine
    times its threads exceeded the cores (runs stored before these fields: False)."""
    at_once, threads, cores = (number(summary.get(k))
                               for k in ("concurrent_runs", "threads", "cores"))
    return bool(np.isfinite(at_once * threads * cores) and at_once * threads > cores + 0.05)


def neural(runs: Iterable[RunLike]) -> list[RunLike]:
    return [r for r in runs if r.summary.get("kind") != "classical"
            and np.isfinite(number(r.summary.get("test_mae")))]


def rows_of(runs: Sequence[RunLike]) -> pd.DataFrame:
    return pd.DataFrame([run_row(r) for r in neural(runs)], columns=ROW_COLUMNS)


# --- claims -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Caveat:
    """Why a claim names no winner: `code` for programs, `text` for people."""

    code: str
    text: str


@dataclass(frozen=True)
class Claim:
    """`strategy` against `against` on `metric`: the per-seed % change of the strategy's
    value (negative: lower error or cost, better), its interval, the share of seeds that
    improved, and the winner (None: the evidence does not decide)."""

    strategy: str
    against: str
    metric: str
    change: Interval
    p_improvement: tuple[float, float, float]
    winner: str | None
    caveats: tuple[Caveat, ...] = ()
    budgets: tuple[float, float] | None = None  # shares of full's backprops: strategy, against
    unit: str = "seed"  # what one pair is: a seed, or a series-seed pair of a pooled sweep
    pool: Pool | None = None  # on several series: the series and test windows it stands on
    # vs a classical model on several series: (series with the lower MASE, series compared)
    series_better: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        p = self.p_improvement
        wins = self.series_better
        return {"strategy": self.strategy, "against": self.against, "metric": self.metric,
                "seeds": self.change.n, "unit": self.unit,
                "mean_change_pct": _json(self.change.mean),
                "interval_pct": self.change.as_list(), "p_improvement": _json(p[0]),
                "p_improvement_interval": None if not np.isfinite(p[1]) else [p[1], p[2]],
                "winner": self.winner,
                "budgets": None if self.budgets is None else list(self.budgets),
                "caveats": [{"code": c.code, "text": c.text} for c in self.caveats],
                "pool": None if self.pool is None else self.pool.to_json(),
                "series_better": None if wins is None else {"series": wins[0], "of": wins[1]}}


def _json(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _claim(strategy: str, against: str, metric: str, changes: np.ndarray,
           caveats: Sequence[Caveat], budgets: tuple[float, float] | None = None,
           unit: str = "seed", pool: Pool | None = None,
           series_better: tuple[int, int] | None = None) -> Claim:
    ch = interval(changes)
    caveats = tuple(caveats)
    if ch.n < MIN_SEEDS:
        caveats = (Caveat("few_seeds", f"{text.seeds_words(ch.n, unit)}: indicative only, no "
                          f"interval and no winner ({MIN_SEEDS} seeds or more decide)"),
                   *caveats)
    winner = None
    if not caveats and ch.excludes_zero:
        winner = strategy if ch.high < 0 else against
    return Claim(strategy, against, metric, ch, improvement(changes), winner, caveats, budgets,
                 unit, pool if metric == "test_mase" else None, series_better)


@dataclass(frozen=True)
class StrategyResult:
    """A strategy variant against full data and its control over the seeds of its setup."""

    name: str
    strategy: str
    variant: str
    keep_ratio: float
    seeds: int
    vs_full: dict[str, Claim]  # by metric; empty without a full run
    vs_control: Claim | None
    budget: float  # mean share of full's backprops spent, scoring included
    energy_estimated: bool
    control_name: str = ""  # "" for a control itself
    run_ids: tuple[str, ...] = field(default=())

    @property
    def accuracy(self) -> Claim | None:
        """Its test error against full data (test MAE, or pooled MASE on several series)."""
        return next((c for m, c in self.vs_full.items() if m in ACCURACY), None)

    @property
    def kept_accuracy(self) -> bool:
        c = self.accuracy
        return bool(c is not None and not c.caveats and c.change.known
                    and c.change.high <= KEPT_ACCURACY_PCT)

    @property
    def saves_time(self) -> bool:
        c = self.vs_full.get("wall_s")
        return bool(c is not None and not c.caveats and c.change.known and c.change.high < 0)

    def saved(self, metric: str) -> float:
        """Mean saving in % against full data (NaN without it)."""
        c = self.vs_full.get(metric)
        return -c.change.mean if c is not None else math.nan


def _pick(rows: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return rows[mask].drop_duplicates("seed", keep="last").set_index("seed", drop=False)


def variant_names(rows: pd.DataFrame) -> dict[str, str]:
    """A name per variant: the strategy's label, with its keep ratio (or parameters) when the
    strategy runs with several."""
    out = {}
    per = rows.drop_duplicates("variant").groupby("strategy")["variant"].apply(list)
    for strategy, variants in per.items():
        for v in variants:
            name = short_label(strategy)
            if len(variants) > 1:
                keep = rows.loc[rows["variant"] == v, "keep_ratio"].iloc[0]
                name += f" at keep {keep:g}" if np.isfinite(keep) else f" {v[len(strategy):]}"
            out[v] = name
    return out


def _caveats(rows: pd.DataFrame, name: str, metrics: Sequence[str]) -> list[Caveat]:
    out, asked, accuracy = [], set(metrics), bool(set(metrics) & set(ACCURACY))
    metrics = [*metrics, *TIME] if accuracy else metrics
    pool = pool_of(rows)
    windows = rows["test_windows"].min() if pool is None else pool.windows_all
    if accuracy and np.isfinite(windows) and windows < MIN_TEST_WINDOWS:
        what = (f"{int(windows)} test windows per series (fewer than {MIN_TEST_WINDOWS})"
                if pool is None else f"{windows_words(pool)}, fewer than {MIN_TEST_WINDOWS}")
        out.append(Caveat("few_test_windows", f"only {what}: too few to judge accuracy"))
    if accuracy and rows["partial_last"].fillna(False).astype(bool).any():
        out.append(Caveat("partial_period", "the series' last value is below half its usual "
                          "level (a partial last period, e.g. an export cut mid-day): its test "
                          "window's error is not the model's"))
    short = rows["wall_s"].min()
    if set(metrics) & set(TIME) and np.isfinite(short) and short < METER_INTERVAL_S:
        out.append(Caveat("short_runs", f"runs as short as {text.seconds(short)}, below the energy "
                          f"meter's {METER_INTERVAL_S:g} s sampling interval: their time and "
                          "energy differences are noise"))
    if asked & set(TIME) and rows["cores_shared"].fillna(False).astype(bool).any():
        out.append(Caveat("shared_cores", "some runs shared cores with other runs trained at "
                          "once (more runs x threads than cores): their wall times include "
                          "waiting for a core; backprops decide"))
    flagged = rows["scores_unused"].fillna(False).astype(bool) & (rows["strategy"] != FULL)
    unused = sorted(rows.loc[flagged, "seed"].unique())
    if unused:
        out.append(Caveat("scores_unused", f"{name}'s best epoch came before any selection by "
                          f"score (seed{'s' if len(unused) > 1 else ''} "
                          f"{', '.join(map(str, unused))}): its scores played no part"))
    return out


def _result(rows: pd.DataFrame, variant: str, names: Mapping[str, str],
            unit: str = "seed") -> StrategyResult:
    setup = rows[rows["variant"] == variant]
    own = _pick(rows, rows["variant"] == variant)
    full = _pick(rows, rows["strategy"] == FULL)
    strategy, name = str(own["strategy"].iloc[0]), names[variant]
    seeds = own.index.intersection(full.index)
    vs_full: dict[str, Claim] = {}
    budget = math.nan
    if len(seeds):
        both = pd.concat([own.loc[seeds], full.loc[seeds]])
        budget = float((own.loc[seeds, "spent"] / full.loc[seeds, "spent"]).mean())
        for m in (accuracy_metric(rows), *SPENT):
            ch = 100 * (own.loc[seeds, m].to_numpy() / full.loc[seeds, m].to_numpy() - 1)
            vs_full[m] = _claim(name, "full data", m, ch, _caveats(both, name, [m]),
                                unit=unit, pool=pool_of(both))
    vs_control = None
    if strategy not in CONTROLS and strategy != FULL:
        vs_control = _control_claim(rows, own, strategy, name, names, unit)
    return StrategyResult(name, strategy, variant, float(own["keep_ratio"].iloc[0]),
                          len(own), vs_full, vs_control, budget,
                          bool(setup["estimated"].any()),
                          "" if strategy in CONTROLS else short_label(control_of(strategy)),
                          tuple(setup["run_id"]))


def _control_claim(rows: pd.DataFrame, own: pd.DataFrame, strategy: str, name: str,
                   names: Mapping[str, str], unit: str = "seed") -> Claim | None:
    """Against the control variant whose budget (backprops, scoring included) is nearest the
    strategy's own on the same seeds; a control at another budget decides nothing."""
    control = control_of(strategy)
    best = None
    for variant in rows.loc[rows["strategy"] == control, "variant"].unique():
        ctrl = _pick(rows, rows["variant"] == variant)
        seeds = own.index.intersection(ctrl.index)
        if not len(seeds):
            continue
        ratio = float((own.loc[seeds, "spent"] / ctrl.loc[seeds, "spent"]).mean())
        if best is None or abs(math.log(ratio)) < abs(math.log(best[2])):
            best = (variant, seeds, ratio, ctrl)
    if best is None:
        return None
    variant, seeds, ratio, ctrl = best
    full = _pick(rows, rows["strategy"] == FULL)
    base = full["spent"].reindex(seeds).to_numpy()
    budgets = (float(np.mean(own.loc[seeds, "spent"].to_numpy() / base)),
               float(np.mean(ctrl.loc[seeds, "spent"].to_numpy() / base)))
    cname, both = names[variant], pd.concat([own.loc[seeds], ctrl.loc[seeds]])
    metric = accuracy_metric(both)
    caveats = _caveats(both, name, [metric])
    if abs(ratio - 1) > BUDGET_TOLERANCE:
        spent = (f"{text.share(budgets[0])} and {text.share(budgets[1])} of full data's"
                 if np.isfinite(budgets[0]) else f"{ratio:.2f}x the")
        caveats.append(Caveat("budget_mismatch", f"{name} and {cname} spent different budgets "
                              f"({spent} backprops, scoring included): a bigger budget is not "
                              "a better selection; run the control at the budget spent"))
    ch = 100 * (own.loc[seeds, metric].to_numpy() / ctrl.loc[seeds, metric].to_numpy() - 1)
    return _claim(name, cname, metric, ch, caveats,
                  budgets if np.isfinite(budgets[0]) else None, unit, pool_of(both))


# --- against classical models -------------------------------------------------------------------

def classical_claim(rows: pd.DataFrame, names: Mapping[str, str], classical: Classical,
                    unit: str = "seed") -> Claim | None:
    """The best neural variant (lowest mean test error over its seeds: MAE, or pooled MASE on
    several series, with the series where its MASE, mean over its seeds, is the lower) against
    the best of the classical models fitted (`classical`, deterministic: no seed)."""
    metric = accuracy_metric(rows)
    figures = {k: classical_figure(v, metric) for k, v in classical.items()}
    figures = {k: v for k, v in figures.items() if np.isfinite(v)}
    if rows.empty or not figures:
        return None
    ref, ref_value = min(figures.items(), key=lambda kv: kv[1])
    means = rows.drop_duplicates(["variant", "seed"], keep="last").groupby(
        "variant")[metric].mean()
    variant = str(means.idxmin())
    own = _pick(rows, rows["variant"] == variant)
    ch = 100 * (own[metric].to_numpy() / ref_value - 1)
    better = None
    if metric == "test_mase" and isinstance(classical[ref], Mapping):
        mean_mase = pd.DataFrame(list(own["series_mase"])).mean().to_dict()
        better = series_better(mean_mase, series_mase(classical[ref]))
    return _claim(names[variant], ref, metric, ch, _caveats(own, names[variant], [metric]),
                  unit=unit, pool=pool_of(own), series_better=better)


# --- the verdict ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """A comparison's conclusion: a tone for its box ("success" only when a best trade-off is
    named), the `headline` every surface shows, the sentences below it, the claims behind
    them and the results per strategy."""

    tone: str
    headline: str
    sentences: tuple[str, ...]
    best: StrategyResult | None
    results: tuple[StrategyResult, ...]
    classical: Claim | None
    seeds: int

    @property
    def claims(self) -> list[Claim]:
        out = [c for r in self.results for c in (*r.vs_full.values(), r.vs_control) if c]
        return out + ([self.classical] if self.classical else [])

    def control_sentences(self) -> list[str]:
        """Each strategy against its control (controls themselves have none)."""
        return [control_sentence(r) for r in self.results if r.control_name]

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of `importance compare --json` / `importance sweep --json`."""
        return {"seeds": self.seeds, "headline": self.headline,
                "best": None if self.best is None else self.best.name,
                "rule": BEST_RULE, "claims": [c.to_json() for c in self.claims]}


def conclude(focus: Sequence[RunLike], store: Sequence[RunLike] = (),
             classical: Classical | None = None) -> Verdict:
    """The verdict of the runs `focus` (a comparison, all its seeds), with the seeds of the
    same setup and variants found in `store` (the newest run per seed; `focus` wins), and
    the best neural strategy against the best of `classical` (name -> test MAE, or the
    summary of its fit, which the MASE of runs on several series needs) if given."""
    focus = neural(focus)
    ids = {r.run_id for r in focus}
    rows = rows_of([r for r in neural(store) if r.run_id not in ids] + focus)
    return conclude_rows(rows, ids, classical)


def conclude_rows(rows: pd.DataFrame, focus_ids: Iterable[str] | None = None,
                  classical: Classical | None = None,
                  unit: str = "seed") -> Verdict:
    """`conclude` on evidence rows (`ROW_COLUMNS`; `seed` is the pairing unit: a sweep over
    several series may pair on series x seed), for the variants of the `focus_ids` rows (all
    rows when None); `unit` names one pair in words ("series-seed pair" when pooling). Rows
    without a `spent` budget (built from backprop counts alone) pair by their `backprops`."""
    rows = rows.assign(spent=rows.get("spent", rows["backprops"]).fillna(rows["backprops"])
                       ).drop_duplicates(["setup", "seed", "variant"], keep="last")
    wanted = rows if focus_ids is None else rows[rows["run_id"].isin(set(focus_ids))]
    if wanted.empty:
        return Verdict("info", "No neural run to compare.", (), None, (), None, 0)
    results, claim = [], None
    for setup in wanted["setup"].unique():
        same = rows[rows["setup"] == setup]
        names = variant_names(same)
        for variant in wanted.loc[wanted["setup"] == setup, "variant"].unique():
            if same.loc[same["variant"] == variant, "strategy"].iloc[0] != FULL:
                results.append(_result(same, variant, names, unit))
        if claim is None and classical:
            claim = classical_claim(same[same["variant"].isin(wanted["variant"])], names,
                                    classical, unit)
    seeds = max([r.seeds for r in results], default=int(wanted["seed"].nunique()))
    return _verdict(results, claim, seeds, has_full=bool((wanted["strategy"] == FULL).any()),
                    unit=unit)


def candidate(results: Sequence[StrategyResult]) -> StrategyResult | None:
    """The strategy that saved the most backprops (ties: the lower test MAE) among those that
    kept accuracy: chosen on what no machine load changes."""
    kept = [r for r in results if r.kept_accuracy]
    return max(kept, key=lambda r: (r.saved("backprops"), r.saved(r.accuracy.metric)),
               default=None)


def best_tradeoff(results: Sequence[StrategyResult]) -> StrategyResult | None:
    """`BEST_RULE`: the `candidate`, when its wall-time saving interval excludes 0. Ranked
    before the wall-time check, so load noise can withhold a name but never swap it."""
    top = candidate(results)
    return top if top is not None and top.saves_time else None


def _verdict(results: list[StrategyResult], claim: Claim | None, seeds: int,
             has_full: bool, unit: str = "seed") -> Verdict:
    top = best_tradeoff(results)
    sentences = [s for r in results for s in (savings_sentence(r), *(
        [control_sentence(r)] if r.control_name else []))]
    if claim is not None:
        sentences.append(classical_sentence(claim))
    return Verdict("success" if top else "info", headline(results, top, seeds, has_full, unit),
                   tuple(sentences), top, tuple(results), claim, seeds)

"""The verdict of a comparison: what each strategy saved and what it cost in accuracy, against
full data and against its random control on the same data and seed, said no more strongly
than the stored runs allow.

Runs are duck-typed like `importance.views.RunInfo`: `run_id`, `summary` (the stored summary)
and `config` (its `RunConfig`). Two runs are *on the same data* when everything but the
strategy, its parameters and the seed matches (`setup_key`): data, windows, model and training
settings. Every ratio pairs runs of the same data and seed (`importance.evidence.paired`); a
strategy is paired with its control at the same keep ratio (`evidence.control_of`: rs2 for
per-epoch selection, the fixed random subset for static selection).

How strongly a difference in test MAE is stated depends on the seeds in the store:

- one seed of a strategy on that data: a difference smaller than `SEED_SPREAD_PCT` (the
  spread of per-seed MAE ratios measured across seeds) is "within the spread measured across
  seeds (±5%): one seed cannot separate them", and no winner is named; a larger one is named
  for that seed only;
- several seeds: the mean difference and its 95% interval over seeds (`mean_interval`); a
  winner only when the interval excludes 0.

Savings count every cost of a run, its scoring included: energy and wall time over all its
phases, backprops for training plus scoring (`importance.compare.backprops_all`). Energy is
called an estimate whenever a run's `energy_method` says it was estimated or modelled.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from importance.compare import backprops_all
from importance.config import RunConfig
from importance.evidence import SEED_SPREAD_PCT, control_of, mean_interval, paired

FULL = "full"
CONTROLS = frozenset({"rs2", "random"})
BEATS, LOSES, SPREAD, NO_WINNER, NO_CONTROL, CONTROL = (
    "beats", "loses", "spread", "no_winner", "no_control", "control")
SPREAD_WORDS = (f"within the spread measured across seeds (±{SEED_SPREAD_PCT:g}%): one seed "
                "cannot separate them")
QUESTION = ("Which training windows matter, and how much energy does skipping the rest save at "
            "what accuracy?")
BEST_RULE = (f"the largest energy saving (wall time when energy was not measured) among the "
             f"strategies whose test MAE stays within the ±{SEED_SPREAD_PCT:g}% seed spread of "
             "full data; the lowest test MAE when none does")


class RunLike(Protocol):
    run_id: str
    summary: dict[str, Any]
    config: RunConfig


# --- rows of evidence -------------------------------------------------------------------------

def setup_key(config: RunConfig) -> str:
    """What must match for two runs to be on the same data: everything but the strategy, its
    parameters and the seed."""
    t = config.train
    return repr((config.data, config.window, config.model, t.epochs, t.batch_size, t.lr,
                 t.lr_schedule, t.country, t.patience, t.min_delta))


def _default_param(strategy: str, name: str) -> Any:
    from importance.strategies import STRATEGIES

    cls = STRATEGIES.get(strategy)
    if cls is None:
        return None
    p = inspect.signature(cls).parameters.get(name)
    return None if p is None or p.default is inspect.Parameter.empty else p.default


def keep_ratio(strategy: str, params: Mapping[str, Any]) -> float:
    """The share of windows a strategy trains per epoch (its parameter, else its constructor's
    default); NaN for strategies without one (full data, selective backprop's default)."""
    if strategy == FULL:
        return math.nan
    v = params.get("keep_ratio", _default_param(strategy, "keep_ratio"))
    return math.nan if v is None else float(v)


def variant(run: RunLike) -> str:
    """A strategy with its parameters: runs of one variant on the same data differ by seed."""
    params = run.config.train.strategy_params
    return _strategy(run) + repr(sorted(params.items()))


def _strategy(run: RunLike) -> str:
    return str(run.summary.get("strategy", run.config.train.strategy))


def _number(v: object) -> float:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return f if math.isfinite(f) else math.nan


def energy_estimated(method: str | None) -> bool:
    """Whether an `energy_method` says the energy was estimated or modelled (CPU power from
    load or a TDP constant, RAM from a constant model) rather than read off counters alone."""
    m = (method or "").lower()
    return any(w in m for w in ("estimat", "constant", "model"))


def _neural(runs: Iterable[RunLike]) -> list[RunLike]:
    return [r for r in runs if r.summary.get("kind") != "classical"
            and np.isfinite(_number(r.summary.get("test_mae")))]


def evidence_rows(runs: Sequence[RunLike]) -> pd.DataFrame:
    """One row per neural run (in the given order) in the columns `importance.evidence`
    expects, with `series` = the run's `setup_key` (its data), plus `run_id` and `variant`."""
    rows = []
    for r in _neural(runs):
        s = r.summary
        strategy = _strategy(r)
        rows.append({"run_id": r.run_id, "strategy": strategy, "variant": variant(r),
                     "keep_ratio": keep_ratio(strategy, r.config.train.strategy_params),
                     "seed": int(r.config.train.seed), "series": setup_key(r.config),
                     "test_mae": _number(s.get("test_mae")),
                     "energy_kwh": _number(s.get("energy_kwh")),
                     "wall_s": _number(s.get("wall_s")),
                     "backprops": float(backprops_all(s))})
    cols = ["run_id", "strategy", "variant", "keep_ratio", "seed", "series", "test_mae",
            "energy_kwh", "wall_s", "backprops"]
    return pd.DataFrame(rows, columns=cols)


# --- the verdict per strategy -------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """A test-MAE difference in percent (negative: lower MAE, better) over the seeds found:
    `mean` (the one seed's value when `seeds` is 1) and its 95% interval (NaN below 2)."""

    mean: float
    low: float
    high: float
    seeds: int

    @property
    def outcome(self) -> str:
        """BEATS (lower MAE), LOSES or, when the runs cannot tell, SPREAD (one seed) or
        NO_WINNER (several seeds, an interval that includes 0)."""
        if self.seeds >= 2:
            return BEATS if self.high < 0 else LOSES if self.low > 0 else NO_WINNER
        if abs(self.mean) < SEED_SPREAD_PCT:
            return SPREAD
        return BEATS if self.mean < 0 else LOSES


def _spread(values: pd.Series) -> Spread | None:
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    m, lo, hi = mean_interval(v)
    return Spread(m, lo, hi, len(v))


@dataclass(frozen=True)
class StrategyVerdict:
    """One run of a comparison against full data and against its control, with the seeds of
    its variant stored on the same data."""

    run_id: str
    strategy: str
    name: str
    seed: int
    keep_ratio: float
    # against the full-data run of the same data and seed (NaN without one); savings in %
    full_id: str | None
    energy_saved_pct: float
    wall_saved_pct: float
    backprop_saved_pct: float
    mae_change_pct: float
    energy_estimated: bool
    vs_full: Spread | None  # test MAE change against full, over the seeds found
    # against the control at the same keep ratio, same data and seed
    control: str | None  # None: the run is itself a control
    control_name: str
    control_id: str | None
    control_energy_saved_pct: float
    vs_control: Spread | None  # this run's test MAE against its control's, over the seeds

    @property
    def is_control(self) -> bool:
        return self.control is None

    @property
    def outcome(self) -> str:
        """Against the control: BEATS, LOSES, SPREAD, NO_WINNER, NO_CONTROL, or CONTROL."""
        if self.is_control:
            return CONTROL
        return NO_CONTROL if self.vs_control is None else self.vs_control.outcome


def short_label(strategy: str) -> str:
    """A strategy's label without its explanation: "RS2", "Gradient-norm top-k"."""
    from importance.strategies import STRATEGIES

    cls = STRATEGIES.get(strategy)
    label = cls.label if cls is not None else strategy
    return label.split(" (")[0].split(":")[0]


def _short_names(runs: Sequence[RunLike], names: Mapping[str, str]) -> dict[str, str]:
    """Each run's strategy in a few words; runs whose strategy repeats among `runs` (other
    parameters) get their page name (`names`), which tells them apart."""
    short = {r.run_id: short_label(_strategy(r)) for r in runs}
    counts = pd.Series(list(short.values()), dtype=object).value_counts()
    return {rid: names.get(rid, n) if counts[n] > 1 else n for rid, n in short.items()}


def _saved(value: float, base: float) -> float:
    if not (np.isfinite(value) and np.isfinite(base)) or base == 0:
        return math.nan
    return float(100 * (1 - value / base))


def strategy_verdicts(focus: Sequence[RunLike], store: Sequence[RunLike] = (),
                      names: Mapping[str, str] | None = None) -> list[StrategyVerdict]:
    """The verdict of every run of `focus` but full data (in order), paired with the full run
    and the control run of its data and seed (a focus run first, else the newest in `store`),
    with every seed of its variant found in `focus` + `store` on the same data (the newest
    run per seed; the focus run for its own seed)."""
    focus = _neural(focus)
    names = _short_names(focus, dict(names or {}))
    focus_ids = {r.run_id for r in focus}
    ordered = [r for r in _neural(store) if r.run_id not in focus_ids] + list(focus)
    rows = evidence_rows(ordered)
    if rows.empty:
        return []
    # the newest run per data, seed and variant: focus runs come last, so they are kept
    rows = rows.drop_duplicates(["series", "seed", "variant"], keep="last")
    pairs = paired(rows.drop(columns=["variant", "run_id"])).assign(
        run_id=rows["run_id"].to_numpy(), variant=rows["variant"].to_numpy())
    by_id = pairs.set_index("run_id", drop=False)
    out = []
    for r in focus:
        strategy = _strategy(r)
        if strategy == FULL or r.run_id not in by_id.index:
            continue
        row = by_id.loc[r.run_id]
        same = (rows["series"] == row["series"]) & (rows["seed"] == row["seed"])
        full = rows[same & (rows["strategy"] == FULL)]
        full_row = full.iloc[-1] if len(full) else None
        seeds = pairs[(pairs["series"] == row["series"]) & (pairs["variant"] == row["variant"])]
        is_control = strategy in CONTROLS
        control = None if is_control else control_of(strategy)
        ctrl = pd.DataFrame()
        if control is not None:
            ctrl = rows[same & (rows["strategy"] == control)
                        & (rows["keep_ratio"] == row["keep_ratio"])]
        ctrl_row = ctrl.iloc[-1] if len(ctrl) else None
        ctrl_id = None if ctrl_row is None else str(ctrl_row["run_id"])
        energy_base = math.nan if full_row is None else full_row["energy_kwh"]
        involved = {r.run_id} | {str(x["run_id"]) for x in (full_row, ctrl_row)
                                 if x is not None}
        estimated = any(energy_estimated(x.summary.get("energy_method"))
                        for x in ordered if x.run_id in involved)
        out.append(StrategyVerdict(
            run_id=r.run_id, strategy=strategy, name=names[r.run_id],
            seed=int(row["seed"]), keep_ratio=float(row["keep_ratio"]),
            full_id=None if full_row is None else str(full_row["run_id"]),
            energy_saved_pct=float(100 * (1 - row["energy_ratio"])),
            wall_saved_pct=float(100 * (1 - row["wall_ratio"])),
            backprop_saved_pct=float(100 * (1 - row["backprop_ratio"])),
            mae_change_pct=float(100 * (row["mae_ratio"] - 1)),
            energy_estimated=estimated,
            vs_full=_spread(100 * (seeds["mae_ratio"] - 1)),
            control=control,
            control_name=names.get(ctrl_id, short_label(control)) if control else "",
            control_id=ctrl_id,
            control_energy_saved_pct=math.nan if ctrl_row is None else _saved(
                ctrl_row["energy_kwh"], energy_base),
            vs_control=None if control is None else _spread(
                100 * (seeds["mae_vs_control"] - 1))))
    return out


# --- in words -----------------------------------------------------------------------------------

def _size(v: float) -> str:
    """|v| to one decimal, rounded down where rounding would lift a difference inside the seed
    spread onto its edge (4.96% reads "4.9%", never "5.0%, within the ±5% spread")."""
    a = abs(v)
    r = round(a, 1)
    if a < SEED_SPREAD_PCT <= r:
        r = math.floor(a * 10) / 10
    return f"{r:.1f}"


def _pct(v: float) -> str:
    return f"{'-' if v < 0 else '+'}{_size(v)}%"


def _diff(v: float) -> str:
    """A test-MAE difference in words: "3.1% lower" / "3.1% higher"."""
    return f"{_size(v)}% {'lower' if v < 0 else 'higher'}"


def _interval(s: Spread) -> str:
    return f"95% interval {_pct(s.low)} to {_pct(s.high)}"


def energy_words(pct: float, estimated: bool) -> str:
    """An energy saving: "27% less energy (estimated)", or "energy not measured"."""
    if not np.isfinite(pct):
        return "energy not measured"
    return (f"{abs(pct):.0f}% {'less' if pct >= 0 else 'more'} energy"
            + (" (estimated)" if estimated else ""))


def _less(pct: float, what: str) -> str:
    if not np.isfinite(pct):
        return f"{what}: not compared"
    return f"{abs(pct):.0f}% {'less' if pct >= 0 else 'more'} {what}"


def _fewer(pct: float, what: str) -> str:
    if not np.isfinite(pct):
        return f"{what}: not compared"
    return f"{abs(pct):.0f}% {'fewer' if pct >= 0 else 'more'} {what}"


def savings_sentence(v: StrategyVerdict) -> str:
    """Against full data: the savings and the test-MAE change, as strongly as the seeds allow."""
    if v.full_id is None or v.vs_full is None:
        return (f"**{v.name}**: no full-data run on the same data with seed {v.seed}, so no "
                "saving can be stated.")
    text = (f"**{v.name}**: {energy_words(v.energy_saved_pct, v.energy_estimated)}, "
            f"{_less(v.wall_saved_pct, 'wall time')} and "
            f"{_fewer(v.backprop_saved_pct, 'backpropagated samples')} than full data "
            f"(scoring included); test MAE {_pct(v.mae_change_pct)} against full data")
    s = v.vs_full
    if s.seeds >= 2:
        text += (f"; over {s.seeds} seeds the test MAE changed by {_pct(s.mean)} on average "
                 f"({_interval(s)}")
        text += ("): no measurable change." if s.outcome == NO_WINNER else
                 "): better than full data." if s.outcome == BEATS else
                 "): worse than full data.")
        return text
    if s.outcome == SPREAD:
        return text + f", {SPREAD_WORDS}."
    return text + f", beyond the ±{SEED_SPREAD_PCT:g}% spread measured across seeds (one seed)."


def control_sentence(v: StrategyVerdict) -> str | None:
    """Against its control on the same data and seed(s); None for a control itself."""
    if v.is_control:
        return None
    keep = f" at keep ratio {v.keep_ratio:.0%}" if np.isfinite(v.keep_ratio) else ""
    if v.vs_control is None:
        return (f"No {v.control_name} run{keep} with seed {v.seed} on the same data: "
                f"{v.name} cannot be compared with its random control.")
    s = v.vs_control
    diff = _diff(s.mean)
    if s.seeds >= 2:
        over = f"over {s.seeds} seeds, its test MAE is {diff} on average ({_interval(s)})"
        text = {BEATS: f"**{v.name} beats its control**, {v.control_name}: {over}.",
                LOSES: f"**The control {v.control_name} beats {v.name}**: {over}.",
                NO_WINNER: f"{v.name} against its control {v.control_name}: {over}, which "
                           "includes 0: no winner."}[s.outcome]
    elif s.outcome == SPREAD:
        text = (f"{v.name} against its control {v.control_name}: test MAE {diff}, "
                f"{SPREAD_WORDS}.")
    else:
        beyond = f"beyond the ±{SEED_SPREAD_PCT:g}% spread measured across seeds; one seed"
        text = (f"**{v.name} beats its control**, {v.control_name}, on seed {v.seed}: test MAE "
                f"{diff} ({beyond})." if s.outcome == BEATS else
                f"**The control {v.control_name} beats {v.name}** on seed {v.seed}: "
                f"{v.name}'s test MAE is {diff} ({beyond}).")
    if np.isfinite(v.energy_saved_pct) and np.isfinite(v.control_energy_saved_pct):
        est = " (estimated)" if v.energy_estimated else ""
        text += (f" Energy saved against full data{est}: {v.name} {v.energy_saved_pct:.0f}%, "
                 f"{v.control_name} {v.control_energy_saved_pct:.0f}%.")
    return text


def best(verdicts: Sequence[StrategyVerdict]) -> StrategyVerdict | None:
    """The strategy to headline (`BEST_RULE`): among those paired with full data, the largest
    energy saving (wall time where energy was not measured) at a test MAE within the seed
    spread of full data; else the lowest test-MAE change."""
    known = [v for v in verdicts if v.full_id is not None and np.isfinite(v.mae_change_pct)]
    if not known:
        return None
    kept = [v for v in known if v.mae_change_pct < SEED_SPREAD_PCT]
    if kept:
        def saving(v: StrategyVerdict) -> float:
            e = v.energy_saved_pct
            return e if np.isfinite(e) else v.wall_saved_pct if np.isfinite(
                v.wall_saved_pct) else -math.inf
        return max(kept, key=saving)
    return min(known, key=lambda v: v.mae_change_pct)


@dataclass(frozen=True)
class Verdict:
    """A comparison's verdict: a tone for its box ("success": a strategy beats its control
    and none loses to one; "warning": a control beats a strategy and none loses to one;
    "info": the runs cannot tell, they disagree, or there is nothing to compare), a headline
    (the best trade-off, `best`) and the sentences below it."""

    tone: str
    headline: str
    sentences: tuple[str, ...]
    best: StrategyVerdict | None
    verdicts: tuple[StrategyVerdict, ...]


def verdict(focus: Sequence[RunLike], store: Sequence[RunLike] = (),
            names: Mapping[str, str] | None = None) -> Verdict:
    """The verdict of the runs `focus` (e.g. the latest comparison), with the seeds of `store`
    (every stored run) for the intervals."""
    vs = strategy_verdicts(focus, store, names)
    if not vs:
        has_full = any(_strategy(r) == FULL for r in _neural(focus))
        text = ("Only full data: no strategy to compare with it." if has_full else
                "No neural run to compare.")
        return Verdict("info", text, (), None, ())
    top = best(vs)
    outcomes = [v.outcome for v in vs]
    tone = ("info" if (BEATS in outcomes) == (LOSES in outcomes) else
            "success" if BEATS in outcomes else "warning")
    if top is None:
        headline = ("No full-data run on the same data and seed: savings cannot be stated. "
                    "Add full data to the comparison.")
    else:
        headline = (f"Best trade-off: **{top.name}**, "
                    f"{energy_words(top.energy_saved_pct, top.energy_estimated)} and "
                    f"{_less(top.wall_saved_pct, 'wall time')} than full data at a test MAE "
                    f"{_pct(top.mae_change_pct)}"
                    + (f", within the ±{SEED_SPREAD_PCT:g}% spread measured across seeds"
                       if top.vs_full is not None and top.vs_full.outcome == SPREAD else "")
                    + ".")
    sentences = []
    for v in vs:
        sentences.append(savings_sentence(v))
        if (c := control_sentence(v)) is not None:
            sentences.append(c)
    return Verdict(tone, headline, tuple(sentences), top, tuple(vs))


# --- against classical models (Forecasts) -------------------------------------------------------

def classical_verdict(neural: Mapping[str, float], classical: Mapping[str, float]
                      ) -> tuple[str, list[str]]:
    """The best neural run (lowest test MAE of `neural`: name -> MAE) against the best of all
    the classical models fitted (`classical`: name -> MAE), as (tone, sentences). A difference
    below the seed spread names no winner (a neural run is one seed)."""
    neural = {k: v for k, v in neural.items() if np.isfinite(v)}
    classical = {k: v for k, v in classical.items() if np.isfinite(v)}
    if not neural or not classical:
        return "info", []
    name, mae = min(neural.items(), key=lambda kv: kv[1])
    ref, ref_mae = min(classical.items(), key=lambda kv: kv[1])
    pct = 100 * (mae / ref_mae - 1) if ref_mae else math.nan
    against = (f"the best of the {len(classical)} classical models fitted on this data, "
               f"{ref} (test MAE {ref_mae:,.2f})" if len(classical) > 1 else
               f"the one classical model fitted on this data, {ref} (test MAE {ref_mae:,.2f})")
    head = f"The best neural run, **{name}** (test MAE {mae:,.2f}), against {against}: "
    if not np.isfinite(pct):
        return "info", [head + "cannot be compared."]
    diff = _diff(pct)
    if abs(pct) < SEED_SPREAD_PCT:
        return "info", [head + f"test MAE {diff}, {SPREAD_WORDS}."]
    if pct < 0:
        return "success", [head + f"**it beats it**, test MAE {diff} (beyond the "
                           f"±{SEED_SPREAD_PCT:g}% seed spread)."]
    return "warning", [head + f"**the classical model is better**: the neural run's test MAE "
                       f"is {diff} (beyond the ±{SEED_SPREAD_PCT:g}% seed spread)."]


def leaderboard(table: pd.DataFrame, mae: str = "MAE") -> pd.DataFrame:
    """`table` (one row per model) sorted by test MAE, best first, with a `rank` column first
    (models without an MAE last, unranked)."""
    out = table.sort_values(mae, kind="stable", na_position="last").reset_index(drop=True)
    ranks = pd.Series(range(1, len(out) + 1), dtype="Int64")
    ranks[out[mae].isna().to_numpy()] = pd.NA
    out.insert(0, "rank", ranks)
    return out

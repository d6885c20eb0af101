"""README's "Measured here" claims, generated from the committed benchmark results through the
verdict engine (`importance.verdict`), so no claim drifts from its evidence.

    python -m benchmarks.measured            # rewrite README.md's generated blocks
    python -m benchmarks.measured --check    # exit 1 when README.md disagrees with the results

Each generated block sits between `<!-- measured:NAME -->` and `<!-- /measured:NAME -->`;
everything else in README.md is left as it is. `tests/core/test_measured.py` runs the check.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

from importance import text
from importance import verdict as vd

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
STRATEGIES = ROOT / "benchmarks" / "results" / "strategies-2026-12-06.json"
ESTIMATED = True  # CodeCarbon without RAPL: CPU load x TDP plus a RAM constant


WHY = {"budget_mismatch": "budgets differ", "few_seeds": "too few seeds",
       "few_test_windows": "too few test windows", "short_runs": "runs too short",
       "scores_unused": "scores unused", "partial_period": "a partial last period"}


def strategy_rows(results: dict) -> pd.DataFrame:
    """`benchmarks.bench_strategies` results (runs keyed "seed/strategy@keep") as the
    engine's evidence rows, one setup (the embedded default data and defaults)."""
    rows = []
    for key, r in results["runs"].items():
        seed, variant = key.split("/", 1)
        strategy, _, keep = variant.partition("@")
        rows.append({"run_id": key, "strategy": strategy, "variant": variant,
                     "keep_ratio": float(keep) if keep else math.nan, "seed": int(seed),
                     "setup": "default", "test_mae": r["test_mae"],
                     "backprops": float(r["samples_backprop"]
                                        + (r.get("samples_scoring_backprop") or 0)),
                     "wall_s": r["wall_s"],
                     "energy_kwh": math.nan if r["energy_kwh"] is None else r["energy_kwh"],
                     "test_windows": math.nan, "partial_last": False, "scores_unused": False,
                     "estimated": ESTIMATED,
                     # the benchmark trains one run at a time (benchmarks/bench_strategies.py)
                     "cores_shared": False})
    return pd.DataFrame(rows, columns=vd.ROW_COLUMNS)


def strategies_verdict(path: Path = STRATEGIES) -> vd.Verdict:
    return vd.conclude_rows(strategy_rows(json.loads(path.read_text())))


def _interval(c: vd.Claim) -> str:
    return (f"{text.change(c.change.mean)} [{text.span(c.change.low, c.change.high)}]"
            if c.change.known else text.change(c.change.mean))


def strategies_block(path: Path = STRATEGIES) -> str:
    """The strategies benchmark as a table (per variant: test MAE, backprops and wall time
    against full data; test MAE against its control at the budget spent; the engine's word)
    and the engine's headline."""
    v = strategies_verdict(path)
    lines = [f"Every strategy at keep 0.5 and 0.7 (InfoBatch at that target budget), default "
             f"data and defaults, seeds 0-4, from `{path.relative_to(ROOT)}` "
             "(`python -m benchmarks.bench_strategies`, 12 min; this block: "
             "`python -m benchmarks.measured`). Changes are paired by seed, mean "
             "[95% t-interval]; negative is lower (better). Wall time includes scoring.", "",
             "| strategy | test MAE vs full | backprops vs full | wall time vs full | "
             "test MAE vs its control (budgets) | decided |", "|---|---|---|---|---|---|"]
    for r in v.results:
        c = r.vs_control
        ctrl = "(a control)" if not r.control_name else "no control run" if c is None else (
            f"{_interval(c)} vs {c.against}"
            + (f" ({text.share(c.budgets[0])} / {text.share(c.budgets[1])})" if c.budgets
               else ""))
        decided = ("kept accuracy" if r.kept_accuracy else "lost accuracy"
                   if r.vs_full["test_mae"].change.low > vd.KEPT_ACCURACY_PCT else
                   "accuracy not decided")
        if c is not None and c.winner:
            loser = c.strategy if c.winner == c.against else c.against
            decided += f"; {c.winner} is better than {loser}"
        elif c is not None and c.caveats:
            decided += "; no winner: " + ", ".join(WHY[cv.code] for cv in c.caveats)
        lines.append(f"| {r.name} | {_interval(r.vs_full['test_mae'])} | "
                     f"{text.change(r.vs_full['backprops'].change.mean)} | "
                     f"{_interval(r.vs_full['wall_s'])} | {ctrl} | {decided} |")
    lines += ["", f"Verdict: {v.headline}"]
    return "\n".join(lines)


BLOCKS = {"strategies": strategies_block}


def render(readme: str) -> str:
    """`readme` with every generated block rewritten from the results."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- measured:{name} -->\n).*?(<!-- /measured:{name} -->)",
                             re.S)
        if not pattern.search(readme):
            raise ValueError(f"README.md has no block <!-- measured:{name} --> ... "
                             f"<!-- /measured:{name} -->")
        readme = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 when README.md disagrees")
    a = p.parse_args(argv)
    current = README.read_text()
    wanted = render(current)
    if a.check:
        if wanted != current:
            print("README.md's measured blocks disagree with benchmarks/results: run "
                  "python -m benchmarks.measured", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())

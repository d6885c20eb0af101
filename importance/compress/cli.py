"""`importance compress RUN_ID`: compressed variants of a stored run, measured here; and the
`--compress` step of `importance compare` (the default variants of each new run).

Exit status: 0 when done, 2 on an invalid request (unknown run or variant, bad option).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from importance.compress.lab import Settings
from importance.compress.variants import DEFAULT_VARIANTS, FIXED, PATTERNS

DEFAULT = Settings()  # what a session measures with when no option is given
COMPRESS_EXAMPLE = ("example: importance compress 20261206-101500-full-a1b2c3 "
                    "--variants fp32,int8-dynamic,structured-50-ft --json compress.json")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The `compress` subcommand of `importance`'s parser."""
    from importance.runs.store import default_runs_dir

    p = sub.add_parser(
        "compress", help="measure quantised and pruned variants of a stored run",
        description="Build compressed variants of a stored run's model, evaluate each on the "
                    "run's test windows and measure it here against the uncompressed model: "
                    "test MAE and drift, stored size (raw and zipped), latency per 1,000 "
                    "windows (median of paired, alternating passes), inference energy (the "
                    "training meter: on a CPU without RAPL an estimate from CPU load and a "
                    "RAM constant), fine-tune cost. Results and the variants' weights are "
                    "stored with the run (compress.json, compress/*.pt). Variants: "
                    f"{', '.join(FIXED)}, {', '.join(PATTERNS)} (P a percentage, 1-99).",
        epilog=COMPRESS_EXAMPLE)
    p.add_argument("run_id", metavar="RUN_ID", help="a stored run (list them: importance runs)")
    p.add_argument("--variants", nargs="+", default=[",".join(DEFAULT_VARIANTS)],
                   metavar="NAME[,NAME...]",
                   help="variants to measure, comma- or space-separated (default: "
                        f"{','.join(DEFAULT_VARIANTS)})")
    p.add_argument("--insist", action="store_true",
                   help="measure fp16/bf16 compute even where the device has no native 16-bit "
                        "arithmetic (emulated: slow)")
    p.add_argument("--finetune-epochs", type=int, default=None,
                   help="epochs of the structured-P-ft fine-tune (default: "
                        f"{DEFAULT.finetune_epochs})")
    p.add_argument("--rounds", type=int, default=None,
                   help=f"paired latency passes per variant (default: {DEFAULT.rounds})")
    p.add_argument("--threads", type=int, default=None,
                   help=f"intra-op threads while measuring (default: {DEFAULT.threads}, as "
                        "one serving process per core; stable when the machine is shared)")
    p.add_argument("--energy-seconds", type=float, default=None,
                   help="seconds of each of the four metered inference phases per variant "
                        f"(default: {DEFAULT.energy_seconds:g})")
    p.add_argument("--runs-dir", type=Path, default=None,
                   help=f"run store folder (default: $IMPORTANCE_RUNS_DIR or {default_runs_dir()})")
    p.add_argument("--json", type=Path, default=None,
                   help="also write the results as JSON here (variants under 'variants')")
    return p


def _settings(a: argparse.Namespace) -> Settings:
    given = {"finetune_epochs": a.finetune_epochs, "rounds": a.rounds,
             "energy_seconds": a.energy_seconds, "threads": a.threads}
    for key, value in given.items():
        if value is not None and not value > 0:
            raise ValueError(f"--{key.replace('_', '-')} must be positive, got {value}")
    return Settings(insist=a.insist, **{k: v for k, v in given.items() if v is not None})


def compress(store, run_id: str, variants: Any = None, settings: Any = None,
             meter: Any = None) -> dict[str, Any]:
    """`lab.compress_run`, with an unknown run id as a ValueError naming it."""
    from importance.compress.lab import compress_run

    try:
        return compress_run(store, run_id, variants, settings=settings or Settings(),
                            meter=meter,
                            on_progress=lambda i, n, name: name and print(
                                f"  [{i + 1}/{n}] {name}", flush=True))
    except KeyError as exc:
        raise ValueError(exc.args[0] if exc.args else str(exc)) from None


def print_results(results: dict[str, Any]) -> None:
    """The table, a sentence per variant, the device, load and energy method."""
    from importance.compress.view import energy_words, sentence, table_rows

    rows = table_rows(results)
    table = [list(rows[0])] + [list(r.values()) for r in rows] if rows else []
    if table:
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for r in table:
            print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    zipped = results["reference"]["size_zipped_bytes"]
    for v in results["variants"]:
        print(f"- {sentence(v, zipped)}")
    load = results.get("load_1m") or [None, None]
    threads = f"{results['threads']} thread{'s' if results['threads'] > 1 else ''}"
    print(f"device: {results['device']}, {threads} of {results['cores']} cores; load average "
          f"{load[0]:.1f} -> {load[1]:.1f} while measuring" if load[0] is not None
          else f"device: {results['device']}")
    print(f"{energy_words(results)}. Latency and energy are per 1,000 windows of the run's "
          f"test set ({results['windows_timed']:,} timed); 'x' columns are ratios to the "
          "uncompressed model measured in the same process; drift is the largest forecast "
          "change (original units).")


def run(a: argparse.Namespace) -> int:
    from importance.compress.variants import parse_variants
    from importance.runs.store import RunStore
    from importance.runtime import configure

    specs = parse_variants(",".join(a.variants))  # refused before any work
    settings = _settings(a)
    configure()
    store = RunStore(a.runs_dir)
    print(f"compressing run {a.run_id}: {', '.join(s.name for s in specs)}")
    results = compress(store, a.run_id, specs, settings)
    print_results(results)
    print(f"stored in {store.root / a.run_id}/compress.json")
    if a.json is not None:
        from importance.runs.store import _finite

        a.json.write_text(json.dumps(_finite(results), indent=1, allow_nan=False))
    return 0


def after_compare(store, summaries: list[dict[str, Any]], meter: Any) -> dict[str, Any]:
    """`compare --compress`: the default variants of each neural run, printed; by run id."""
    out = {}
    for s in summaries:
        if s.get("kind") == "classical" or not s.get("run_id"):
            continue
        print(f"\ncompressed variants of {s['strategy']} ({s['run_id']}):")
        out[s["run_id"]] = compress(store, s["run_id"], meter=meter)
        print_results(out[s["run_id"]])
    return out

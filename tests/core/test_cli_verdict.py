"""`importance compare` says what the evidence engine (`importance.verdict`) says, as it says
it: one seed names no winner, three seeds give intervals, and a strategy that spent another
budget than its control gets a control at the budget it spent. Tiny runs on the embedded data."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from importance.cli import main
from importance.compare_cli import plain
from importance.config import RunConfig, TrainConfig
from importance.controls import budget_controls

TINY = ["--epochs", "2", "--hidden", "4", "--lookback", "12", "--stride", "4", "--no-progress"]
WINNER_WORDS = ("is better", "Best trade-off", "best trade-off", " beats ")


def _compare(tmp_path: Path, *options: str) -> tuple[dict, str, list[dict]]:
    out = tmp_path / "out.json"
    assert main(["compare", *TINY, "--json", str(out), "--runs-dir", str(tmp_path / "runs"),
                 *options]) == 0
    doc = json.loads(out.read_text())
    return doc, doc["verdict"], doc["runs"]


def test_one_seed_prints_the_engines_verdict_and_names_no_winner(tmp_path, capsys):
    doc, found, runs = _compare(tmp_path, "--seed", "3", "--strategies", "full,gradnorm,rs2")
    printed = capsys.readouterr().out
    assert [(r["strategy"], r["seed"]) for r in runs] == [("full", 3), ("gradnorm", 3),
                                                          ("rs2", 3)]
    assert found["seeds"] == 1 and found["best"] is None and found["rule"]
    assert len(found["claims"]) == 2 * 4 + 1  # gradnorm and rs2 vs full, gradnorm vs rs2
    assert all(c["winner"] is None and c["interval_pct"] is None for c in found["claims"])
    assert all(c["seeds"] == 1 for c in found["claims"])
    assert plain(found["headline"]) in printed and "**" not in printed
    assert found["headline"].startswith("One seed: indicative, names no winner")
    for word in WINNER_WORDS:
        assert word not in printed, word
    assert "energy to reach accuracy, seed 3 (one seed: indicative)" in printed


def test_three_seeds_give_intervals_in_the_json(tmp_path, capsys):
    doc, found, runs = _compare(tmp_path, "--strategies", "full,rs2")  # the default: 0-2
    printed = capsys.readouterr().out
    assert [(r["strategy"], r["seed"]) for r in runs] == [
        (s, seed) for seed in (0, 1, 2) for s in ("full", "rs2")]
    assert found["seeds"] == 3
    claims = found["claims"]
    assert {c["metric"] for c in claims} == {"test_mae", "backprops", "wall_s", "energy_kwh"}
    for c in claims:
        low, high = c["interval_pct"]
        assert c["seeds"] == 3 and low <= c["mean_change_pct"] <= high
        assert "few_seeds" not in {cv["code"] for cv in c["caveats"]}
    backprops = next(c for c in claims if c["metric"] == "backprops")
    spent = [r["samples_backprop"] for r in runs]
    assert backprops["mean_change_pct"] == pytest.approx(
        sum(100 * (spent[i + 1] / spent[i] - 1) for i in (0, 2, 4)) / 3)
    assert plain(found["headline"]) in printed
    table = printed.split("\n\n")[0]  # up to the verdict
    assert [row.split()[1:3] for row in table.splitlines() if row.split()[0] == "rs2"] == \
        [["0.7", "0"], ["0.7", "1"], ["0.7", "2"]]  # keep and seed columns
    for seed in (0, 1, 2):
        assert f"seed {seed} ({seed + 1} of 3)" in printed


def test_a_control_is_added_at_the_budget_spent_and_kept_for_later_seeds(tmp_path, capsys):
    # InfoBatch asked for 0.25 spends far more: its losses bound the share it can prune
    doc, found, runs = _compare(tmp_path, "--seeds", "0,1", "--strategies",
                                "full,infobatch,rs2", "--keep-ratio", "0.25")
    printed = capsys.readouterr().out
    full, info = runs[0], runs[1]
    share = round(info["samples_backprop"] / full["samples_backprop"], 3)
    assert share > 0.3
    assert printed.count("added rs2 at keep ") == 1
    assert f"added rs2 at keep {share:g}: the budget infobatch spent" in printed
    assert [(r["strategy"], r["keep_ratio"], r["seed"]) for r in runs] == [
        ("full", None, 0), ("infobatch", 0.25, 0), ("rs2", 0.25, 0), ("rs2", share, 0),
        ("full", None, 1), ("infobatch", 0.25, 1), ("rs2", 0.25, 1), ("rs2", share, 1)]
    (control,) = [c for c in found["claims"] if c["against"].startswith("RS2")]
    assert control["against"] == f"RS2 at keep {share:g}" and control["seeds"] == 2
    assert "budget_mismatch" not in {cv["code"] for cv in control["caveats"]}
    assert control["budgets"][0] == pytest.approx(control["budgets"][1], rel=0.05)


def _run(strategy: str, backprops: int, scoring: int = 0, keep: float = 0.5):
    params = {} if strategy == "full" else {"keep_ratio": keep}
    config = RunConfig(train=TrainConfig(strategy=strategy, strategy_params=params, seed=4))
    return SimpleNamespace(config=config, summary={"samples_backprop": backprops,
                                                   "samples_scoring_backprop": scoring})


def test_budget_controls_match_the_backprops_spent():
    full = _run("full", 1000)
    grad, rs2 = _run("gradnorm", 500), _run("rs2", 510)
    assert budget_controls([full, grad, rs2], "last_layer") == []  # within the tolerance
    assert budget_controls([grad, _run("selective_backprop", 700)], "last_layer") == []  # no full
    (cfg, line), = budget_controls([full, grad, _run("rs2", 300)], "last_layer")
    assert line == "added rs2 at keep 0.5: the budget gradnorm spent"
    assert cfg.train == TrainConfig(strategy="rs2", strategy_params={"keep_ratio": 0.5}, seed=4)
    el2n = _run("el2n", 600, scoring=900)  # its scoring runs count: 1.5x full's backprops
    both = [_run("selective_backprop", 416), _run("importance_sampling", 416)]
    out = budget_controls([full, el2n, *both], "exact")
    assert [line for _, line in out] == [
        "no random run at the budget el2n spent: 1.50x full data's backprops (scoring "
        "included), which no keep ratio (at most 1) matches",
        "added rs2 at keep 0.416: the budget selective_backprop spent"]  # one for both
    assert out[0][0] is None
    assert out[1][0].train.strategy_params == {"keep_ratio": 0.416}

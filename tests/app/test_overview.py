"""The Overview page and the verdict (`importance.verdict.conclude`) on the Overview, Energy and
Forecasts pages and in the HTML report (issue 20): one seed names no winner anywhere in the
rendered text and says it is indicative; three seeds where a strategy keeps accuracy at a
saving name the same best trade-off on the Overview and in the report; the demo's launch;
the Forecasts verdict against the best classical model fitted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from html_tables import html_tables
from pagetools import new_app, page

from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.evidence import KEPT_ACCURACY_PCT
from importance.sweep.view import duration_words
from ui import runs, state

OVERVIEW = "pages/overview.py"
GRAD, RS2 = "Gradient-norm top-k", "RS2"  # the verdict's short names
WINNER_WORDS = ("Best trade-off", "is better", "beats")  # only the engine, from 3 seeds


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def rendered(at) -> str:
    """Every text the page shows: titles, markdown, captions, boxes, tiles, table cells and
    chart titles and labels."""
    parts = [_texts(getattr(at, kind)) for kind in (
        "title", "header", "subheader", "markdown", "caption", "info", "success", "warning",
        "error")]
    parts += [f"{m.label} {m.value} {m.proto.delta}" for m in at.metric]
    parts += [d.value.to_string() for d in at.dataframe]
    parts += [t.to_string() for t in html_tables(at)]
    parts += [e.label for e in at.expander]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return " ".join(parts)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One tiny trained full-data run, cloned below into runs of chosen test MAE and cost."""
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment
    from importance.runs.store import RunStore

    root = tmp_path_factory.mktemp("template")
    store = RunStore(root)
    cfg = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                    train=TrainConfig(strategy="full", epochs=2))
    return root / run_experiment(cfg, store=store, meter=EnergyMeter("ITA"))


def _clone(template: Path, root: Path, k: int, strategy: str, seed: int, mae: float,
           wall_s: float, backprop_share: float) -> str:
    """A copy of `template` as a `strategy` run of `seed` with test MAE `mae`, wall time
    `wall_s` (energy in proportion, as CodeCarbon's load estimate makes it) and the given
    share of the template's backprops; its best epoch selected by score."""
    run_id = f"20261206-22{k // 60:02d}{k % 60:02d}-{strategy}-s{seed}"
    shutil.copytree(template, root / run_id)
    summary = json.loads((root / run_id / "summary.json").read_text())
    config = json.loads((root / run_id / "config.json").read_text())
    summary |= {"run_id": run_id, "strategy": strategy, "label": {
        "full": "Full data (baseline)", "gradnorm": "Gradient-norm top-k (importance)",
        "rs2": "RS2: random subset, no replacement (control)"}[strategy],
        "created": f"2026-12-06T22:{k // 60:02d}:{k % 60:02d}+00:00", "test_mae": mae,
        "energy_kwh": 1e-5 * wall_s, "wall_s": wall_s, "best_epoch_by_score": True,
        "samples_backprop": int(summary["samples_backprop"] * backprop_share)}
    config["train"] |= {"strategy": strategy, "seed": seed,
                        "strategy_params": {} if strategy == "full" else {"keep_ratio": 0.7}}
    (root / run_id / "summary.json").write_text(json.dumps(summary))
    (root / run_id / "config.json").write_text(json.dumps(config))
    return run_id


def store_comparisons(template: Path, root: Path,
                      seeds: dict[int, tuple[float, float]]) -> list[str]:
    """Per seed, full data (test MAE 100, 30 s), gradnorm (18-19 s) and rs2 (17-18 s), both at
    70% of full's backprops, with the given test MAEs; the last seed's runs are the latest
    comparison."""
    root.mkdir(parents=True, exist_ok=True)
    ids, k = [], 0
    for seed, (grad, rs2) in seeds.items():
        for strategy, mae, wall in (("full", 100.0, 30.0), ("gradnorm", grad, 18.0 + seed / 4),
                                    ("rs2", rs2, 17.0 + seed / 3)):
            ids.append(_clone(template, root, k, strategy, seed, mae, wall,
                              1.0 if strategy == "full" else 0.7))
            k += 1
    return ids


def _report(root: Path, ids: list[str], tmp_path: Path, classical=None) -> str:
    from importance.report import build_report, load_runs, stored_runs
    from importance.runs.store import RunStore

    store = RunStore(root)
    chosen, preds = load_runs(store, ids)
    html = build_report(chosen, preds, store=stored_runs(store), classical=classical)
    (tmp_path / "report.html").write_text(html)
    return re.sub(r"<[^>]+>", "", html.split("<h2>Charts</h2>")[0])  # the text before charts


def test_one_seed_names_no_winner_on_any_page_nor_in_the_report(template, runs_dir, tmp_path):
    """One seed: gradnorm 3.6% and rs2 0.5% worse than full data, both cheaper. Every page
    and the report say it is indicative; none names a best trade-off or a winner."""
    ids = store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    at = page(new_app().run(), OVERVIEW)
    overview = rendered(at)
    assert "Which training windows matter" in overview
    assert not at.success and not at.metric  # no best trade-off: no tiles, a neutral box
    box = next(i.value for i in at.info if "indicative" in i.value)
    assert box.startswith("One seed: indicative, names no winner.")
    assert f"**{GRAD}** against its control {RS2}" in box
    assert len(at.get("plotly_chart")) == 1  # the trade-off chart, without error bars
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not any(t.get("error_y") for t in chart["data"])  # no interval from one seed
    assert f"+{KEPT_ACCURACY_PCT:g}%" in chart["layout"]["annotations"][0]["text"]

    page(at, "pages/energy.py")  # the same headline, every strategy's figures against full
    energy = rendered(at)
    assert at.info[0].value.startswith("One seed: indicative, names no winner.")
    assert f"**{GRAD}** against full data (1 seed): test MAE +3.6%" in at.info[0].value
    assert "(estimated)" in at.info[0].value
    assert "Each row is one run (one seed): its costs to a target name no cheapest" in energy

    page(at, "pages/forecasts.py")
    forecasts = rendered(at)
    box = at.info[0].value
    assert box.startswith("One seed: indicative, names no winner.")
    assert box.count("against the best classical model fitted") == 1  # shown once

    report = _report(runs_dir, ids, tmp_path)
    assert "One seed: indicative, names no winner." in report
    for where, text in (("Overview", overview), ("Energy", energy), ("Forecasts", forecasts),
                        ("report", report)):
        found = [w for w in WINNER_WORDS if w.lower() in text.lower()]
        assert not found, f"{where} says {found} on one seed"
        assert "indicative" in text


def test_three_seeds_name_the_same_best_trade_off_on_the_overview_and_in_the_report(
        template, runs_dir, tmp_path):
    """Three seeds: gradnorm within 1% of full data's test MAE at 70% of its backprops and
    ~40% less wall time; rs2 5-6% worse. Gradnorm kept accuracy at a saving: the best trade-off
    on the Overview (tiles with intervals, a green box) and in the report alike."""
    ids = store_comparisons(template, runs_dir, {0: (99.5, 105.0), 1: (100.4, 106.0),
                                                 2: (99.9, 105.5)})
    at = page(new_app().run(), OVERVIEW)
    (box,) = at.success
    named = re.search(r"Best trade-off: \*\*(.+?)\*\*", box.value).group(1)
    assert named == GRAD
    assert "3 seeds" in box.value
    tiles = {m.label: m for m in at.metric}
    assert list(tiles) == ["Backprops saved", "Wall time saved", "Test MAE vs full data",
                           "Energy saved (estimated)"]
    assert tiles["Backprops saved"].value == "30.0%"
    assert tiles["Wall time saved"].proto.delta.startswith("95%: ")
    assert tiles["Test MAE vs full data"].value == "-0.1%"
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    (grad,) = [t for t in chart["data"] if t["name"] == GRAD]  # its intervals as error bars
    assert grad["error_x"]["array"][0] > 0 and grad["error_y"]["array"][0] > 0
    savings = _texts(at.markdown)
    assert f"**{GRAD}** against full data (3 seeds)" in savings
    assert f"**{RS2}** against full data (3 seeds)" in savings and "lost accuracy" in savings

    headline = box.value.split("\n")[0]
    for other in ("pages/energy.py", "pages/forecasts.py"):  # the same headline on every page
        page(at, other)
        assert [s.value.split("\n")[0] for s in at.success] == [headline], other

    report = _report(runs_dir, ids[-3:], tmp_path)  # the latest seed: the others from the store
    assert re.search(r"Best trade-off: (.+?) kept accuracy", report).group(1) == named
    assert report.count("Best trade-off") == 1


def _as_sweep(root: Path, run_ids: list[str]) -> None:
    """Mark stored runs as a sweep's (the sweep runner stores its id in their summary)."""
    for run_id in run_ids:
        path = root / run_id / "summary.json"
        path.write_text(json.dumps(json.loads(path.read_text()) | {"sweep_id": "sweep-1"}))


def test_the_overview_shows_the_latest_comparison_not_a_later_sweep(template, runs_dir):
    """A sweep that finished after a comparison: the Overview (and the runs picked by
    default) stay on the comparison (issue 24)."""
    store_comparisons(template, runs_dir, {0: (99.5, 105.0), 1: (100.4, 106.0),
                                           2: (99.9, 105.5)})
    swept = store_comparisons(template, runs_dir / "later", {5: (120.0, 90.0)})
    for run_id in swept:  # stored after the comparison (their names sort later)
        new_id = run_id.replace("20261206-22", "20261206-23")
        shutil.move(runs_dir / "later" / run_id, runs_dir / new_id)
        path = runs_dir / new_id / "summary.json"
        path.write_text(json.dumps(json.loads(path.read_text()) | {"run_id": new_id}))
        cfg = runs_dir / new_id / "config.json"  # a sweep of its own settings (3 epochs)
        config = json.loads(cfg.read_text())
        config["train"]["epochs"] = 3
        cfg.write_text(json.dumps(config))
    shutil.rmtree(runs_dir / "later")
    _as_sweep(runs_dir, [r.replace("20261206-22", "20261206-23") for r in swept])
    at = page(new_app().run(), OVERVIEW)
    (box,) = at.success  # the comparison's three seeds: gradnorm, as without the sweep
    assert re.search(r"Best trade-off: \*\*(.+?)\*\*", box.value).group(1) == GRAD
    assert "3 seeds" in box.value


def test_with_only_a_sweeps_runs_the_overview_says_there_is_no_comparison(template, runs_dir):
    _as_sweep(runs_dir, store_comparisons(template, runs_dir, {0: (99.5, 105.0),
                                                               1: (100.4, 106.0)}))
    at = page(new_app().run(), OVERVIEW)
    assert not at.success
    assert any("No comparison yet (the 6 stored runs are a sweep's: the Sweep page shows "
               "them)" in i.value for i in at.info)


def test_the_forecasts_page_judges_against_the_best_classical_model_fitted(template,
                                                                          runs_dir):
    store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    at = page(new_app().run(), "pages/forecasts.py")
    # the verdict heads the page: the classical claim, then each strategy against its control
    box = at.info[0].value
    assert f"**{GRAD}** against its control {RS2}" in box
    # Holt-Winters is fitted (and drawn) by default, with both seasonal naive models
    assert at.multiselect(key=state.FC_CLASSICAL).value == list(
        ("seasonal_naive_daily", "seasonal_naive_weekly", "holt_winters"))
    (board,) = [t for t in html_tables(at) if "rank" in t.columns]
    assert board["MAE"].is_monotonic_increasing and board["rank"].iloc[0] == 1
    classical = board[board["kind"] == "classical"]
    assert len(classical) == 3
    best = classical.sort_values("MAE").iloc[0]
    assert f"against the best classical model fitted, {best['model']} (1 seed)" in box
    assert "3 classical models fitted on this data" in _texts(at.caption)
    # the leaderboard's columns are numbers, the sentences the verdict's alone
    assert not [c for c in board.columns if board[c].astype(str).str.contains("beat").any()]

    # drawing fewer models does not change the models the verdict is against
    at.multiselect(key=state.FC_CLASSICAL).set_value(["seasonal_naive_daily"]).run()
    assert not at.exception, [e.value for e in at.exception]
    (board,) = [t for t in html_tables(at) if "rank" in t.columns]
    assert (board["kind"] == "classical").sum() == 3
    assert f"classical model fitted, {best['model']}" in at.info[0].value


def test_the_report_compares_with_the_classical_models_it_lists(template, runs_dir, tmp_path):
    ids = store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    report = _report(runs_dir, ids, tmp_path, classical={"Holt-Winters": 95.0,
                                                         "Seasonal naive": 120.0})
    assert "Classical models" in report and "Holt-Winters" in report
    assert ("The best neural strategy, Full data, against the best classical model fitted, "
            "Holt-Winters (1 seed): test MAE +5.3%") in report  # 100 against 95
    assert "no winner" in report
    html = (tmp_path / "report.html").read_text()
    captions = " ".join(re.findall(r"<p class='caption'>(.*?)</p>", html))
    assert "95% interval" not in captions and "to target" not in captions  # no such columns


def test_the_cheap_strong_classical_models_are_fitted_even_when_never_drawn(template,
                                                                           runs_dir):
    store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    at = new_app().run()
    at.session_state[state.FC_CLASSICAL] = ["seasonal_naive_daily"]  # as a returning visitor
    page(at, "pages/forecasts.py")
    assert at.multiselect(key=state.FC_CLASSICAL).value == ["seasonal_naive_daily"]
    (board,) = [t for t in html_tables(at) if "rank" in t.columns]
    classical = board[board["kind"] == "classical"]
    assert len(classical) == 3 and any("Holt-Winters" in m for m in classical["model"])
    best = classical.sort_values("MAE").iloc[0]["model"]
    assert f"the best classical model fitted, {best}" in at.info[0].value


class StubManager:
    """Stands in for the job manager: records launches, trains nothing."""

    busy = False
    warm = False  # no worker started yet: a launch's estimate counts its start
    lanes = 1  # runs trained at once

    def __init__(self, store):
        self.store, self.submitted, self.estimates = store, [], []

    def jobs(self):
        return []

    def submit(self, configs, estimates=None):
        self.submitted.append(configs)
        self.estimates.append(estimates)
        return [f"b1-{i}" for i in range(len(configs))]


@pytest.fixture
def stub(runs_dir, monkeypatch):
    from importance.runs.store import RunStore

    mgr = StubManager(RunStore(runs_dir))
    monkeypatch.setattr(runs, "manager", lambda: mgr)
    return mgr


def test_without_runs_the_overview_explains_and_launches_the_demo_like_the_train_page(stub):
    at = page(new_app().run(), OVERVIEW)
    assert "sample-selection strategy" in _texts(at.markdown)
    assert "No runs yet" in _texts(at.info)
    # the series the demo trains on, marked synthetic: inline SVG, no Plotly on a cold open
    assert not at.get("plotly_chart")
    (chart,) = [m.value for m in at.markdown if "<svg" in m.value]
    assert "What the demo trains on: the last week of" in chart and "synthetic" in chart
    assert chart.count("<path") == 1
    button = at.button(key=state.OV_DEMO)
    assert "Measured on this 2-core machine" in _texts(at.caption)
    button.click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    (configs,) = stub.submitted
    (estimates,) = stub.estimates  # the button states the estimate its launch stores
    assert button.label == f"Run the quick demo (about {duration_words(sum(estimates))})"
    assert [c.train.strategy for c in configs] == ["full", "gradnorm", "rs2"]
    assert {(c.window.lookback, c.train.epochs) for c in configs} == {(36, 10)}
    assert {c.data.series for c in configs} == {"5060"}  # the embedded default
    assert {c.data.path for c in configs} == {None}


def test_the_full_setup_button_opens_the_train_page(stub):
    at = page(new_app().run(), OVERVIEW)
    at.button(key=state.OV_SETUP).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Train"


def test_a_fresh_browser_lands_on_the_overview(stub):
    at = new_app(first=None).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview"


@pytest.mark.slow
def test_the_demo_trains_three_runs_and_the_overview_shows_their_verdict(manager):
    """The real demo through the job manager (15-40 s here): progress while it runs, then
    the latest comparison's verdict: one seed, indicative, no winner and no tiles."""
    from pagetools import poll_until_idle

    at = page(new_app().run(), OVERVIEW)
    at.button(key=state.OV_DEMO).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key=state.OV_DEMO).disabled  # one demo at a time
    poll_until_idle(at, timeout=300)  # a polling limit, not a speed claim (benchmarks/)
    assert [j.status for j in manager.jobs()] == ["done"] * 3
    assert "The latest comparison" in _texts(at.subheader)
    assert any("indicative, names no winner" in e.value for e in at.info)
    assert "Best trade-off" not in rendered(at)

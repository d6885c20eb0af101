"""The Overview page and the verdict on the Overview, Energy and Forecasts pages (issue 14,
points 1 and 2): the three cases "importance beats the control", "the control beats
importance" and "within the seed spread", the demo's launch, and the Forecasts verdict against
the best classical model fitted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pagetools import new_app, page

from importance.config import ModelConfig, RunConfig, TrainConfig, WindowConfig
from importance.evidence import SEED_SPREAD_PCT
from importance.verdict import SPREAD_WORDS
from ui import demo, runs, state

OVERVIEW = "pages/overview.py"
GRAD, RS2 = "Gradient-norm top-k", "RS2"  # the verdict's short names


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One tiny trained full-data run, cloned below into runs of chosen test MAE."""
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment
    from importance.runs.store import RunStore

    root = tmp_path_factory.mktemp("template")
    store = RunStore(root)
    cfg = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                    train=TrainConfig(strategy="full", epochs=2))
    return root / run_experiment(cfg, store=store, meter=EnergyMeter("ITA"))


def _clone(template: Path, root: Path, k: int, strategy: str, seed: int, mae: float,
           energy_share: float, backprop_share: float) -> str:
    """A copy of `template` as a `strategy` run of `seed` with test MAE `mae` and the given
    shares of the template's energy, wall time and backprops."""
    run_id = f"20261206-2200{k:02d}-{strategy}-s{seed}"
    shutil.copytree(template, root / run_id)
    summary = json.loads((root / run_id / "summary.json").read_text())
    config = json.loads((root / run_id / "config.json").read_text())
    summary |= {"run_id": run_id, "strategy": strategy, "label": {
        "full": "Full data (baseline)", "gradnorm": "Gradient-norm top-k (importance)",
        "rs2": "RS2: random subset, no replacement (control)"}[strategy],
        "created": f"2026-12-06T22:00:{k:02d}+00:00", "test_mae": mae,
        "energy_kwh": summary["energy_kwh"] * energy_share,
        "wall_s": summary["wall_s"] * energy_share,
        "samples_backprop": int(summary["samples_backprop"] * backprop_share)}
    config["train"] |= {"strategy": strategy, "seed": seed,
                        "strategy_params": {} if strategy == "full" else {"keep_ratio": 0.7}}
    (root / run_id / "summary.json").write_text(json.dumps(summary))
    (root / run_id / "config.json").write_text(json.dumps(config))
    return run_id


def store_comparisons(template: Path, root: Path, seeds: dict[int, tuple[float, float]]
                      ) -> list[str]:
    """Per seed, full data (test MAE 100), gradnorm and rs2 with the given test MAEs; the
    last seed's three runs are the latest comparison."""
    root.mkdir(parents=True, exist_ok=True)
    ids, k = [], 0
    for seed, (grad, rs2) in seeds.items():
        for strategy, mae, energy in (("full", 100.0, 1.0), ("gradnorm", grad, 0.73),
                                      ("rs2", rs2, 0.58)):
            ids.append(_clone(template, root, k, strategy, seed, mae, energy, 0.7))
            k += 1
    return ids


def test_the_latest_comparison_where_importance_beats_the_control(template, runs_dir):
    """Three seeds, gradnorm 3-5% below rs2 on each: the interval excludes 0, a winner."""
    store_comparisons(template, runs_dir, {1: (95.0, 100.0), 2: (96.0, 99.0),
                                           0: (97.0, 101.0)})
    at = page(new_app().run(), OVERVIEW)
    assert "Which training windows matter" in _texts(at.markdown)
    (box,) = at.success
    assert f"**{GRAD} beats its control**, {RS2}: over 3 seeds" in box.value
    assert "95% interval" in box.value and SPREAD_WORDS not in box.value
    assert not at.warning
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Energy saved (estimated)"] == "42%"  # rs2: the best trade-off (0.58)
    assert tiles["Test MAE vs full data"] == "+1.0%"
    assert list(tiles) == ["Energy saved (estimated)", "Wall time saved",
                           "Test MAE vs full data"]
    assert len(at.get("plotly_chart")) == 1  # the trade-off chart


def test_the_latest_comparison_where_the_control_beats_importance(template, runs_dir):
    store_comparisons(template, runs_dir, {0: (112.0, 100.5)})
    at = page(new_app().run(), OVERVIEW)
    (box,) = at.warning
    assert f"**The control {RS2} beats {GRAD}** on seed 0" in box.value
    assert f"beyond the ±{SEED_SPREAD_PCT:g}% spread measured across seeds; one seed" \
        in box.value
    assert f"{GRAD} beats" not in box.value and not at.success
    # the same verdict heads the Energy page, energy labelled an estimate
    page(at, "pages/energy.py")
    box = at.warning[0]  # first: above the run card and every other notice
    assert f"**The control {RS2} beats {GRAD}**" in box.value
    assert "27% less energy (estimated)" in box.value


def test_the_latest_comparison_within_the_seed_spread(template, runs_dir):
    """The issue's case: one seed, gradnorm +3.6% and rs2 +0.5% against full data."""
    store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    at = page(new_app().run(), OVERVIEW)
    assert not at.success and not at.warning
    box = next(i for i in at.info if "Best trade-off" in i.value)
    assert f"{GRAD} against its control {RS2}: test MAE 3.1% higher, {SPREAD_WORDS}" \
        in box.value
    assert "beats" not in box.value
    assert "Best trade-off: **RS2" in box.value and "42% less energy (estimated)" in box.value


def test_the_forecasts_page_judges_against_the_best_classical_model_fitted(template,
                                                                          runs_dir):
    store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    at = page(new_app().run(), "pages/forecasts.py")
    # the verdict heads the page: against classical models, then against the control
    (box,) = [e for e in [*at.info, *at.success, *at.warning] if "classical" in e.value]
    assert f"{GRAD} against its control {RS2}: test MAE 3.1% higher, {SPREAD_WORDS}" \
        in box.value
    # Holt-Winters is fitted (and drawn) by default, with both seasonal naive models
    assert at.multiselect(key=state.FC_CLASSICAL).value == list(
        ("seasonal_naive_daily", "seasonal_naive_weekly", "holt_winters"))
    (board,) = [d.value for d in at.dataframe if "rank" in d.value.columns]
    assert board["MAE"].is_monotonic_increasing and board["rank"].iloc[0] == 1
    classical = board[board["kind"] == "classical"]
    assert len(classical) == 3
    best = classical.sort_values("MAE").iloc[0]
    assert f"{len(classical)} classical models fitted on this data, {best['model']}" in " ".join(
        e.value for e in [*at.info, *at.success, *at.warning])

    # drawing fewer models does not change the models the verdict is against
    at.multiselect(key=state.FC_CLASSICAL).set_value(["seasonal_naive_daily"]).run()
    assert not at.exception, [e.value for e in at.exception]
    (board,) = [d.value for d in at.dataframe if "rank" in d.value.columns]
    assert (board["kind"] == "classical").sum() == 3
    assert best["model"] in " ".join(e.value for e in [*at.info, *at.success, *at.warning])


def test_the_cheap_strong_classical_models_are_fitted_even_when_never_drawn(template,
                                                                           runs_dir):
    store_comparisons(template, runs_dir, {0: (103.6, 100.5)})
    at = new_app().run()
    at.session_state[state.FC_CLASSICAL] = ["seasonal_naive_daily"]  # as a returning visitor
    page(at, "pages/forecasts.py")
    assert at.multiselect(key=state.FC_CLASSICAL).value == ["seasonal_naive_daily"]
    (board,) = [d.value for d in at.dataframe if "rank" in d.value.columns]
    classical = board[board["kind"] == "classical"]
    assert len(classical) == 3 and any("Holt-Winters" in m for m in classical["model"])
    best = classical.sort_values("MAE").iloc[0]["model"]
    assert f"classical models fitted on this data, {best}" in " ".join(
        e.value for e in [*at.info, *at.success, *at.warning])


class StubManager:
    """Stands in for the job manager: records launches, trains nothing."""

    busy = False

    def __init__(self, store):
        self.store, self.submitted = store, []

    def jobs(self):
        return []

    def submit(self, configs):
        self.submitted.append(configs)
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
    assert len(at.get("plotly_chart")) == 1  # the series the demo trains on, marked synthetic
    button = at.button(key=state.OV_DEMO)
    assert button.label == f"Run the quick demo (about {demo.MEASURED_S} s)"
    assert "Measured on this 2-core machine" in _texts(at.caption)
    button.click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    (configs,) = stub.submitted
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
    the latest comparison's verdict and tiles."""
    import time

    from pagetools import poll_until_idle

    at = page(new_app().run(), OVERVIEW)
    t0 = time.perf_counter()
    at.button(key=state.OV_DEMO).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key=state.OV_DEMO).disabled  # one demo at a time
    poll_until_idle(at, timeout=300)
    seconds = time.perf_counter() - t0
    assert [j.status for j in manager.jobs()] == ["done"] * 3
    assert seconds < 4 * demo.MEASURED_S, f"the demo took {seconds:.0f} s"
    assert "The latest comparison" in _texts(at.subheader)
    assert any("Best trade-off" in e.value for e in [*at.info, *at.success, *at.warning])
    assert {m.label for m in at.metric} >= {"Wall time saved", "Test MAE vs full data"}

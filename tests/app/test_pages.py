"""Every page through AppTest: renders on the default data, has its widgets, shows results."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from html_tables import html_tables
from pagetools import launch, new_app, page, poll_until_idle, set_quick_form, tiny_runs

from importance.config import ModelConfig, TrainConfig, WindowConfig
from importance.launch import DEFAULT_SEEDS
from importance.strategies import STRATEGIES
from ui import state
from ui.state import F_SEEDS

RESULT_PAGES = ("pages/importance.py", "pages/forecasts.py", "pages/energy.py")


def _charts(at) -> int:
    return len(at.get("plotly_chart"))


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_data_page_is_the_default_and_shows_the_embedded_series():
    at = new_app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Data"
    assert _charts(at) >= 5  # series, heat map, weekday profile, decomposition, ACF/PACF
    assert at.sidebar.radio(key=state.SOURCE).value == "default"
    assert at.sidebar.selectbox(key=state.SERIES).value == "5060"
    assert at.sidebar.selectbox(key=state.COLUMN).value == "internet"
    assert "Duomo" in _texts(at.sidebar.caption)
    assert [m.label for m in at.metric][:4] == ["Points", "Interval", "Span", "Filled gaps"]



def test_choices_a_session_lost_come_back_as_the_sources_defaults():
    """A click on another page before the landing page's first run ended drops the series
    and column the run had set, while the source stays known: the sidebar must not fall back
    to the first options (square 1001, sms_in) for the rest of the session."""
    at = new_app()
    at.session_state[state.LAST_PATH] = ""  # what the interrupted run left: the source only
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key=state.SERIES).value == "5060"
    assert at.sidebar.selectbox(key=state.COLUMN).value == "internet"
    at.sidebar.selectbox(key=state.COLUMN).set_value("sms_in").run()  # a choice is kept
    assert at.sidebar.selectbox(key=state.COLUMN).value == "sms_in"

def _holiday_bars(at) -> list[dict]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [t for t in spec["data"] if t["type"] == "bar"]


def test_data_page_marks_the_public_holidays_of_the_train_forms_country():
    at = new_app().run()
    (bars,) = _holiday_bars(at)
    assert bars["name"] == "public holidays (Italy)"
    names = {name for _, name in bars["customdata"]}
    assert {"All Saints' Day", "Immaculate Conception", "Christmas Day"} <= names
    assert ("public holidays (Italy), the embedded data is from Milan; an input feature of the "
            "runs") in _texts(at.caption)

    # The form's country and holiday switch, committed by a submit (refused here: no
    # strategy, so nothing is queued) and kept for the session.
    page(at, "pages/train.py")
    at.selectbox(key=state.F_COUNTRY).set_value("FRA")
    at.checkbox(key=state.F_HOLIDAYS).uncheck()
    at.multiselect(key=state.F_STRATEGIES).set_value([])
    launch(at)
    assert "choose strategies" in _texts(at.error)
    page(at, "pages/data.py")
    (bars,) = _holiday_bars(at)
    assert bars["name"] == "public holidays (France)"
    assert "Armistice Day" in {name for _, name in bars["customdata"]}
    assert "not an input of the runs (switched off on the Train page)" in _texts(at.caption)


@pytest.mark.parametrize("path", ["pages/train.py", *RESULT_PAGES])
def test_a_page_opened_first_is_drawn_through_the_entry(path):
    """AppTest, like a fresh server at a sub-URL, runs a pages/ script without app.py unless
    the page hands over to it: the sidebar's dataset picker proves app.py drew the page."""
    at = new_app().switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key=state.SOURCE).value == "default"
    assert at.title[0].value == Path(path).stem.capitalize()


def test_result_pages_guard_when_no_runs_exist():
    at = new_app().run()
    for path in RESULT_PAGES:
        page(at, path)
        assert "Launch a comparison on the Train page" in _texts(at.info)
        assert _charts(at) == 0


def test_train_form_shows_the_library_defaults():
    at = page(new_app().run(), "pages/train.py")
    assert at.number_input(key=state.F_EPOCHS).value == TrainConfig().epochs
    assert at.number_input(key=state.F_LOOKBACK).value == WindowConfig().lookback
    assert at.number_input(key=state.F_HORIZON).value == WindowConfig().horizon
    assert at.number_input(key=state.F_HIDDEN).value == ModelConfig().hidden
    assert at.text_input(key=F_SEEDS).value == str(len(DEFAULT_SEEDS))  # 3 seeds: intervals
    assert at.selectbox(key=state.F_MODEL).value == ModelConfig().kind
    assert at.selectbox(key=state.F_COUNTRY).value == TrainConfig().country
    assert at.number_input(key=state.F_BATCH).value == TrainConfig().batch_size
    assert at.number_input(key=state.F_LR).value == pytest.approx(TrainConfig().lr)
    assert at.selectbox(key=state.F_LR_SCHEDULE).value == TrainConfig().lr_schedule
    strategies = at.multiselect(key=state.F_STRATEGIES)
    assert set(strategies.options) >= {STRATEGIES[s].label for s in STRATEGIES}
    assert strategies.value == ["full", "gradnorm", "rs2"]
    assert at.slider(key=state.F_KEEP).value == pytest.approx(0.7)
    assert "No jobs on this server yet" in _texts(at.caption)


@pytest.mark.slow
def test_refused_launch_then_short_comparison_shows_results_on_every_page(manager):
    at = page(new_app().run(), "pages/train.py")
    # A lookback longer than the validation split is refused before anything is queued.
    set_quick_form(at, **{state.F_LOOKBACK: 4000})
    launch(at)
    assert "too short for lookback 4,000 steps" in _texts(at.error)
    assert "the largest lookback that fits is 1,338 steps = 9.29 days" in _texts(at.error)
    assert not manager.jobs()

    set_quick_form(at)
    launch(at)
    poll_until_idle(at)
    assert not at.error, [e.value for e in at.error]
    assert "Finished" in _texts(at.success)
    assert len(at.dataframe) >= 1  # stored runs

    # A new session (a browser reload) still lists the jobs and the runs.
    again = page(new_app().run(), "pages/train.py")
    assert "Finished" in _texts(again.success)

    page(at, "pages/importance.py")
    from ui import runs as stored_runs

    # the whole comparison (every strategy on every seed) and the rs2 controls the manager
    # added at the budget gradnorm spent (importance.controls): the first seed's on every
    # seed, and a later seed's own where its spent share differs by more than the tolerance
    stored = stored_runs.all_runs()
    runs, added = len(stored), len(stored) - 3 * len(DEFAULT_SEEDS)
    assert 0 <= added <= 2 * len(DEFAULT_SEEDS)
    assert sum(r.config.train.strategy == "rs2" for r in stored) == len(DEFAULT_SEEDS) + added
    assert len(at.sidebar.multiselect(key=state.RUNS).value) == runs
    assert _charts(at) >= 4  # score animation, hour share, calendar, scatter, windows
    assert "computes no importance scores" in _texts(at.info)

    page(at, "pages/forecasts.py")
    assert _charts(at) >= 3
    (table,) = [t for t in html_tables(at) if "rank" in t.columns]  # the leaderboard
    assert {"neural", "classical"} <= set(table["kind"])
    best = table.loc[table["kind"] == "classical", "MAE"].min()
    # as drawn: MAE to 4 significant digits, the percentage to one decimal
    assert (table["MAE vs best classical %"] - 100 * (table["MAE"] / best - 1)).abs().max() < 0.1
    full_rows = table[table["model"].str.startswith("Full data")]
    assert len(full_rows) == len(DEFAULT_SEEDS)  # each full run is the baseline of its seed
    assert (full_rows["MAE vs full %"].abs() < 0.05).all()
    # the verdict's classical claim, once, in the box above (no sentence list below the table)
    assert _texts([*at.info, *at.success]).count("against the best classical model fitted") == 1
    assert not any("classical model" in m.value for m in at.markdown)

    page(at, "pages/energy.py")
    assert "How energy was measured" in _texts(at.info)
    labels = [m.label for m in at.metric]
    assert labels.count("Backpropagated samples") == runs
    deltas = [m for m in at.metric if m.label == "Backpropagated samples" and m.delta]
    # every run against the baseline of its own seed: one full-data run per seed has no delta
    assert len(deltas) == runs - len(DEFAULT_SEEDS)
    assert all("vs baseline" in m.delta for m in deltas)
    assert _charts(at) >= 3

    at.sidebar.multiselect(key=state.RUNS).set_value([]).run()
    assert "Choose one or more runs in the sidebar" in _texts(at.info)


@pytest.mark.slow
def test_cancel_stops_a_running_job(manager):
    at = page(new_app().run(), "pages/train.py")
    set_quick_form(at, **{state.F_EPOCHS: 500, state.F_STRIDE: 8})
    at.multiselect(key=state.F_STRATEGIES).set_value(["full"])
    at.text_input(key=F_SEEDS).set_value("1")  # one job to cancel
    launch(at)
    (job,) = manager.jobs()
    while manager.get(job.id).epoch < 1:
        at.run()
    at.button(key=state.cancel_key(job.id)).click().run()
    poll_until_idle(at, timeout=30)
    assert manager.get(job.id).status == "cancelled"
    assert "cancelled" in _texts(at.markdown)
    assert not manager.store.ids()  # a cancelled run stores nothing


def test_bad_upload_gives_a_clear_message():
    at = new_app().run()
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(
        ("bad.csv", b"this is not,a time series\nat,all\n", "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    message = _texts(at.sidebar.error)
    assert "Cannot use bad.csv" in message and "embedded default" in message
    assert _charts(at) >= 1  # the page falls back to the default series


def test_good_upload_is_used(series):
    csv = series.rename("load").to_frame().reset_index().to_csv(index=False).encode()
    at = new_app().run()
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(("cell.csv", csv, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    assert at.sidebar.selectbox(key=state.COLUMN).value == "load"
    assert "1,440 points" in _texts(at.sidebar.caption)
    assert at.metric[0].value == "1,440"


MILAN_RAW = Path(__file__).resolve().parents[3] / "shared" / "data" / "milan-real" / \
    "sms-call-internet-mi-2014-01-01_first10000rows.txt"


@pytest.mark.skipif(not MILAN_RAW.exists(), reason="real Milan extract not available")
def test_real_milan_raw_extract_upload():
    at = new_app().run()
    at.sidebar.radio(key=state.SOURCE).set_value("upload").run()
    at.sidebar.file_uploader(key=state.UPLOAD).set_value(
        (MILAN_RAW.name, MILAN_RAW.read_bytes(), "text/plain")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    assert at.sidebar.selectbox(key=state.COLUMN).value == "internet"
    assert _charts(at) >= 2  # one day: the decomposition explains why it is missing
    assert "No decomposition for this series" in _texts(at.info)


PANEL = ("5060", "4259")


@pytest.fixture
def panel_runs(runs_dir):
    """A full and a gradient-norm run, each one model on two squares of the default data."""
    from importance.config import DataConfig

    return tiny_runs(runs_dir, ("full", "gradnorm"), data=DataConfig(series=PANEL),
                     params={"gradnorm": {"keep_ratio": 0.5}})


def test_result_pages_show_runs_on_several_series(panel_runs):
    full, grad = panel_runs
    at = page(new_app().run(), "pages/forecasts.py")
    assert at.selectbox(key=state.FC_SERIES).options == list(PANEL)
    assert at.selectbox(key=state.FC_SERIES).value == "5060"
    per_series = at.dataframe[0].value  # the leaderboard is drawn whole (ui.tables)
    assert per_series["series"].tolist() == [*PANEL, "all (pooled)"]
    pooled = per_series.set_index("series").loc["all (pooled)"]
    assert pooled.tolist() == pytest.approx([full.summary["test_mae"], grad.summary["test_mae"]])
    for value in PANEL:
        at.selectbox(key=state.FC_SERIES).set_value(value).run()
        assert not at.exception, [e.value for e in at.exception]
        (metrics,) = [t for t in html_tables(at) if "rank" in t.columns]
        neural = metrics[metrics["kind"] == "neural"]["MAE"].tolist()
        assert neural == pytest.approx([next(p["test_mae"] for p in r.summary["per_series"]
                                             if p["series"] == value) for r in panel_runs],
                                       abs=0.006)  # as shown, to 0.01
        assert "classical" in set(metrics["kind"])  # fitted on the drawn series alone
        assert f"the figures of series {value}" in _texts(at.caption)
    assert _charts(at) >= 3

    page(at, "pages/importance.py")
    assert "pool the windows of all of them" in _texts(at.caption)
    assert any(f"{PANEL[1]} · " in t or f"{PANEL[0]} · " in t
               for t in (json.loads(c.proto.spec).get("layout", {}).get("annotations", [{}])[0]
                         .get("text", "") for c in at.get("plotly_chart")))
    page(at, "pages/energy.py")
    assert [m.label for m in at.metric].count("Test MAE") == 2

    page(at, "pages/train.py")  # the sidebar's square, offered with the file's others
    picker = at.multiselect(key=state.F_SERIES)
    assert picker.value == ["5060"] and "4259 (Bocconi)" in picker.options


@pytest.mark.slow
def test_the_train_page_launches_one_model_on_several_series(manager):
    at = page(new_app().run(), "pages/train.py")
    set_quick_form(at, **{state.F_EPOCHS: 1})
    at.multiselect(key=state.F_STRATEGIES).set_value(["full"])
    at.text_input(key=F_SEEDS).set_value("1")  # one run: this tests the series
    at.multiselect(key=state.F_SERIES).set_value([])
    launch(at)
    assert "Choose at least one series" in _texts(at.error) and not manager.jobs()
    at.multiselect(key=state.F_SERIES).set_value(list(PANEL))
    launch(at)
    poll_until_idle(at)
    (run_id,) = manager.store.ids()
    run = manager.store.load(run_id)
    assert run.config.data.series == PANEL
    assert [p["series"] for p in run.summary["per_series"]] == list(PANEL)


@pytest.fixture
def warmup_best_unmeasured(runs_dir):
    """A full run, measured, and a gradnorm run whose every epoch is a random warm-up (so its
    best epoch is one) and whose energy readings all failed."""
    from importance.config import RunConfig
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment
    from importance.runs.store import RunStore
    from tests.conftest import unmeasured_meter

    store = RunStore(runs_dir)
    ids = []
    for strategy, params, meter in (("full", {}, EnergyMeter("ITA")),
                                    ("gradnorm", {"warmup_epochs": 3}, unmeasured_meter())):
        cfg = RunConfig(window=WindowConfig(lookback=24, stride=32), model=ModelConfig(hidden=4),
                        train=TrainConfig(strategy=strategy, strategy_params=params, epochs=2))
        ids.append(run_experiment(cfg, store=store, meter=meter))
    return [store.load(i) for i in ids]


def test_pages_say_when_scores_played_no_part_and_energy_was_not_measured(
        warmup_best_unmeasured):
    full, grad = warmup_best_unmeasured
    assert grad.summary["best_epoch_by_score"] is False and math.isnan(grad.summary["energy_kwh"])
    said = "the importance scores played no part in this result"
    at = page(new_app().run(), "pages/importance.py")
    assert said in _texts(at.warning) and _texts(at.warning).count(said) == 1
    page(at, "pages/energy.py")
    assert _texts(at.warning).count(said) == 1
    values = {m.label: [] for m in at.metric}
    for m in at.metric:
        values[m.label].append(m.value)
    energy = next(v for k, v in values.items() if k.startswith("Energy ("))
    assert energy[1] == "not measured" and energy[0] != "not measured"
    assert values["Emissions (gCO2e)"][1] == "not measured"
    assert "energy not measured." in _texts(at.info)  # the verdict's sentence on gradnorm
    assert "100%" not in _texts(at.markdown)


def test_energy_page_shows_the_energy_to_reach_accuracy_table(warmup_best_unmeasured):
    full, grad = warmup_best_unmeasured
    at = page(new_app().run(), "pages/energy.py")
    assert "Energy to reach accuracy" in [h.value for h in at.header]
    assert "Target t% of the baseline's best validation accuracy" in _texts(at.caption)
    table = next(t for t in html_tables(at, typed=False) if "to reach" in t.columns)
    assert list(table.columns[1:6]) == ["to reach", "90%", "95%", "99%", "100%"]
    assert table["to reach"].tolist()[:4] == ["energy Wh", "wall s", "backprops", "epoch"]
    full_rows, grad_rows = (rows.set_index("to reach") for rows in (table[:4], table[4:8]))
    # the classical fits as rows after the runs, each reached by its fit, its cost measured
    fits = table[8:].set_index("to reach")
    named = [n for n in table["run"][8:] if n]
    assert any(n.startswith("Holt-Winters (") and n.endswith(" (classical)") for n in named), named
    assert set(fits.loc["epoch", "whole run"]) == {"fit"}
    assert set(fits.loc["backprops", "whole run"]) == {"0"}
    assert all(v not in ("-", "0") for v in fits.loc["wall s", "whole run"])
    assert "Classical rows: a classical model (fitted once, no epochs) reaches t%" in \
        _texts(at.caption)
    assert full_rows.loc["epoch", "100%"] == str(full.summary["best_epoch"] + 1)
    assert full_rows.loc["energy Wh", "100%"] not in ("-", "not measured")
    assert full_rows.loc["energy Wh", "MAE vs baseline %"] == "baseline"
    # the gradnorm run's readings all failed: never a number, never 0
    assert set(grad_rows.loc["energy Wh", ["90%", "95%", "99%", "100%"]]) <= {"-",
                                                                           "not measured"}
    assert grad_rows.loc["energy Wh", "whole run"] == "not measured"
    assert grad_rows.loc["energy Wh", "energy saved %"] == "not measured"
    assert "Reached 99%: Full data (baseline) at epoch " in _texts(at.markdown)
    assert "least energy" not in _texts(at.markdown)  # one seed's runs: no cheapest named
    assert "Targets in the data's original units, as the test MAE: 90% = validation MAE at " \
        "most " in _texts(at.caption)

"""What the pages say about the strategies: the Train form's policy + score list, the
Importance page's loss weights, the Forecasts page's error on spike windows."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from html_tables import html_tables
from pagetools import new_app, page, tiny_runs

from importance.aggregates.forecasts import spike_sentence, spike_table
from importance.aggregates.importance import is_reweighted, weight_table, weights_text
from importance.launch import strategy_guide, strategy_guide_markdown
from importance.metrics import spike_split
from importance.runcard import run_names
from importance.runs.identity import RunInfo
from importance.strategies import STRATEGIES
from ui import state


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


# --- view models ------------------------------------------------------------------------------

class _Plain:
    """A strategy written before descriptions existed."""

    name: ClassVar[str] = "plain"
    label: ClassVar[str] = "Plain (no description)"


class _Described:
    name: ClassVar[str] = "described"
    label: ClassVar[str] = "Described"
    description: ClassVar[str] = "Hard top-k by something; weight 1."


def test_strategy_guide_gives_each_description_and_falls_back_to_the_label():
    guide = strategy_guide({"plain": _Plain, "described": _Described})
    assert guide == [("Plain (no description)", ""),
                     ("Described", "Hard top-k by something; weight 1.")]
    text = strategy_guide_markdown({"plain": _Plain, "described": _Described})
    assert text.splitlines() == ["- **Plain (no description)**",
                                 "- **Described**: Hard top-k by something; weight 1."]


def test_every_registered_strategy_describes_its_policy_in_one_line():
    for name, cls in STRATEGIES.items():
        text = getattr(cls, "description", None)
        if name in ("full", "gradnorm", "random", "rs2", "selective_backprop", "infobatch"):
            assert text, name
        if text:
            assert "\n" not in text and len(text) < 240, name


def test_weight_table_and_is_reweighted():
    selected = np.array([[True, True, True, True],
                         [True, False, True, True],
                         [True, True, False, False]])
    weights = np.where(selected, 1.0, 0.0)
    assert not is_reweighted(weights, selected)
    assert not is_reweighted(None, selected)
    weights[1, [2, 3]] = 2.0  # two of the three trained windows of epoch 2 reweighted
    assert is_reweighted(weights, selected)
    table = weight_table(weights, selected)
    assert table["epoch"].tolist() == [1, 2, 3]
    assert table["trained"].tolist() == [4, 3, 2]
    assert table["reweighted %"].tolist() == pytest.approx([0, 200 / 3, 0])
    assert table["min"].tolist() == [1, 1, 1] and table["max"].tolist() == [1, 2, 1]
    assert table["mean"].tolist() == pytest.approx([1, 5 / 3, 1])
    text = weights_text("X", table)
    assert text.startswith("X reweighted windows in 1 of 3 epochs: 67% of the trained")
    assert "from 1 to 2." in text
    assert weights_text("Y", weight_table(np.where(selected, 1.0, 0.0), selected)) \
        == "Y trained every selected window with weight 1."


def _frame(actual: np.ndarray, forecast: np.ndarray, series: str | None = None) -> pd.DataFrame:
    """A predictions frame (origin, step, time, actual, forecast) of (N, H) windows, rows
    shuffled: the table must order them itself."""
    n, h = actual.shape
    origin = pd.date_range("2024-01-01", periods=n, freq="h")
    df = pd.DataFrame({"origin": np.repeat(origin, h), "step": np.tile(np.arange(1, h + 1), n),
                       "time": np.repeat(origin, h), "actual": actual.ravel(),
                       "forecast": forecast.ravel()})
    if series is not None:
        df.insert(0, "series", series)
    return df.sample(frac=1, random_state=0)


def test_spike_table_splits_each_run_and_compares_with_full():
    actual = np.array([[1.0, 2.0], [5.0, 12.0], [3.0, 3.0], [20.0, 1.0]])  # spikes: 1, 3
    full = actual + np.array([[1.0], [4.0], [1.0], [4.0]])  # ordinary MAE 1, spikes 4
    other = actual + np.array([[2.0], [2.0], [2.0], [2.0]])  # 2 and 2
    preds = {"f": _frame(actual, full), "o": _frame(actual, other)}
    table = spike_table(preds, {None: 10.0}, {"f": "Full", "o": "Other"}, "f")
    assert table["model"].tolist() == ["Full", "Other"]
    assert table["MAE ordinary"].tolist() == pytest.approx([1, 2])
    assert table["MAE spikes"].tolist() == pytest.approx([4, 2])
    assert table["spike windows"].tolist() == [2, 2] and table["test windows"].tolist() == [4, 4]
    assert table["ordinary vs full %"].tolist() == pytest.approx([0, 100])
    assert table["spikes vs full %"].tolist() == pytest.approx([0, -50])
    assert "vs full %" not in " ".join(spike_table(preds, {None: 10.0}, {}, None).columns)
    sentence = spike_sentence({None: 10.0}, table)
    assert sentence.startswith("Spike windows: the 2 of 4 test windows with a target step above "
                               "the 95th percentile of the training targets (10.00 in original")


def test_spike_table_uses_each_series_own_threshold():
    a = np.array([[5.0], [50.0]])
    both = pd.concat([_frame(a, a + 1, "small"), _frame(a * 100, a * 100 + 3, "big")])
    table = spike_table({"r": both}, {"small": 10.0, "big": 1000.0}, {})
    # small: window 50 is a spike; big: window 5000 is a spike; one ordinary window each
    assert table["spike windows"].tolist() == [2]
    assert table["MAE ordinary"].tolist() == pytest.approx([2.0])
    assert table["MAE spikes"].tolist() == pytest.approx([2.0])
    one = spike_table({"r": both[both["series"] == "big"]}, {"big": 1000.0}, {})
    assert one["test windows"].tolist() == [2] and one["MAE spikes"].tolist() == [3.0]
    assert "95th percentile of its own series' training targets (big: 1,000.00" in \
        spike_sentence({"big": 1000.0}, one)


# --- pages ------------------------------------------------------------------------------------

def test_the_train_form_describes_every_registered_strategy():
    at = page(new_app().run(), "pages/train.py")
    assert at.multiselect(key=state.F_STRATEGIES).options == [c.label for c in STRATEGIES.values()]
    (guide,) = [e for e in at.expander if e.label == "What each strategy does"]
    text = _texts(guide.markdown)
    for cls in STRATEGIES.values():
        assert f"**{cls.label}**" in text
        assert getattr(cls, "description", cls.label) in text


@pytest.fixture
def full_and_infobatch(runs_dir):
    """A full and an InfoBatch run (3 epochs: epochs 2 and 3 prune and reweight by 2)."""
    return tiny_runs(runs_dir, ("full", "infobatch"))


def _frames_with(at, column: str) -> list[pd.DataFrame]:
    """The page's tables with `column`: st.dataframe's and those drawn whole as HTML."""
    return [t for t in [d.value for d in at.dataframe] + html_tables(at) if column in t.columns]


def test_the_importance_page_shows_infobatchs_weights_and_not_fulls(full_and_infobatch):
    full, info = full_and_infobatch
    at = page(new_app().run(), "pages/importance.py")
    assert "Loss weights of the trained windows" in _texts(at.header)
    (table,) = _frames_with(at, "reweighted %")
    assert table["epoch"].tolist() == [1, 2, 3]
    assert table["max"].tolist() == pytest.approx([1, 2, 2])  # 1 / (1 - 0.5)
    assert table["reweighted %"].iloc[0] == 0 and (table["reweighted %"].iloc[1:] > 0).all()
    names = run_names([RunInfo(r.run_id, r.summary, r.config)
                             for r in full_and_infobatch])
    assert f"**{names[info.run_id]}** reweighted windows in 2 of 3 epochs" in _texts(at.markdown)
    assert f"{names[full.run_id]} trains every selected window with weight 1." in \
        _texts(at.caption)

    at.sidebar.multiselect(key=state.RUNS).set_value([full.run_id]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Loss weights of the trained windows" not in _texts(at.header)
    assert not _frames_with(at, "reweighted %")
    assert "weight 1" not in _texts(at.caption)


def test_the_forecasts_page_splits_the_error_on_spike_windows(full_and_infobatch):
    from importance.experiment import prepare
    from importance.metrics import spike_thresholds

    full, info = full_and_infobatch
    at = page(new_app().run(), "pages/forecasts.py")
    assert "Error on spike windows" in _texts(at.subheader)
    (table,) = _frames_with(at, "MAE spikes")
    threshold = spike_thresholds(prepare(full.config.data, full.config.window))[None]
    expected = []
    for run in (full, info):
        pred = run.predictions().sort_values(["origin", "step"])
        h = int(pred["step"].max())
        expected.append(spike_split(pred["actual"].to_numpy().reshape(-1, h),
                                    pred["forecast"].to_numpy().reshape(-1, h), threshold))
    assert expected[0].n_spike > 0 and expected[0].n_ordinary > 0  # the test period has both
    # as shown: MAE to 0.01, changes to 0.1%
    assert table["MAE ordinary"].tolist() == pytest.approx([e.mae_ordinary for e in expected],
                                                           abs=0.006)
    assert table["MAE spikes"].tolist() == pytest.approx([e.mae_spike for e in expected],
                                                         abs=0.006)
    assert table["spike windows"].tolist() == [expected[0].n_spike] * 2
    change = 100 * (expected[1].mae_spike / expected[0].mae_spike - 1)
    assert table["spikes vs full %"].tolist() == pytest.approx([0, change], abs=0.06)
    assert f"Spike windows: the {expected[0].n_spike:,} of " in _texts(at.caption)
    assert f"({threshold:,.2f} in original units)" in _texts(at.caption)


def test_spike_table_compares_each_run_with_the_baseline_of_its_seed():
    def pred(scale: float) -> pd.DataFrame:
        actual = np.array([1.0, 2.0, 50.0, 3.0])
        return pd.DataFrame({"origin": range(4), "step": 1, "actual": actual,
                             "forecast": actual + scale})

    preds = {"f0": pred(1.0), "g0": pred(1.0), "f1": pred(2.0), "g1": pred(1.0)}
    table = spike_table(preds, {None: 10.0}, {}, {"f0": "f0", "g0": "f0", "f1": "f1",
                                                        "g1": "f1"})
    assert list(table["ordinary vs full %"]) == [0.0, 0.0, 0.0, -50.0]


def test_every_registered_strategy_has_a_color_of_its_own():
    """The pages tell strategies apart by color: no two registered strategies share one."""
    from importance.strategies import STRATEGIES
    from ui.charts import strategy_color

    colors = [strategy_color(s) for s in STRATEGIES]
    assert len(set(colors)) == len(colors)

"""Helpers for driving the dashboard with AppTest."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import state

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120  # seconds per script run: the first Data page run imports statsmodels
# A comparison that trains in seconds: tiny model, short lookback, sparse training windows.
# Three epochs: gradient-norm top-k picks at random for two warm-up epochs, then by score.
QUICK = {state.F_EPOCHS: 3, state.F_HIDDEN: 4, state.F_LOOKBACK: 24, state.F_STRIDE: 32}


DATA_PAGE = "pages/data.py"


def new_app(first: str | None = DATA_PAGE) -> AppTest:
    """The dashboard, opened on `first`: the Data page, where the tests of the sidebar's
    dataset start; None: the default page, as a browser opens it (the Overview)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    return at.switch_page(first) if first else at


def page(at: AppTest, path: str) -> AppTest:
    """Switch to a page and run it; fail on any exception element."""
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def set_quick_form(at: AppTest, **extra) -> None:
    for key, value in {**QUICK, **extra}.items():
        at.number_input(key=key).set_value(value)


def launch(at: AppTest) -> None:
    (button,) = [b for b in at.button if b.label == "Launch comparison"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


def poll_until_idle(at: AppTest, timeout: float = 180) -> None:
    """AppTest does not fire run_every: rerun the page until no job is queued or running."""
    from ui import runs

    end = time.time() + timeout
    while runs.manager().busy:
        assert time.time() < end, "jobs did not finish in time"
        time.sleep(0.5)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    at.run()  # the fragment's final rerun: polling off, results listed
    assert not at.exception, [e.value for e in at.exception]


def tiny_runs(runs_dir: Path, strategies: tuple[str, ...], *, epochs: int = 3, data=None,
              params: dict[str, dict] | None = None) -> list:
    """One tiny run per strategy (lookback 24, stride 32, hidden 4), trained on `data` (the
    default square when None) with its `params`, stored in `runs_dir` and loaded back."""
    from importance.config import DataConfig, ModelConfig, RunConfig, TrainConfig, WindowConfig
    from importance.energy import EnergyMeter
    from importance.experiment import run_experiment
    from importance.runs.store import RunStore

    store = RunStore(runs_dir)
    ids = [run_experiment(RunConfig(
        data=data or DataConfig(), window=WindowConfig(lookback=24, stride=32),
        model=ModelConfig(hidden=4),
        train=TrainConfig(strategy=s, strategy_params=(params or {}).get(s, {}),
                          epochs=epochs)), store=store, meter=EnergyMeter("ITA"))
        for s in strategies]
    return [store.load(i) for i in ids]

"""The Overview page's quick demo: a preset comparison on the embedded data that finishes in
about 20 s here (under 40 s on a busy machine), launched through the job manager like the
Train page's Launch.

The preset is the default comparison (full data, gradient-norm top-k, the rs2 random control,
the default LSTM and keep ratio) on ONE seed instead of three, with a 6-hour lookback (36
ten-minute steps instead of 144) and 10 epochs instead of 16: the recurrence over the lookback
dominates a run's cost on CPU. One seed is indicative: the verdict names no winner on it.
`python -m benchmarks.bench_demo` measures it through a job manager as the dashboard runs it;
`CLI` is its command-line equivalent. Measured here (2 cores, 6 Dec 2026): 14-18 s from
Launch to the last run stored (7 repeats, median 15.7 s; command line 13-20 s) and 17-19 s
from the click to the verdict in chromium (`--browser`, 2 repeats) with one other program
running (load average 2-3); 28-39 s from Launch to the last run stored while other programs
kept both cores busy (load average 3-5). Each run trains in 2-9 s of that; the rest is the
worker's start, data preparation, testing and saving. On 7 Dec 2026, one seed, load average
2.2 from other work: 12.8 s with the job worker starting, 7.6 s with it up; `seconds()`, the
estimate Launch stores (learned from the stored runs), said 11.6 s and 7.7 s.
"""

from __future__ import annotations

from importance.config import DataConfig
from importance.launch import LaunchForm
from ui import launch
from ui.data import Dataset, describe, load

# Form fields that differ from the Train page's defaults (everything else: the defaults).
PRESET = {"strategies": ("full", "gradnorm", "rs2"), "epochs": 10, "lookback": 36,
          "seeds": (0,)}
ONE_SEED = "one seed: indicative, names no winner"
# Seconds from Launch to the last run stored, through a job manager on this 2-core machine
# (python -m benchmarks.bench_demo; the worker's start and imports included): the module
# docstring's measurements, rounded.
MEASURED_S = 20
TIME_WORDS = ("The button's estimate is the training time learned from the runs stored here. "
              "Measured on this 2-core machine with none stored: 17-19 s from the click to "
              "the verdict, up to 40 s while other programs keep both cores busy.")
CLI = "importance compare --strategies full,gradnorm,rs2 --epochs 10 --lookback 36 --seed 0"


def form() -> LaunchForm:
    """The demo's launch form: the Train page's defaults with `PRESET`, on the sidebar's grid."""
    grid = launch.session_grid()
    return LaunchForm.defaults({**PRESET, "grid_country": grid.code,
                                "grid_source": grid.source})


def dataset() -> Dataset:
    """The embedded (synthetic) default series, whatever the sidebar shows: the preset's time
    was measured on it."""
    info, error = describe(DataConfig())
    if info is None:
        raise ValueError(f"the embedded default dataset is unreadable: {error}")
    return Dataset(DataConfig(series=info.default_series, column=info.default_column), info,
                   "embedded default")


def words() -> str:
    """The preset in words, for the button's caption."""
    f = form()
    return (f"full data, gradient-norm top-k and the random rs2 control at keep ratio "
            f"{f.keep_ratio:.0%}, the default LSTM with a 6-hour lookback, {f.epochs} epochs, "
            f"on the embedded synthetic series; {ONE_SEED}")


def seconds() -> float:
    """The demo's time as Launch estimates and stores it (`ui.launch.estimate`: learned from
    the stored runs here, with the job worker's start unless it is up); `MEASURED_S` when the
    embedded series cannot be read."""
    d = dataset()
    loaded, _ = load(d.config)
    if loaded is None:
        return float(MEASURED_S)
    return launch.estimate(form().configs(d.config), [loaded.values]).seconds


def seconds_words() -> str:
    """`seconds` in words, as the Overview's button and empty state show it: "15 s"."""
    from importance.sweep.view import duration_words

    return duration_words(seconds())

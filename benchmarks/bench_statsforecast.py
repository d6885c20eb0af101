"""Time and accuracy of every classical baseline, statsmodels' and statsforecast's (issue 22),
each fitted on train + validation and forecasting the neural runs' test windows causally,
measured as `importance compare --classical` measures them (`experiment.run_classical`: wall
time and energy around fit + forecast): on the embedded default series (10-minute Duomo) and
on a daily panel of eNodeBs (`tests.fixtures.daily_panel`, one fit per cell, pooled MAE) and
on live cells of the 1,000-cell hourly fixture's shape (`tests.fixtures.panels`: 4 weeks
hourly), whose per-cell cost times 1,000 is what `--classical` adds on the whole fixture.

Usage: python -m benchmarks.bench_statsforecast [--cells 50] [--days 137] [--hourly-cells 20]
       [--arima]   (--arima adds AutoARIMA, fitted on request only, to the daily panel;
       --smoke: 3 cells each and the default series' last 21 days, a check that it runs)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as a script
from importance.classical import CLASSICAL_MODELS, load_library  # noqa: E402 - after the path
from importance.config import DataConfig, WindowConfig  # noqa: E402
from importance.data.loader import load_series  # noqa: E402
from importance.energy import EnergyMeter  # noqa: E402
from importance.experiment import run_classical  # noqa: E402
from tests.fixtures import panels  # noqa: E402
from tests.fixtures.daily_panel import cell_ids, write_daily_panel  # noqa: E402

SMOKE_DAYS = 21
STATSFORECAST = ("auto_ets", "auto_theta", "mstl_ets", "auto_arima")


def table(title: str, data: DataConfig, window: WindowConfig, names: list[str],
          meter: EnergyMeter) -> None:
    """One line per model: library, wall/fit/forecast seconds, energy, test MAE, label."""
    print(f"\n{title}")
    print(f"{'model':<22} {'library':<13} {'wall_s':>7} {'fit_s':>7} {'fcst_s':>7} "
          f"{'Wh':>8} {'MAE':>9}  label")
    for name in names:
        try:
            row = run_classical(name, data, window, meter=meter)
        except ValueError as exc:
            print(f"{name:<22} cannot forecast this series: {exc}")
            continue
        library = "statsforecast" if name in STATSFORECAST else "statsmodels"
        energy = row["energy_kwh"]
        wh = f"{energy * 1000:8.3f}" if energy is not None else "     n/a"
        print(f"{name:<22} {library:<13} {row['wall_s']:7.2f} {row['fit_s']:7.2f} "
              f"{row['predict_s']:7.2f} {wh} {row['test_mae']:9.3f}  {row['label']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=50, help="eNodeBs in the daily panel")
    parser.add_argument("--days", type=int, default=137,
                        help="days per cell (137: the real daily export of issue 22)")
    parser.add_argument("--hourly-cells", type=int, default=20,
                        help="live cells of the hourly fixture's shape (672 hours each)")
    parser.add_argument("--arima", action="store_true", help="add AutoARIMA to the panel")
    parser.add_argument("--smoke", action="store_true", help="tiny: a check that it runs")
    a = parser.parse_args(argv)
    cells = 3 if a.smoke else a.cells
    start = time.perf_counter()
    load_library("auto_ets")
    print(f"statsforecast import (once per process, not in the rows): "
          f"{time.perf_counter() - start:.2f} s")
    meter = EnergyMeter("ITA")
    names = list(CLASSICAL_MODELS)
    with tempfile.TemporaryDirectory() as tmp:
        default, window = DataConfig(), WindowConfig()
        if a.smoke:  # the default series' last days, written as a file of its own
            series = load_series().values.iloc[-SMOKE_DAYS * 144:]
            path = Path(tmp) / "default_tail.csv"
            series.rename("internet").to_frame().reset_index().to_csv(path, index=False)
            default = DataConfig(path=str(path))
        n = SMOKE_DAYS * 144 if a.smoke else len(load_series().values)
        table(f"embedded default series ({n} 10-minute points; {window.horizon}-step windows)",
              default, window, names, meter)
        panel = write_daily_panel(Path(tmp) / "enb_daily.csv", cells=cells, days=a.days)
        data = DataConfig(path=str(panel), series=tuple(cell_ids(cells)), column="DL_Volume_GB")
        daily = WindowConfig(lookback=14, horizon=1, holidays=None)
        table(f"daily panel: {cells} cells x {a.days} days (one fit per cell; pooled MAE)",
              data, daily, names + (["auto_arima"] if a.arima else []), meter)
        hourly_cells = 3 if a.smoke else a.hourly_cells
        fixture = panels.write_hourly_long(Path(tmp) / "hourly.csv", cells=hourly_cells * 2)
        live = tuple(panels.live_cells(hourly_cells * 2)[:hourly_cells])
        table(f"hourly panel: {len(live)} live cells x 672 hours (the 1,000-cell fixture's "
              "shape; one fit per cell; pooled MAE)",
              DataConfig(path=str(fixture), series=live),
              WindowConfig(lookback=24, horizon=1, holidays=None), names, meter)
    print(f"\nenergy: {meter.method.summary if meter.method else 'not measured'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""statsforecast baselines (importance/classical/nixtla.py): causal rolling origin, the same
forecast as statsforecast's own at the first origin, seasons from the step, panels of one and
more, and a clear refusal when statsforecast is not installed. Short series keep them fast."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from importance.classical import CLASSICAL_MODELS, ON_REQUEST_MODELS, forecast_classical, nixtla
from importance.classical.base import seasons_of
from importance.config import DataConfig, WindowConfig
from importance.data.windows import WindowedSeries, make_windows
from importance.energy import EnergyMeter
from importance.metrics import mae
from tests.classical.conftest import weekly_series
from tests.fixtures.daily_panel import cell_ids, write_daily_panel

STATSFORECAST = ("auto_ets", "auto_theta", "mstl_ets", "auto_arima")
# (step, points, window): 3 weeks hourly (MSTL's weekly season needs 2 x 168 + 1 fit points),
# 40 weeks daily, 3 weeks at 10 minutes (a daily season of 144 steps: too long for ETS)
CASES = {
    "hourly": ("1h", 3 * 168, WindowConfig(lookback=24, horizon=6)),
    "daily": ("1D", 280, WindowConfig(lookback=14, horizon=7)),
    "10min": ("10min", 3 * 1008, WindowConfig(lookback=144, horizon=1)),
}
# AutoARIMA's order search is slow at an hourly season (minutes): daily data only
CASE_OF = {"auto_ets": "hourly", "auto_theta": "hourly", "mstl_ets": "hourly",
           "auto_arima": "daily"}


@cache
def windows(case: str, scale_from: int | None = None) -> WindowedSeries:
    """A CASES series, windowed; `scale_from`: its values from that position on are changed."""
    freq, n, cfg = CASES[case]
    series = weekly_series(freq, n)
    if scale_from is not None:
        series = series.copy()
        series.iloc[scale_from:] *= np.random.default_rng(1).uniform(0.5, 2.0, n - scale_from)
    return make_windows(series, cfg)


@cache
def forecast(name: str, case: str, scale_from: int | None = None):
    return forecast_classical(name, windows(case, scale_from))


def test_the_registry_holds_the_statsforecast_models_and_arima_on_request() -> None:
    assert tuple(CLASSICAL_MODELS)[-3:] == ("auto_ets", "auto_theta", "mstl_ets")
    assert tuple(ON_REQUEST_MODELS) == ("auto_arima",)
    assert all(CLASSICAL_MODELS[n].transformable for n in STATSFORECAST[:3])


@pytest.mark.parametrize("name", STATSFORECAST)
def test_window_i_uses_only_the_series_before_its_origin(name: str) -> None:
    """Changing the series from window i's origin on leaves windows 0..i unchanged and
    changes later ones."""
    case = CASE_OF[name]
    ws = windows(case)
    i = len(ws.test) // 3
    origin = int(ws.test.start[i])
    before, after = forecast(name, case).predictions, forecast(name, case, origin).predictions
    np.testing.assert_allclose(after[:i + 1], before[:i + 1], rtol=1e-9)
    assert not np.allclose(after[i + 1:], before[i + 1:])
    assert mae(ws.actual("test"), before) < 0.6 * mae(
        ws.actual("test"), np.full_like(before, ws.series.to_numpy()[:ws.bounds[1]].mean()))


def _statsforecast_own(name: str, y_fit: np.ndarray, case: str, h: int) -> np.ndarray:
    """statsforecast's own fit on the fit segment and forecast from its end."""
    sf = nixtla.statsforecast()
    named = seasons_of(windows(case).series.index).periods
    model = {"auto_ets": lambda: sf.AutoETS(season_length=named[0][1]),
             "auto_theta": lambda: sf.AutoTheta(season_length=named[0][1]),
             "auto_arima": lambda: sf.AutoARIMA(season_length=named[0][1]),
             "mstl_ets": lambda: sf.MSTL(season_length=[p for _, p in named],
                                         trend_forecaster=sf.AutoETS(model="ZZN"),
                                         stl_kwargs=nixtla.stl_jumps(named[0][1]))}[name]()
    return model.fit(y_fit).predict(h=h)["mean"]


@pytest.mark.parametrize("name", STATSFORECAST)
def test_from_the_end_of_the_fit_segment_it_is_statsforecasts_own_forecast(name: str) -> None:
    case = CASE_OF[name]
    ws = windows(case)
    n, h = ws.bounds[1], ws.config.horizon
    y = np.log1p(ws.series.to_numpy())
    spec = (CLASSICAL_MODELS | ON_REQUEST_MODELS)[name]
    mine = spec.fit(y[:n], seasons_of(ws.series.index)).predict(y[:n], np.array([n]), h)
    np.testing.assert_allclose(mine[0], _statsforecast_own(name, y[:n], case, h), rtol=1e-8)


def test_ets_forecasts_from_each_origin_as_statsforecasts_forward_on_the_prefix() -> None:
    ws = windows("hourly")
    y = np.log1p(ws.series.to_numpy())
    model = nixtla.statsforecast().AutoETS(season_length=24).fit(y[:ws.bounds[1]])
    pred = forecast("auto_ets", "hourly").predictions
    for i in (1, len(ws.test) - 1):
        own = model.forward(y=y[:int(ws.test.start[i])], h=6)["mean"]
        np.testing.assert_allclose(pred[i], np.expm1(own), rtol=1e-8)


@pytest.mark.parametrize(("name", "case", "label", "params"), [
    ("auto_ets", "hourly", "(daily = 24 steps) on log1p", {"season_length": 24}),
    ("auto_ets", "daily", "(weekly = 7 steps) on log1p", {"season_length": 7}),
    ("auto_ets", "10min", "(no season: statsforecast's ETS takes seasons of at most 24 steps, "
                          "the daily one is 144) on log1p", {"season_length": 1}),
    ("auto_theta", "daily", "(multiplicative weekly = 7 steps) on log1p", {"season_length": 7}),
    ("mstl_ets", "hourly", "MSTL (daily = 24, weekly = 168 steps) + AutoETS",
     {"periods": {"daily": 24, "weekly": 168}}),
    ("mstl_ets", "daily", "MSTL (weekly = 7 steps) + AutoETS", {"periods": {"weekly": 7}}),
    ("auto_arima", "daily", "(weekly = 7 steps) on log1p", {"season_length": 7}),
])
def test_seasons_follow_the_step(name: str, case: str, label: str,
                                 params: dict[str, object]) -> None:
    fc = forecast(name, case)
    assert label in fc.label and params.items() <= fc.params.items()
    assert fc.predictions.shape == (len(windows(case).test), windows(case).config.horizon)
    assert np.isfinite(fc.predictions).all() and "warnings" not in fc.params


def test_a_step_without_seasons_is_refused() -> None:
    ws = make_windows(weekly_series("7D", 200), WindowConfig(lookback=8))
    with pytest.raises(ValueError, match="AutoTheta needs a seasonal period, but a 1-week step"):
        forecast_classical("auto_theta", ws)


def test_without_statsforecast_a_clear_error_that_callers_skip(monkeypatch) -> None:
    def missing(name: str):
        raise ModuleNotFoundError(f"No module named {name.split('.')[0]!r}")

    monkeypatch.setattr(nixtla.importlib, "import_module", missing)
    with pytest.raises(nixtla.StatsforecastMissing,
                       match="need statsforecast, which is not installed .*scripts/setup.sh "
                             "or python -m pip install --no-deps -r requirements/"):
        forecast_classical("auto_ets", windows("daily"))
    assert issubclass(nixtla.StatsforecastMissing, ValueError)  # skipped as "cannot fit"
    forecast_classical("holt_winters", windows("daily"))  # statsmodels' models still run


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_daily_panel(tmp_path_factory.mktemp("panel") / "enb.csv", cells=3, days=200)


@pytest.mark.parametrize("name", ["auto_theta", "mstl_ets"])
def test_a_panel_fits_each_cell_and_a_panel_of_one_is_that_cell(name: str,
                                                                  panel_csv: Path) -> None:
    from importance.experiment import run_classical

    window = WindowConfig(lookback=14, horizon=7, holidays=None)
    ids = cell_ids(3)
    data = DataConfig(path=str(panel_csv), series=tuple(ids), column="DL_Volume_GB")
    meter = EnergyMeter("ITA")
    pooled = run_classical(name, data, window, meter=meter)
    alone = [run_classical(name, d, window, meter=meter) for d in data.members()]
    assert [p["series"] for p in pooled["per_series"]] == ids
    for part, one in zip(pooled["per_series"], alone, strict=True):
        assert part["test_mae"] == pytest.approx(one["test_mae"])
    assert set(pooled["params"]) == set(ids) and pooled["kind"] == "classical"
    assert pooled["fit_s"] > 0 and pooled["wall_s"] >= pooled["fit_s"] + pooled["predict_s"]
    one = DataConfig(path=str(panel_csv), series=(ids[1],), column="DL_Volume_GB")
    assert run_classical(name, one, window, meter=meter)["test_mae"] == alone[1]["test_mae"]


@pytest.mark.parametrize("modeltype", ["STM", "OTM", "DSTM", "DOTM"])
def test_theta_trend_lines_are_the_states_of_a_run_over_each_prefix(modeltype: str) -> None:
    theta = nixtla.statsforecast("theta")
    y = 5 + np.cumsum(np.random.default_rng(0).normal(0, 0.05, 400))
    kind = theta.switch_theta(modeltype)
    origins = np.array([50, 211, 400])
    lines = nixtla.trend_lines(y, origins)
    for o, line in zip(origins, lines, strict=True):
        prefix = theta._theta.pegels_resid(y[:o], kind, 4.9, 0.3, 2.0, 3)[2]
        np.testing.assert_allclose(line, prefix[-1, 2:4], rtol=1e-10)


def test_theta_forecasts_from_each_origin_as_its_filter_run_over_the_prefix() -> None:
    theta = nixtla.statsforecast("theta")
    ws = windows("hourly")
    n = ws.bounds[1]
    y = np.log1p(ws.series.to_numpy())
    fitted = nixtla.fit_theta(y[:n], seasons_of(ws.series.index))
    assert fitted.season_fit is not None  # the hourly series is seasonal: decomposed
    par, kind = fitted.model["par"], theta.switch_theta(fitted.model["modeltype"])
    adjusted = fitted._adjust(y, fitted.seasonal(np.arange(len(y))))
    pred = forecast("auto_theta", "hourly").predictions
    for i in (0, len(ws.test) // 2, len(ws.test) - 1):
        o = int(ws.test.start[i])
        states = theta._theta.pegels_resid(adjusted[:o], kind, par["initial_smoothed"],
                                           par["alpha"], par["theta"], 3)[2]
        own = theta.forecast_theta({**fitted.model, "n": o, "states": states,
                                    "decompose": False}, h=6)["mean"]
        expected = fitted._adjust(own, fitted.seasonal(o + np.arange(6)), inverse=True)
        np.testing.assert_allclose(pred[i], np.expm1(expected), rtol=1e-9)

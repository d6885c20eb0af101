"""Nixtla statsforecast baselines: AutoETS, AutoTheta, MSTL with an AutoETS trend, AutoARIMA.

Each is fitted with statsforecast's model API on the fit segment (train + validation). The
rolling origin keeps what was fitted (no refit) and is causal: window i's forecast uses only
y[:origin_i].
- AutoETS and AutoARIMA: `forward(y=y[:origin], h)` per origin, statsforecast's own filter run
  over the prefix with the fitted parameters and initial states.
- AutoTheta and MSTL decompose the fit segment only (as `mstl_arima`): the seasonal components
  ahead are the fit segment's last season repeated (as statsforecast's `predict` does), the
  seasonally adjusted series goes on past the fit segment as y without them, and the
  non-seasonal model (theta's filter, the trend's AutoETS) is run over each prefix of it with
  its fitted parameters (theta: one run, each origin's state taken from it with the trend line
  of its own prefix, equal to a run over the prefix). At the first origin this is
  statsforecast's `fit(y_fit).predict(h)`.
Never `forward(y=whole series, fitted=True)`: on MSTL it re-decomposes the whole series with a
two-sided smoother that sees the future (DESIGN.md 5b); `AutoTheta.forward` refits.

statsforecast is imported on first use (~2.5 s); it is installed from
requirements/statsforecast.txt (scripts/setup.sh).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from importance.classical.base import Seasons, describe, require_history
from importance.classical.mstl_arima import mstl_minimum, repeat_seasons, stl_jumps

ETS_MAX_SEASON = 24  # statsforecast's ETS (as R's ets) drops seasons longer than this
INSTALL = "python -m pip install --no-deps -r requirements/statsforecast.txt"


class StatsforecastMissing(ValueError):
    """statsforecast is not installed: the models that need it cannot forecast (a ValueError,
    so that callers skip them with this reason, as a model that cannot fit a series)."""


def statsforecast(module: str = "models") -> ModuleType:
    """`statsforecast.<module>`, imported now; `StatsforecastMissing` when not installed."""
    try:
        return importlib.import_module(f"statsforecast.{module}")
    except ImportError as exc:
        raise StatsforecastMissing(f"the statsforecast baselines need statsforecast, which is "
                                   f"not installed ({exc}): run scripts/setup.sh or {INSTALL}"
                                   ) from exc


def each_origin(forward: Callable[..., dict[str, np.ndarray]], y: np.ndarray,
                origins: np.ndarray, horizon: int) -> np.ndarray:
    """(len(origins), horizon): `forward(y=y[:o], h=horizon)["mean"]` for each origin o."""
    return np.stack([forward(y=y[:o], h=horizon)["mean"] for o in origins])


def _rounded(par: dict[str, Any]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in par.items() if np.isfinite(v)}


@dataclass(frozen=True)
class Filtered:
    """AutoETS or AutoARIMA: statsforecast's filter over each prefix, parameters fixed."""

    model: Any  # the fitted statsforecast model
    label: str
    params: dict[str, Any]

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        return each_origin(self.model.forward, y, origins, horizon)


def fit_ets(y: np.ndarray, seasons: Seasons) -> Filtered:
    name, m = seasons.seasonal("AutoETS")[0]
    season = m if m <= ETS_MAX_SEASON else 1
    require_history(len(y), 2 * m, f"AutoETS (two {name} seasons)")
    model = statsforecast().AutoETS(season_length=season).fit(y)
    fitted = model.model_
    method = fitted["method"]
    alpha, beta, gamma, phi = fitted["par"][:4]
    where = (describe(((name, m),)) if season > 1 else
             f"no season: statsforecast's ETS takes seasons of at most {ETS_MAX_SEASON} steps, "
             f"the {name} one is {m}")
    params = {"method": method, "season_length": season,
              **_rounded({"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi})}
    return Filtered(model, f"AutoETS {method} ({where})", params)


def fit_arima(y: np.ndarray, seasons: Seasons) -> Filtered:
    name, m = seasons.seasonal("AutoARIMA")[0]
    require_history(len(y), 2 * m, f"AutoARIMA (two {name} seasons)")
    model = statsforecast().AutoARIMA(season_length=m).fit(y)
    p, q, sp, sq, period, d, sd = (int(v) for v in model.model_["arma"])
    order = f"ARIMA({p},{d},{q})" + (f"({sp},{sd},{sq})[{period}]" if sp + sd + sq else "")
    params = {"order": order, "season_length": m,
              **_rounded(dict(model.model_["coef"]))}
    return Filtered(model, f"AutoARIMA {order} ({describe(((name, m),))})", params)


def trend_lines(y: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """(len(origins), 2): intercept A and slope B of the least-squares line through
    (t, y[t - 1]), t = 1..o, for each origin o: the theta method's trend over the prefix (its
    states' A_n, B_n after a run over y[:o], for the standard and the dynamic models alike)."""
    t = np.arange(1, len(y) + 1)
    n = origins.astype(np.float64)
    mean_y = np.cumsum(y)[origins - 1] / n
    mean_ty = np.cumsum(t * y)[origins - 1] / n
    slope = 6 * (2 * mean_ty - (1 + n) * mean_y) / (n ** 2 - 1)
    return np.column_stack([mean_y - (n + 1) * slope / 2, slope])


@dataclass(frozen=True)
class Theta:
    """AutoTheta: the fit segment's seasonal indices (classical decomposition) held fixed."""

    n_fit: int
    model: dict[str, Any]  # statsforecast's fitted theta: states, par, modeltype, ...
    season_fit: np.ndarray | None  # (n_fit,) seasonal indices; None: not decomposed
    label: str
    params: dict[str, Any]

    def seasonal(self, positions: np.ndarray) -> np.ndarray:
        """Seasonal indices at `positions`: the fit segment's, then its last season repeated."""
        s = self.season_fit
        m = self.model["m"]
        return np.where(positions < self.n_fit, s[np.minimum(positions, self.n_fit - 1)],
                        s[self.n_fit - m + (positions - self.n_fit) % m])

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        theta = statsforecast("theta")
        par, kind = self.model["par"], theta.switch_theta(self.model["modeltype"])

        def states(y: np.ndarray) -> np.ndarray:
            """(len(y), 5) theta states over `y` with the fitted parameters: level and mean
            are causal recursions; the trend line (A_n, B_n) of the standard models is a
            regression over all of `y`, replaced per origin by the prefix's own below."""
            return theta._theta.pegels_resid(y, kind, par["initial_smoothed"], par["alpha"],
                                             par["theta"], 3)[2]

        targets = origins[:, None] + np.arange(horizon)
        if self.season_fit is None:
            adjusted, ahead = y, None
        else:
            adjusted = self._adjust(y, self.seasonal(np.arange(len(y))))
            ahead = self.seasonal(targets)
        if not np.allclose(states(adjusted[:self.n_fit]), self.model["states"]):
            raise RuntimeError("AutoTheta's states over the fit segment differ from its fit: "
                               "statsforecast's internals changed (requirements/"
                               "statsforecast.txt pins the version this was written for)")
        full, lines = states(adjusted), trend_lines(adjusted, origins)
        out = np.empty((len(origins), horizon))
        for k, o in enumerate(origins):  # the state after y[:o], as a run over y[:o] ends
            prefix = full[:o].copy()
            prefix[-1, 2:4] = lines[k]
            out[k] = theta.forecast_theta({**self.model, "n": o, "states": prefix,
                                           "decompose": False}, h=horizon)["mean"]
        return out if ahead is None else self._adjust(out, ahead, inverse=True)

    def _adjust(self, y: np.ndarray, season: np.ndarray, inverse: bool = False) -> np.ndarray:
        """y without its season (or, `inverse`, with it back), as the decomposition type says."""
        if self.model["decomposition_type"] == "multiplicative":
            return y * season if inverse else y / season
        return y + season if inverse else y - season


def fit_theta(y: np.ndarray, seasons: Seasons) -> Theta:
    name, m = seasons.seasonal("AutoTheta")[0]
    require_history(len(y), 2 * m, f"AutoTheta (two {name} seasons)")
    fitted = statsforecast().AutoTheta(season_length=m).fit(y).model_
    season = None
    if fitted.get("decompose", False):  # statsforecast's seasonal test said yes: redo its split
        from statsmodels.tsa.seasonal import seasonal_decompose

        season = np.asarray(seasonal_decompose(y, model=fitted["decomposition_type"],
                                               period=m).seasonal, dtype=np.float64)
    decomposed = (f"{fitted['decomposition_type']} {describe(((name, m),))}" if season is not None
                  else f"no seasonal decomposition: the {name} season ({m} steps) tested "
                       "insignificant")
    params = {"model": fitted["modeltype"], "season_length": m,
              "decomposition": fitted.get("decomposition_type") if season is not None else None,
              **_rounded(fitted["par"])}
    return Theta(len(y), fitted, season, f"AutoTheta {fitted['modeltype']} ({decomposed})",
                 params)


@dataclass(frozen=True)
class MstlEts:
    """MSTL of the fit segment; an AutoETS (no season) on its trend + remainder."""

    n_fit: int
    adjusted_fit: np.ndarray  # (n_fit,) trend + remainder of the fit segment
    last_seasons: tuple[np.ndarray, ...]  # each component's last season of the fit segment
    trend: Any  # the fitted statsforecast AutoETS
    label: str
    params: dict[str, Any]

    def predict(self, y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
        later = np.arange(self.n_fit, len(y))
        adjusted = np.concatenate([self.adjusted_fit,
                                   y[later] - repeat_seasons(self.last_seasons,
                                                             later - self.n_fit)])
        targets = origins[:, None] + np.arange(horizon)
        return (each_origin(self.trend.forward, adjusted, origins, horizon)
                + repeat_seasons(self.last_seasons, targets - self.n_fit))


def fit_mstl(y: np.ndarray, seasons: Seasons) -> MstlEts:
    sf = statsforecast()
    named = seasons.seasonal("MSTL + AutoETS")
    periods = [p for _, p in named]
    require_history(len(y), mstl_minimum(periods[-1]), f"MSTL + AutoETS (two {named[-1][0]} "
                                                       "seasons and one step)")
    model = sf.MSTL(season_length=periods, trend_forecaster=sf.AutoETS(model="ZZN"),
                    stl_kwargs=stl_jumps(periods[0])).fit(y)
    parts = model.model_  # data, trend, seasonal<p>..., remainder over the fit segment
    seasonal = parts.filter(regex="^seasonal").to_numpy(dtype=np.float64)  # (n_fit, periods)
    adjusted = (parts["trend"] + parts["remainder"]).to_numpy(dtype=np.float64)
    last = tuple(seasonal[-p:, j].copy() for j, p in enumerate(periods))
    method = model.trend_forecaster.model_["method"]
    params = {"periods": dict(named), "trend_model": method,
              **_rounded(dict(zip(("alpha", "beta", "gamma", "phi"),
                                  model.trend_forecaster.model_["par"][:4], strict=True)))}
    return MstlEts(len(y), adjusted, last, model.trend_forecaster,
                   f"MSTL ({describe(named)}) + AutoETS {method} trend", params)

"""Rolling-origin multi-step forecasts from one Kalman filter pass."""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.statespace.mlemodel import MLEResults


def rolling_forecasts(results: MLEResults, origins: np.ndarray, horizon: int) -> np.ndarray:
    """(len(origins), horizon) forecasts of y[o + k] given y[:o], for each origin o.

    `results` must be filtered over the series up to (at least) the last origin minus one and
    have time-invariant system matrices. The filter's predicted state at o (which uses only
    y[:o]) is propagated k steps through the transition, for all origins at once.
    """
    fr = results.filter_results
    mats = {"design": fr.design, "transition": fr.transition, "obs_intercept": fr.obs_intercept,
            "state_intercept": fr.state_intercept}
    varying = [name for name, m in mats.items() if m.shape[-1] != 1]
    if varying or fr.k_endog != 1:
        raise ValueError(f"rolling_forecasts needs a univariate time-invariant model; "
                         f"time-varying: {varying}")
    design, transition = fr.design[:, :, 0], fr.transition[:, :, 0]
    d, c = fr.obs_intercept[0, 0], fr.state_intercept[:, 0:1]
    state = fr.predicted_state[:, origins]  # (k_states, N): E[state at o | y[:o]]
    out = np.empty((len(origins), horizon))
    for k in range(horizon):
        out[:, k] = design[0] @ state + d
        state = transition @ state + c
    return out

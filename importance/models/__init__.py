"""Small forecasters: LSTM (as in the paper), GRU, MLP, and the linear DLinear and NLinear,
each optionally with reversible instance normalisation (`importance.models.base`)."""

from __future__ import annotations

import torch

from importance.config import LINEAR_KINDS, ModelConfig
from importance.models.base import Forecaster, restore
from importance.models.linear import LinearForecaster
from importance.models.mlp import MLPForecaster
from importance.models.recurrent import RecurrentForecaster

MODEL_KINDS = ("lstm", "gru", "mlp", *LINEAR_KINDS)
HIDDEN_FREE = LINEAR_KINDS  # kinds that ignore `hidden` and `layers`


def build_model(cfg: ModelConfig, *, n_features: int, lookback: int, horizon: int) -> Forecaster:
    """Build the forecaster named by `cfg.kind`."""
    if cfg.kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {cfg.kind!r}; allowed: {', '.join(MODEL_KINDS)}")
    if cfg.hidden < 1 or cfg.layers < 1:
        raise ValueError(f"hidden and layers must be >= 1, got hidden={cfg.hidden}, "
                         f"layers={cfg.layers}")
    if cfg.kind in LINEAR_KINDS:
        return LinearForecaster(cfg.kind, n_features, lookback, horizon, revin=cfg.revin)
    if cfg.kind == "mlp":
        return MLPForecaster(n_features, lookback, cfg.hidden, cfg.layers, horizon,
                             revin=cfg.revin)
    return RecurrentForecaster(cfg.kind, n_features, cfg.hidden, cfg.layers, horizon,
                               revin=cfg.revin)


def per_sample_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared error averaged over the horizon: (B, horizon) x2 -> (B,)."""
    return ((pred - target) ** 2).mean(dim=1)


__all__ = ["HIDDEN_FREE", "LINEAR_KINDS", "MODEL_KINDS", "Forecaster", "LinearForecaster",
           "MLPForecaster", "RecurrentForecaster", "build_model", "per_sample_loss",
           "restore"]

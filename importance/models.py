"""Small forecasters: LSTM (as in the paper), GRU and MLP.

Every model maps a window `x` of shape (B, T, F) to a forecast of shape (B, horizon)
as `head(encode(x))`, where `encode` gives the last hidden representation (B, H) and
`head` is one `nn.Linear(H, horizon)`. Scoring relies on that split (last-layer proxy).
"""

from __future__ import annotations

import torch
from torch import nn

from importance.config import ModelConfig

MODEL_KINDS = ("lstm", "gru", "mlp")


class RecurrentForecaster(nn.Module):
    """LSTM or GRU over the window; the head reads the last step's top-layer output."""

    def __init__(self, kind: str, n_features: int, hidden: int, layers: int, horizon: int):
        super().__init__()
        self.kind = kind
        cell = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = cell(n_features, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, T, H)
        return out[:, -1]  # (B, H)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(x))  # (B, horizon)


class MLPForecaster(nn.Module):
    """Flattened window -> `layers` hidden Linear+ReLU blocks -> head."""

    def __init__(self, n_features: int, lookback: int, hidden: int, layers: int, horizon: int):
        super().__init__()
        self.kind = "mlp"
        blocks: list[nn.Module] = []
        width = n_features * lookback
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(width, horizon)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.flatten(1))  # (B, T*F) -> (B, H)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(x))


def build_model(cfg: ModelConfig, *, n_features: int, lookback: int, horizon: int) -> nn.Module:
    """Build the forecaster named by `cfg.kind`."""
    if cfg.kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {cfg.kind!r}; allowed: {', '.join(MODEL_KINDS)}")
    if cfg.hidden < 1 or cfg.layers < 1:
        raise ValueError(f"hidden and layers must be >= 1, got hidden={cfg.hidden}, "
                         f"layers={cfg.layers}")
    if cfg.kind == "mlp":
        return MLPForecaster(n_features, lookback, cfg.hidden, cfg.layers, horizon)
    return RecurrentForecaster(cfg.kind, n_features, cfg.hidden, cfg.layers, horizon)


def per_sample_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared error averaged over the horizon: (B, horizon) x2 -> (B,)."""
    return ((pred - target) ** 2).mean(dim=1)

"""A multilayer perceptron over the flattened window."""

from __future__ import annotations

import torch
from torch import nn

from importance.models.base import Forecaster


class MLPForecaster(Forecaster):
    """Flattened window -> `layers` hidden Linear+ReLU blocks -> head."""

    def __init__(self, n_features: int, lookback: int, hidden: int, layers: int, horizon: int,
                 *, revin: bool = False):
        super().__init__(revin)
        self.kind = "mlp"
        blocks: list[nn.Module] = []
        width = n_features * lookback
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(width, horizon)

    def encode(self, x_in: torch.Tensor) -> torch.Tensor:
        return self.body(x_in.flatten(1))  # (B, T*F) -> (B, H)

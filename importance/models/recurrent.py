"""LSTM and GRU forecasters (the paper's model and its lighter sibling)."""

from __future__ import annotations

import torch
from torch import nn

from importance.models.base import Forecaster


class RecurrentForecaster(Forecaster):
    """LSTM or GRU over the window; the head reads the last step's top-layer output."""

    def __init__(self, kind: str, n_features: int, hidden: int, layers: int, horizon: int, *,
                 revin: bool = False):
        super().__init__(revin)
        self.kind = kind
        cell = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = cell(n_features, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def encode(self, x_in: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x_in)  # (B, T, H)
        return out[:, -1]  # (B, H)

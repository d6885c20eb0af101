"""The forecaster contract every model meets, and reversible instance normalisation.

A forecaster maps a window `x` (B, T, F) to a forecast (B, horizon) in three parts:

    x_in, scale, offset = model.prepare(x)      # parameter-free, per window
    raw = model.head(model.encode(x_in))        # encode: (B, H); head: one nn.Linear(H, horizon)
    forecast = raw * scale + offset             # scale, offset: (B, 1), or None

Scoring relies on that split: `prepare` has no parameters, so the exact per-sample gradient
norms need only the body (`encode`) and the head, with dl/draw = dl/dforecast * scale.

Reversible instance normalisation (RevIN; Kim et al., ICLR 2022, without the optional learnable
affine): the value channel (feature 0) of each window is standardised by its own mean and
standard deviation over the lookback, and the forecast is put back on that level and scale.
A level shift (a holiday, an event, an outage) then moves the inputs' statistics, not the
inputs the network sees.
"""

from __future__ import annotations

import torch
from torch import nn

REVIN_EPS = 1e-5  # variance floor: a flat window (zeros at night) keeps a finite scale


class Forecaster(nn.Module):
    """Base of every model: `prepare` (RevIN when `revin`), `encode`, `head`, `forward`."""

    kind: str
    head: nn.Linear

    def __init__(self, revin: bool):
        super().__init__()
        self.revin = revin

    def prepare(self, x: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """The body's input and the forecast's per-window scale and offset (B, 1)."""
        if not self.revin:
            return x, None, None
        v = x[:, :, 0]
        mean = v.mean(dim=1, keepdim=True)
        std = (v.var(dim=1, unbiased=False, keepdim=True) + REVIN_EPS).sqrt()
        x_in = torch.cat([((v - mean) / std).unsqueeze(2), x[:, :, 1:]], dim=2)
        return x_in, std, mean

    def encode(self, x_in: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_in, scale, offset = self.prepare(x)
        return restore(self.head(self.encode(x_in)), scale, offset)


def restore(raw: torch.Tensor, scale: torch.Tensor | None, offset: torch.Tensor | None
            ) -> torch.Tensor:
    """The forecast from the head's output: raw * scale + offset (each may be None)."""
    if scale is not None:
        raw = raw * scale
    if offset is not None:
        raw = raw + offset
    return raw

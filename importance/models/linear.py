"""The strong cheap linear forecasters of Zeng et al. (AAAI 2023), for one series with
calendar inputs.

Both are a single linear map (the head) of a parameter-free encoding of the window, so their
exact per-sample gradient norm is the head's ghost norm. The value channel is mapped from the
whole lookback (as in the paper, one map shared by nothing: one series); the other input
features (time of day, day of week, holidays) enter as their values at the window's last step,
which places the forecast in the calendar.

- NLinear: the window's last value is subtracted from the lookback and added back to the
  forecast (a level-free map: a level shift moves only the offset).
- DLinear: the lookback is split into a trend (moving average over `TREND_KERNEL` steps, ends
  padded by repeating the first and last values) and the remainder; one linear map each
  (here the head over their concatenation, which is the sum of the two maps).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from importance.config import LINEAR_KINDS
from importance.models.base import Forecaster

TREND_KERNEL = 25  # DLinear's moving-average length (the paper's default)


def moving_average(v: torch.Tensor, kernel: int) -> torch.Tensor:
    """Centred moving average of v (B, T) over `kernel` steps (shortened to T, made odd), the
    ends padded with the first and last values: (B, T)."""
    k = min(kernel, v.shape[1])
    k -= 1 - k % 2  # odd, so the average is centred
    pad = (k - 1) // 2
    padded = torch.cat([v[:, :1].expand(-1, pad), v, v[:, -1:].expand(-1, pad)], dim=1)
    return functional.avg_pool1d(padded.unsqueeze(1), k, stride=1).squeeze(1)


class LinearForecaster(Forecaster):
    """NLinear (`kind="nlinear"`) or DLinear (`kind="dlinear"`) with calendar inputs."""

    def __init__(self, kind: str, n_features: int, lookback: int, horizon: int, *,
                 revin: bool = False):
        super().__init__(revin)
        if kind not in LINEAR_KINDS:
            raise ValueError(f"unknown linear kind {kind!r}; allowed: {', '.join(LINEAR_KINDS)}")
        self.kind = kind
        lags = 2 * lookback if kind == "dlinear" else lookback
        self.head = nn.Linear(lags + n_features - 1, horizon)

    def prepare(self, x: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        x_in, scale, offset = super().prepare(x)
        if self.kind != "nlinear":
            return x_in, scale, offset
        last = x_in[:, -1:, 0]  # (B, 1)
        x_in = torch.cat([(x_in[:, :, 0] - last).unsqueeze(2), x_in[:, :, 1:]], dim=2)
        # forecast = (raw + last) * scale + offset
        return x_in, scale, last if scale is None else last * scale + offset

    def encode(self, x_in: torch.Tensor) -> torch.Tensor:
        v, calendar = x_in[:, :, 0], x_in[:, -1, 1:]
        if self.kind == "dlinear":
            trend = moving_average(v, TREND_KERNEL)
            return torch.cat([trend, v - trend, calendar], dim=1)
        return torch.cat([v, calendar], dim=1)

"""The forecasters: every kind builds and forecasts; instance normalisation and NLinear follow
the level of the window; DLinear's decomposition."""

from __future__ import annotations

import pytest
import torch

from importance.config import ModelConfig, RunConfig
from importance.models import MODEL_KINDS, build_model
from importance.models.linear import moving_average

T, F = 24, 3


def window(batch: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, T, F, generator=g, dtype=torch.float64)


def shifted(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    """The value channel (feature 0) scaled by a and moved by b; calendar features unchanged."""
    out = x.clone()
    out[:, :, 0] = a * x[:, :, 0] + b
    return out


@pytest.mark.parametrize("kind", MODEL_KINDS)
@pytest.mark.parametrize("revin", [False, True])
def test_every_kind_forecasts_the_horizon(kind, revin):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=8, revin=revin), n_features=F,
                        lookback=T, horizon=3).double()
    out = model(window())
    assert out.shape == (4, 3) and torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_instance_normalisation_moves_the_forecast_with_the_window(kind):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=8, revin=True), n_features=F,
                        lookback=T, horizon=2).double()
    x = window()
    with torch.no_grad():
        torch.testing.assert_close(model(shifted(x, 3.0, 5.0)), 3.0 * model(x) + 5.0,
                                   rtol=1e-4, atol=1e-4)


def test_without_normalisation_a_level_shift_is_not_followed():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="lstm", hidden=8, revin=False), n_features=F, lookback=T,
                        horizon=1).double()
    x = window()
    with torch.no_grad():
        assert not torch.allclose(model(shifted(x, 1.0, 5.0)), model(x) + 5.0, atol=1e-2)


def test_nlinear_follows_a_level_shift_without_normalisation():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="nlinear", revin=False), n_features=F, lookback=T,
                        horizon=2).double()
    x = window()
    with torch.no_grad():
        torch.testing.assert_close(model(shifted(x, 1.0, 7.0)), model(x) + 7.0)


def test_moving_average_is_centred_with_repeated_ends():
    v = torch.arange(10, dtype=torch.float64).unsqueeze(0)
    trend = moving_average(v, 3)
    assert trend.shape == v.shape
    torch.testing.assert_close(trend[0, 1:-1], v[0, 1:-1])  # a line is its own average
    torch.testing.assert_close(trend[0, [0, -1]], torch.tensor([1 / 3, 26 / 3],
                                                               dtype=torch.float64))
    assert moving_average(v, 25).shape == v.shape  # a kernel longer than the window


def test_dlinear_sees_trend_and_remainder_that_add_up_to_the_window():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="dlinear"), n_features=F, lookback=T, horizon=1)
    x = window().float()
    enc = model.encode(x)
    assert enc.shape == (4, 2 * T + F - 1)
    torch.testing.assert_close(enc[:, :T] + enc[:, T:2 * T], x[:, :, 0])
    torch.testing.assert_close(enc[:, 2 * T:], x[:, -1, 1:])


def test_a_config_stored_before_instance_normalisation_loads_without_it():
    d = RunConfig().to_dict()
    del d["model"]["revin"]
    assert RunConfig.from_dict(d).model.revin is False

import torch

from importance.config import ModelConfig
from importance.models import build_model, per_sample_loss
from importance.scoring import train_step_with_head_norms
from importance.scoring.proxies import last_layer_norms


def test_head_step_trains_like_a_plain_step_and_returns_last_layer_norms():
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind="lstm", hidden=6), n_features=2, lookback=9,
                        horizon=3).double()
    x, y = torch.randn(11, 9, 2, dtype=torch.float64), torch.randn(11, 3, dtype=torch.float64)
    w = torch.rand(11, dtype=torch.float64)
    expected_scores = last_layer_norms(model, x, y) * w
    (per_sample_loss(model(x), y) * w).mean().backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    loss, scores = train_step_with_head_norms(model, x, y, w)
    for g, p in zip(plain, model.parameters(), strict=True):
        torch.testing.assert_close(p.grad, g, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(scores, expected_scores, rtol=1e-10, atol=1e-12)
    assert loss.requires_grad is False and loss.item() > 0

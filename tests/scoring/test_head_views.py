"""Head views (the last-layer gradient embedding) and GraNd's scores over fresh models."""

import copy

import numpy as np
import pytest
import torch

from importance.models import per_sample_loss
from importance.scoring import score_windows
from importance.scoring.el2n import fresh_copy, run_seed
from importance.scoring.embeddings import grand_scores, head_view
from importance.scoring.proxies import last_layer_norms


@pytest.mark.parametrize("kind", ["lstm+revin", "mlp", "nlinear+revin", "dlinear"])
def test_outer_product_is_the_autograd_per_sample_gradient_of_the_head(make_model,
                                                                         make_windows, kind):
    model = make_model(kind, horizon=3)
    x, y = make_windows(b=4, horizon=3)
    view = head_view(model, x, y, batch_size=3)
    for i in range(len(x)):
        loss = per_sample_loss(model(x[i:i + 1]), y[i:i + 1])[0]
        gw, gb = torch.autograd.grad(loss, [model.head.weight, model.head.bias])
        mine = np.outer(view.grads[i], view.inputs[i])  # (horizon, H + 1)
        np.testing.assert_allclose(mine[:, :-1], gw.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(mine[:, -1], gb.numpy(), rtol=1e-9, atol=1e-12)
    # the head-space target makes the forecast exact: raw = z zeroes the gradient
    x_in, scale, offset = model.prepare(x)
    raw = model.head(model.encode(x_in)).detach().numpy()
    np.testing.assert_allclose(view.grads, (2 / 3) * view.scale[:, None] ** 2
                               * (raw - view.targets), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(view.sq_norms()),
                               last_layer_norms(model, x, y).numpy(), rtol=1e-9)
    assert model.training and all(p.grad is None for p in model.parameters())


def test_grand_averages_the_head_norms_of_fresh_copies_and_leaves_the_main_model_alone(
        make_model, make_windows):
    model = make_model("gru")
    x, y = make_windows(b=6)
    before = copy.deepcopy(model.state_dict())
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    scores, forwards, backprops = grand_scores(model, x, y, runs=3, epochs=0, batch_size=4,
                                               lr=0.01, seed=5)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert (forwards, backprops) == (3 * 6, 0)
    with torch.random.fork_rng():
        per_copy = [np.sqrt(head_view(fresh_copy(model, run_seed(5, r)), x, y).sq_norms())
                    for r in range(3)]
    np.testing.assert_allclose(scores, np.mean(per_copy, axis=0), rtol=1e-12)
    assert not np.allclose(per_copy[0], per_copy[1])  # independent initialisations
    main = np.sqrt(head_view(model, x, y).sq_norms())
    assert not np.allclose(scores, main)  # not the main model's norms
    trained = grand_scores(model, x, y, runs=2, epochs=1, batch_size=4, lr=0.01, seed=5)
    assert trained[1:] == (2 * 6, 2 * 6) and not np.allclose(trained[0], per_copy[0])
    with pytest.raises(ValueError, match="grand runs must be an integer >= 1"):
        grand_scores(model, x, y, runs=0, epochs=0, batch_size=4, lr=0.01, seed=5)
    np.testing.assert_allclose(score_windows(model, x, y, "grand_norm", batch_size=2, grand={
        "runs": 3, "seed": 5}), scores, rtol=1e-12)

"""Each variant's forward against the reference model, on random models of every kind.

Tolerances (largest absolute difference over 256 random windows, relative to the largest
absolute reference forecast; measured worst over 5 seeds x 5 kinds x RevIN on/off: fp16
weights 4e-4, fp16 compute 1.1e-3, bf16 weights 7.8e-3, bf16 compute 1.1e-2, int8 2.8e-2):
"""

from __future__ import annotations

import io

import pytest
import torch

from importance.compress.build import build
from importance.compress.prune import magnitude_prune, pruned_weights, sparsity_of
from importance.compress.quantize import int8_state, load_int8, quantize_int8
from importance.compress.structured import kept_units, mask_removed, plan, shrink
from importance.compress.variants import parse_variant
from importance.config import ModelConfig, RunConfig
from importance.models import MODEL_KINDS, build_model
from importance.models.base import Forecaster

TOLERANCE = {"fp32": 0.0, "fp16-storage": 2e-3, "fp16": 5e-3, "bf16-storage": 2e-2,
             "bf16": 3e-2, "int8-dynamic": 6e-2}
SHAPE = {"n_features": 3, "lookback": 12, "horizon": 2}
HIDDEN_KINDS = ("lstm", "gru", "mlp")


def model(kind: str, layers: int = 1, revin: bool = True, hidden: int = 8,
          seed: int = 0) -> tuple[Forecaster, ModelConfig]:
    torch.manual_seed(seed)
    cfg = ModelConfig(kind=kind, hidden=hidden, layers=layers, revin=revin)
    return build_model(cfg, **SHAPE).eval(), cfg


def windows(n: int = 256) -> torch.Tensor:
    return torch.randn(n, SHAPE["lookback"], SHAPE["n_features"],
                       generator=torch.Generator().manual_seed(1))


def forward(m: torch.nn.Module, x: torch.Tensor, dtype: torch.dtype = torch.float32
            ) -> torch.Tensor:
    with torch.no_grad():
        return m(x.to(dtype)).float()


@pytest.mark.parametrize("kind", MODEL_KINDS)
@pytest.mark.parametrize("name", list(TOLERANCE))
def test_each_fixed_variant_matches_the_reference_within_its_tolerance(kind, name):
    ref, cfg = model(kind, layers=2)
    built = build(parse_variant(name), ref, RunConfig(model=cfg), torch.device("cpu"),
                  ws=None, meter=None, finetune_epochs=0)
    x = windows()
    y = forward(ref, x)
    diff = (forward(built.runner.model, x, built.runner.dtype) - y).abs().max()
    assert diff <= TOLERANCE[name] * y.abs().max()
    if name == "fp32":
        assert torch.equal(forward(built.runner.model, x), y)  # exact


@pytest.mark.parametrize("name,dtype", [("fp16-storage", torch.float16),
                                        ("bf16-storage", torch.bfloat16)])
def test_stored_16bit_weights_compute_exactly_the_rounded_fp32_model(name, dtype):
    ref, cfg = model("lstm")
    built = build(parse_variant(name), ref, RunConfig(model=cfg), torch.device("cpu"),
                  ws=None, meter=None, finetune_epochs=0)
    assert all(v.dtype == dtype for v in built.state.values())
    rounded, _ = model("lstm")
    rounded.load_state_dict({k: v.float() for k, v in built.state.items()})
    x = windows()
    assert built.runner.dtype == torch.float32
    assert torch.equal(forward(built.runner.model, x), forward(rounded, x))


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_int8_weights_reload_weights_only_to_the_same_forecasts(kind):
    ref, cfg = model(kind, layers=2)
    q = quantize_int8(ref)
    buf = io.BytesIO()
    torch.save(int8_state(q), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    assert {v.dtype for k, v in state.items() if k.endswith(".int8")} == {torch.int8}
    again = load_int8(model(kind, layers=2, seed=5)[0], state)  # other weights: all replaced
    x = windows()
    assert torch.equal(forward(again, x), forward(q, x))


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_magnitude_pruning_zeroes_exactly_that_share_of_each_weight_matrix(kind):
    ref, _ = model(kind, layers=2)
    pruned = magnitude_prune(ref, 0.5)
    params, original = dict(pruned.named_parameters()), dict(ref.named_parameters())
    for name in pruned_weights(pruned):
        zero = params[name] == 0
        assert int(zero.sum()) == round(0.5 * zero.numel())
        w = original[name].detach().abs()
        assert w[zero].max() <= w[~zero].min()  # the smallest magnitudes went
    assert sparsity_of(pruned) == pytest.approx(0.5, abs=0.01)
    for name, p in pruned.named_parameters():  # biases untouched
        if name not in pruned_weights(pruned):
            assert torch.equal(p, dict(ref.named_parameters())[name])
    x = windows()
    assert torch.equal(forward(magnitude_prune(ref, 0.0), x), forward(ref, x))


@pytest.mark.parametrize("kind", HIDDEN_KINDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_structured_pruning_computes_the_full_model_with_removed_units_cut(kind, layers):
    ref, cfg = model(kind, layers=layers, hidden=10)
    x = windows()
    same, same_cfg = shrink(ref, cfg, 0.0)
    assert same_cfg == cfg and torch.equal(forward(same, x), forward(ref, x))  # exact
    small, small_cfg = shrink(ref, cfg, 0.5)
    kept = plan(ref, kept_units(10, 0.5))
    assert small_cfg.hidden == 5 and all(len(k) == 5 for k in kept)
    torch.testing.assert_close(forward(small, x), forward(mask_removed(ref, kept), x),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", HIDDEN_KINDS)
@pytest.mark.parametrize("revin", [True, False])
def test_structured_pruning_keeps_the_models_interface(kind, revin):
    ref, cfg = model(kind, layers=2, revin=revin, hidden=8)
    small, small_cfg = shrink(ref, cfg, 0.75)
    assert type(small) is type(ref) and small.kind == ref.kind and small.revin == revin
    x = windows(7)
    for a, b in zip(small.prepare(x), ref.prepare(x), strict=True):  # parameter-free
        assert (a is None and b is None) or torch.equal(a, b)
    assert forward(small, x).shape == (7, SHAPE["horizon"])
    assert small.encode(small.prepare(x)[0]).shape == (7, 2)
    rebuilt = build_model(small_cfg, **SHAPE)  # a stored variant reloads from its config
    rebuilt.load_state_dict(small.state_dict())
    assert torch.equal(forward(rebuilt.eval(), x), forward(small, x))


@pytest.mark.parametrize("kind", ["dlinear", "nlinear"])
def test_structured_pruning_refuses_models_without_hidden_units(kind):
    ref, cfg = model(kind)
    assert "no hidden units" in parse_variant("structured-50").not_applicable(kind)
    with pytest.raises(ValueError, match=f"{kind} has none"):
        shrink(ref, cfg, 0.5)


def test_kept_units_bounds():
    assert kept_units(64, 0.5) == 32 and kept_units(3, 0.99) == 1
    with pytest.raises(ValueError, match="got 1.0"):
        kept_units(8, 1.0)
    with pytest.raises(ValueError, match="sparsity must be in"):
        magnitude_prune(model("mlp")[0], 1.0)

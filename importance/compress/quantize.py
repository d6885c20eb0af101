"""Dynamic int8 quantisation of the LSTM/GRU and Linear layers, and its weights-only file.

Weights are stored as int8 with one scale per tensor; activations are quantised on the fly
at each call (so no calibration data is needed), and the arithmetic runs in int8 on the CPU
(fbgemm/x86 kernels: quantised modules have no CUDA kernels, so this variant always runs on
the CPU).

`torch.ao.quantization.quantize_dynamic` is deprecated (torch says it "will be removed in
2.10"; it still works in the pinned torch 2.13.0) and its suggested successor, torchao's
`quantize_`, quantises nn.Linear only, not nn.LSTM / nn.GRU. It is used here pinned to torch
2.13.0, with its deprecation warnings silenced around these calls only (`_quiet`).

A quantised model's own state dict holds packed TorchScript objects that
`torch.load(weights_only=True)` refuses, so `int8_state` writes plain tensors instead (int8
values, scale and zero point per weight; fp32 biases) and `load_int8` rebuilds the exact
same packed weights from them.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

QUANTIZED_TYPES = {nn.LSTM, nn.GRU, nn.Linear}
INT8, SCALE, ZERO = ".int8", ".scale", ".zero_point"  # suffixes of a weight's stored parts


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence only torch's deprecation notices of the quantisation API."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "torch.ao.quantization is deprecated",
                                DeprecationWarning)
        warnings.filterwarnings("ignore", "torch.quantize_per_tensor, torch.quantize_per_channel",
                                UserWarning)
        yield


def quantize_int8(model: nn.Module) -> nn.Module:
    """A dynamically quantised copy of `model` (CPU, eval mode)."""
    float_model = copy.deepcopy(model).cpu().float().eval()
    with _quiet():
        return torch.ao.quantization.quantize_dynamic(float_model, QUANTIZED_TYPES,
                                                      dtype=torch.qint8)


def _quantized_modules(qmodel: nn.Module) -> dict[str, nn.Module]:
    """The dynamically quantised submodules of `qmodel` by name."""
    from torch.ao.nn.quantized import dynamic

    kinds = (dynamic.Linear, dynamic.LSTM, dynamic.GRU)
    return {name: m for name, m in qmodel.named_modules() if isinstance(m, kinds)}


def _weights(module: nn.Module) -> dict[str, torch.Tensor | None]:
    """A quantised module's weights and biases by their float module's names."""
    from torch.ao.nn.quantized import dynamic

    if isinstance(module, dynamic.Linear):
        w, b = module._weight_bias()
        return {"weight": w, "bias": b}
    parts = module._weight_bias()
    return {**parts["weight"], **parts["bias"]}


def int8_state(qmodel: nn.Module) -> dict[str, torch.Tensor]:
    """Plain tensors that `load_int8` rebuilds `qmodel` from (weights_only-loadable)."""
    out: dict[str, torch.Tensor] = {}
    for prefix, module in _quantized_modules(qmodel).items():
        for name, t in _weights(module).items():
            key = f"{prefix}.{name}"
            if t is None:
                continue
            if not t.is_quantized:
                out[key] = t.detach().clone()
                continue
            if t.qscheme() not in (torch.per_tensor_affine, torch.per_tensor_symmetric):
                raise ValueError(f"{key}: only per-tensor int8 weights are stored, got "
                                 f"{t.qscheme()}")
            out[key + INT8] = t.int_repr().clone()
            out[key + SCALE] = torch.tensor(t.q_scale(), dtype=torch.float64)
            out[key + ZERO] = torch.tensor(t.q_zero_point(), dtype=torch.int64)
    return out


def _restore(state: dict[str, torch.Tensor], key: str) -> torch.Tensor | None:
    if key in state:
        return state[key]
    if key + INT8 not in state:
        return None
    q, scale, zero = state[key + INT8], float(state[key + SCALE]), int(state[key + ZERO])
    # quantising the dequantised values gives back exactly q (|rounding error| << 0.5 step)
    with _quiet():
        return torch.quantize_per_tensor((q.float() - zero) * scale, scale, zero, torch.qint8)


def load_int8(model: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
    """`model`'s architecture quantised, with the int8 weights `int8_state` wrote."""
    from torch.ao.nn.quantized import dynamic

    qmodel = quantize_int8(model)
    for prefix, module in _quantized_modules(qmodel).items():
        names = _weights(module)
        parts = {n: _restore(state, f"{prefix}.{n}") for n in names}
        missing = [n for n, t in parts.items() if t is None and names[n] is not None]
        if missing:
            raise ValueError(f"the int8 file lacks {', '.join(f'{prefix}.{n}' for n in missing)}")
        with _quiet():
            if isinstance(module, dynamic.Linear):
                module.set_weight_bias(parts["weight"], parts["bias"])
            else:
                module.set_weight_bias(parts)
    return qmodel

"""Build one variant from the reference model: the model to serve and the weights to store."""

from __future__ import annotations

import copy
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from importance.compress.finetune import finetune
from importance.compress.measure import Runner
from importance.compress.prune import magnitude_prune, sparsity_of
from importance.compress.quantize import int8_state, quantize_int8
from importance.compress.structured import shrink
from importance.compress.variants import VariantSpec
from importance.config import ModelConfig, RunConfig
from importance.data.panel import Windowed
from importance.energy import EnergyMeter
from importance.models import Forecaster

CPU = torch.device("cpu")


@dataclass
class Built:
    """A variant ready to measure: its runner, the weights to store (None: the run's own
    model.pt) and how they read back, its model config, and what the build did."""

    runner: Runner
    state: dict[str, torch.Tensor] | None
    file_format: str  # results.FORMATS
    model: ModelConfig
    storage_dtype: str  # "float32" | "float16" | "bfloat16" | "int8"
    details: dict[str, Any] = field(default_factory=dict)


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _half_state(model: Forecaster, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    return {k: v.detach().to(CPU, dtype) for k, v in model.state_dict().items()}


def _cpu_state(model: Forecaster) -> dict[str, torch.Tensor]:
    return {k: v.detach().to(CPU).clone() for k, v in model.state_dict().items()}


def build(spec: VariantSpec, ref: Forecaster, run: RunConfig, device: torch.device, *,
          ws: Windowed, meter: EnergyMeter, finetune_epochs: int,
          finetune_lr: float | None = None, cancel: threading.Event | None = None) -> Built:
    """The variant `spec` of the reference model `ref` (on `device`, fp32, unchanged)."""
    fam, cfg = spec.family, run.model
    if fam == "fp32":
        return Built(Runner(copy.deepcopy(ref), device), None, "state_dict", cfg, "float32")
    if fam in ("storage", "compute"):
        state = _half_state(ref, spec.dtype)
        model = copy.deepcopy(ref)
        model.load_state_dict({k: v.float() for k, v in state.items()})  # rounded weights
        compute = spec.dtype if fam == "compute" else torch.float32
        return Built(Runner(model.to(device, compute), device, compute), state, "state_dict",
                     cfg, dtype_name(spec.dtype))
    if fam == "int8":
        qmodel = quantize_int8(ref)  # quantised kernels run on the CPU only
        return Built(Runner(qmodel, CPU), int8_state(qmodel), "int8-dynamic", cfg, "int8")
    if fam == "magnitude":
        model = magnitude_prune(ref, spec.amount)
        return Built(Runner(model, device), _cpu_state(model), "state_dict", cfg, "float32",
                     {"sparsity": sparsity_of(model)})
    small, small_cfg = shrink(copy.deepcopy(ref).to(CPU), cfg, spec.amount)
    small = small.to(device)
    details: dict[str, Any] = {"hidden_kept": small_cfg.hidden, "hidden_of": cfg.hidden}
    if spec.finetune:
        cost = finetune(small, ws, run, meter=meter, epochs=finetune_epochs, lr=finetune_lr,
                        cancel=cancel)
        details["finetune"] = asdict(cost)
    return Built(Runner(small.eval(), device), _cpu_state(small), "state_dict", small_cfg,
                 "float32", details)

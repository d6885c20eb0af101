"""Per-sample gradient-norm importance: exact norms (hand-written batched backward, no
per-sample loop), the training step that returns them, cheap proxies, batched scoring of a
window set, and how well the proxies rank like the exact norms."""

from __future__ import annotations

from importance.scoring.el2n import el2n_scores
from importance.scoring.exact import exact_grad_norms, train_step_with_norms
from importance.scoring.fidelity import proxy_fidelity
from importance.scoring.proxies import (
    SCORE_METHODS,
    proxy_scores,
    score_windows,
    train_step_with_head_norms,
    train_step_with_losses,
)

__all__ = ["SCORE_METHODS", "el2n_scores", "exact_grad_norms", "proxy_fidelity", "proxy_scores",
           "score_windows", "train_step_with_head_norms", "train_step_with_losses",
           "train_step_with_norms"]

"""Sample-selection strategies: one small class each, one registry."""

from __future__ import annotations

import inspect
from typing import Any

from importance.strategies.active_learning import ActiveLearning
from importance.strategies.base import (
    Budget,
    ScoreBook,
    ScoreRequest,
    Selection,
    Strategy,
    top_k,
)
from importance.strategies.craig import CRAIG
from importance.strategies.dpet import DPET
from importance.strategies.el2n import EL2N
from importance.strategies.full import Full
from importance.strategies.glister import Glister
from importance.strategies.gradnorm import GradNorm
from importance.strategies.grand import GraNd
from importance.strategies.graphcut import GraphCutCoreset
from importance.strategies.importance_sampling import ImportanceSampling
from importance.strategies.infobatch import InfoBatch
from importance.strategies.random_subset import RandomSubset
from importance.strategies.rs2 import RS2
from importance.strategies.selective_backprop import SelectiveBackprop

STRATEGIES: dict[str, type] = {cls.name: cls for cls in (
    Full, GradNorm, RandomSubset, RS2, SelectiveBackprop, InfoBatch, ImportanceSampling, EL2N,
    DPET, GraNd, CRAIG, GraphCutCoreset, Glister, ActiveLearning)}


def make_strategy(name: str, **params: Any) -> Strategy:
    """Build a registered strategy; unknown names or parameters raise ValueError."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; allowed: {', '.join(STRATEGIES)}")
    try:
        return STRATEGIES[name](**params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for strategy {name!r}: {params} ({exc})") from None


def uses_scores(name: str | None) -> bool:
    """Whether registered strategy `name` selects some epochs by importance score (an
    unknown name, such as a classical model's, does not)."""
    return bool(getattr(STRATEGIES.get(name or ""), "uses_scores", False))


def accepted_params(name: str, **offered: Any) -> dict[str, Any]:
    """The `offered` parameters that registered strategy `name`'s constructor takes (a form's
    or the CLI's keep ratio and scoring go to every strategy that has them). A strategy whose
    budget has another name (`keep_param`, e.g. InfoBatch's `target_budget`) gets the keep
    ratio under that name, so every subset strategy runs at the same budget."""
    cls = STRATEGIES[name]
    known = inspect.signature(cls).parameters
    keep_as = getattr(cls, "keep_param", "keep_ratio")
    renamed = {keep_as if k == "keep_ratio" else k: v for k, v in offered.items()}
    return {k: v for k, v in renamed.items() if k in known}


__all__ = ["STRATEGIES", "Budget", "ScoreBook", "ScoreRequest", "Selection", "Strategy",
           "accepted_params", "make_strategy", "top_k", "uses_scores"]

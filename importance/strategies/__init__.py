"""Sample-selection strategies: one small class each, one registry."""

from __future__ import annotations

from typing import Any

from importance.strategies.base import ScoreBook, ScoreRequest, Selection, Strategy, top_k
from importance.strategies.full import Full
from importance.strategies.gradnorm import GradNorm
from importance.strategies.random_subset import RandomSubset

STRATEGIES: dict[str, type] = {cls.name: cls for cls in (Full, GradNorm, RandomSubset)}


def make_strategy(name: str, **params: Any) -> Strategy:
    """Build a registered strategy; unknown names or parameters raise ValueError."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; allowed: {', '.join(STRATEGIES)}")
    try:
        return STRATEGIES[name](**params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for strategy {name!r}: {params} ({exc})") from None


__all__ = ["STRATEGIES", "ScoreBook", "ScoreRequest", "Selection", "Strategy", "make_strategy",
           "top_k"]

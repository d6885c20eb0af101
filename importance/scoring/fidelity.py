"""How well each proxy ranks windows like the exact per-sample gradient norm, and at what cost."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from importance.aggregates.importance import spearman
from importance.scoring.proxies import PROXY_METHODS, check_method, score_windows

_WARMUP = 8  # windows scored once per method before timing (first-call overheads)


def top_overlap(exact: np.ndarray, proxy: np.ndarray, q: float) -> float:
    """Fraction of the exact top-q windows that the proxy also puts in its top-q."""
    k = max(1, round(q * len(exact)))
    top_e = np.argpartition(-exact, k - 1)[:k]
    top_p = np.argpartition(-proxy, k - 1)[:k]
    return len(np.intersect1d(top_e, top_p)) / k


def _timed_scores(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, method: str
                  ) -> tuple[np.ndarray, float]:
    score_windows(model, X[:_WARMUP], Y[:_WARMUP], method)
    t0 = time.perf_counter()
    scores = score_windows(model, X, Y, method)
    return scores, time.perf_counter() - t0


def proxy_fidelity(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, *, n: int = 2000,
                   seed: int = 0, methods: tuple[str, ...] = PROXY_METHODS
                   ) -> dict[str, dict[str, float]]:
    """Per method, on a random sample of n windows: `spearman` with the exact norms,
    `top10_overlap` / `top30_overlap` (fraction of the exact top 10% / 30% the proxy also
    ranks there) and `seconds_ratio` (proxy time / exact time on that sample)."""
    for method in methods:
        check_method(method)
    if len(X) == 0 or n < 1:
        raise ValueError("proxy_fidelity needs at least one window")
    rng = np.random.default_rng(seed)
    idx = torch.from_numpy(np.sort(rng.choice(len(X), size=min(n, len(X)), replace=False)))
    xs, ys = X[idx], Y[idx]
    exact, t_exact = _timed_scores(model, xs, ys, "exact")
    result = {}
    for method in methods:
        scores, t = _timed_scores(model, xs, ys, method)
        result[method] = {"spearman": spearman(exact, scores),
                          "top10_overlap": top_overlap(exact, scores, 0.1),
                          "top30_overlap": top_overlap(exact, scores, 0.3),
                          "seconds_ratio": t / t_exact}
    return result

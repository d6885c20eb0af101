"""The Compress front is `importance.evidence.pareto_front` with its ties kept: variants
measured at the same point are all on the front (pareto_front alone marks one of them)."""

from __future__ import annotations

import numpy as np

from importance.compress.view import MEASURED, front
from importance.evidence import pareto_front


def _variant(name: str, energy: float | None, mae: float, status: str = MEASURED) -> dict:
    return {"name": name, "status": status, "energy_kwh_per_1000": energy, "test_mae": mae}


def test_variants_at_the_same_point_are_all_on_the_front():
    variants = [_variant("fp32", 2.0, 1.0), _variant("fp16", 1.0, 1.1),
                _variant("int8", 1.0, 1.1), _variant("pruned", 1.5, 1.2),
                _variant("bf16", 0.5, 0.5, status="not supported here"),
                _variant("unmeasured", None, 0.1)]
    assert pareto_front(np.array([2.0, 1.0, 1.0, 1.5]),
                        np.array([1.0, 1.1, 1.1, 1.2])).tolist() == [True, True, False, False]
    assert front(variants) == ["fp16", "int8", "fp32"]
    assert front(variants, x="test_mae", y="energy_kwh_per_1000") == ["fp32", "fp16", "int8"]

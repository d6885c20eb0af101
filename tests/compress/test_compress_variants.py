"""Variant names, which kinds they apply to, 16-bit support per device, serving cost, words."""

from __future__ import annotations

import pytest
import torch

from importance.compress.cost import serving_cost
from importance.compress.support import compute_support
from importance.compress.variants import DEFAULT_VARIANTS, parse_variant, parse_variants
from importance.compress.view import front, sentence, table_rows

CPU = torch.device("cpu")


def test_names_parse_to_their_family_amount_and_dtype():
    specs = {s.name: s for s in parse_variants(",".join(DEFAULT_VARIANTS))}
    assert list(specs) == list(DEFAULT_VARIANTS)
    assert specs["bf16-storage"].family == "storage"
    assert specs["bf16-storage"].dtype == torch.bfloat16
    assert specs["fp16"].family == "compute" and specs["fp16"].dtype == torch.float16
    assert specs["magnitude-50"].amount == 0.5 and not specs["magnitude-50"].finetune
    ft = specs["structured-50-ft"]
    assert (ft.family, ft.amount, ft.finetune) == ("structured", 0.5, True)
    assert ft.label == "structured pruning 50% of hidden units + fine-tune"
    assert [s.name for s in parse_variants(["fp32", " int8-dynamic", "fp32"])] == \
        ["fp32", "int8-dynamic"]


@pytest.mark.parametrize("bad", ["int9", "magnitude-0", "magnitude-100", "structured-5.5",
                                 "magnitude-50-ft", "fp8", "structured"])
def test_an_unknown_variant_is_named_with_the_allowed_ones(bad):
    with pytest.raises(ValueError, match=f"unknown variant '{bad}'; allowed: fp32, "):
        parse_variant(bad)
    with pytest.raises(ValueError, match=f"'{bad}'"):
        parse_variants(f"fp32,{bad}")


def test_no_variant_named():
    with pytest.raises(ValueError, match="no variant named in ' , '"):
        parse_variants(" , ")


def test_structured_pruning_does_not_apply_to_linear_kinds_only():
    spec = parse_variant("structured-50-ft")
    for kind in ("lstm", "gru", "mlp"):
        assert spec.not_applicable(kind) is None
    for kind in ("dlinear", "nlinear"):
        assert "no hidden units" in spec.not_applicable(kind)
    for name in ("fp32", "fp16", "bf16-storage", "int8-dynamic", "magnitude-50"):
        assert parse_variant(name).not_applicable("dlinear") is None


def test_16bit_compute_support_follows_the_cpu_flags():
    avx2 = frozenset({"avx2", "fma"})
    no = compute_support(torch.bfloat16, CPU, flags=avx2)
    assert not no.ok and "no native bf16" in no.reason and "avx512_bf16" in no.reason
    assert not compute_support(torch.float16, CPU, flags=avx2).ok
    yes = compute_support(torch.bfloat16, CPU, flags=avx2 | {"amx_bf16"})
    assert yes.ok and "amx_bf16" in yes.reason
    assert compute_support(torch.float16, CPU, flags=frozenset({"avx512_fp16"})).ok
    assert "cannot be read" in compute_support(torch.float16, CPU, flags=frozenset()).reason
    assert compute_support(torch.float32, CPU, flags=frozenset()).ok


def test_serving_cost_scales_the_measured_figures_per_day():
    v = {"latency_ms_per_1000": 20.0, "energy_kwh_per_1000": 1e-7}
    c = serving_cost(v, 144_000, grid_g_per_kwh=331.0, method="estimated")
    assert c.seconds_per_day == pytest.approx(2.88)
    assert c.kwh_per_day == pytest.approx(1.44e-5)
    assert c.kg_per_day == pytest.approx(1.44e-5 * 0.331)
    assert c.method == "estimated"
    unmeasured = serving_cost({"latency_ms_per_1000": 20.0, "energy_kwh_per_1000": None}, 10)
    assert unmeasured.kwh_per_day is None and unmeasured.kg_per_day is None
    with pytest.raises(ValueError, match="got -1"):
        serving_cost(v, -1)


def _measured(name, size, latency, mae, energy, **extra):
    return {"name": name, "label": name, "status": "measured", "device_type": "cpu",
            "size_ratio": size, "latency_ratio": latency, "mae_ratio": mae,
            "test_mae": 50 * mae, "energy_kwh_per_1000": energy, "size_bytes": 1000 * size,
            "size_zipped_bytes": 900 * size, **extra}


def test_sentences_table_and_front():
    int8 = _measured("int8-dynamic", 0.28, 1.7, 1.001, 3e-7, family="int8")
    ft = _measured("structured-50-ft", 0.3, 0.46, 1.04, 1e-7, family="structured",
                   finetune_epochs=2, finetune_s=10.0, finetune_kwh=2e-5)
    ref = _measured("fp32", 1.0, 1.02, 1.0, 2e-7, family="fp32")
    skipped = {"name": "bf16", "label": "bf16 weights and compute", "status":
               "not supported here", "reason": "this CPU has no native bf16"}
    assert sentence(int8, 900) == ("On this CPU, int8-dynamic (int8-dynamic) makes the model "
                                   "3.6x smaller and 1.7x slower, with test MAE +0.1%.")
    assert "2.2x faster" in sentence(ft, 900) and "10.0 s and 20 mWh once" in sentence(ft, 900)
    assert "noise" in sentence(ref, 900)
    assert sentence(skipped) == ("bf16 (bf16 weights and compute): not supported here: this "
                                 "CPU has no native bf16.")
    assert front([int8, ft, ref, skipped]) == ["structured-50-ft", "fp32"]
    rows = table_rows({"variants": [ft, skipped]})
    assert rows[0]["variant"] == "structured-50-ft" and rows[1]["status"] == "not supported here"
    assert rows[1]["MAE"] == ""

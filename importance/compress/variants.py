"""The compressed variants by name: parsing, labels, and which model kinds each applies to.

Names (percentages are whole numbers from 1 to 99):

    fp32                  the stored model rebuilt: the reference every variant is measured against
    fp16-storage          weights stored as fp16 (half the file), computed in fp32
    bf16-storage          weights stored as bf16, computed in fp32
    fp16, bf16            weights and arithmetic in 16 bits (where the device has it natively)
    int8-dynamic          dynamic int8 quantisation of the LSTM/GRU and Linear layers
    magnitude-P           unstructured magnitude pruning: the P% smallest weights of each
                          weight matrix set to zero (same shapes, dense kernels)
    structured-P          structured pruning: P% of the hidden units removed (those with the
                          smallest weight norms), a smaller model of the same class
    structured-P-ft       ... then fine-tuned briefly on the run's training windows
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import torch

from importance.config import LINEAR_KINDS

FIXED = ("fp32", "fp16-storage", "bf16-storage", "fp16", "bf16", "int8-dynamic")
PATTERNS = ("magnitude-P", "structured-P", "structured-P-ft")
DEFAULT_VARIANTS = ("fp32", "fp16-storage", "bf16-storage", "fp16", "bf16", "int8-dynamic",
                    "magnitude-50", "structured-50", "structured-50-ft")
_PRUNED = re.compile(r"(magnitude|structured)-(\d{1,2})(-ft)?")
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class VariantSpec:
    """One variant: `family` is fp32 | storage | compute | int8 | magnitude | structured."""

    name: str
    family: str
    dtype: torch.dtype = torch.float32  # storage or compute dtype (16-bit families)
    amount: float = 0.0  # fraction pruned (magnitude: weights; structured: hidden units)
    finetune: bool = False

    @property
    def label(self) -> str:
        pct = f"{100 * self.amount:g}%"
        return {"fp32": "the stored model, rebuilt",
                "storage": f"{self.name[:4]} weights, fp32 compute",
                "compute": f"{self.name} weights and compute",
                "int8": "dynamic int8",
                "magnitude": f"magnitude pruning {pct} of weights",
                "structured": f"structured pruning {pct} of hidden units"
                              + (" + fine-tune" if self.finetune else "")}[self.family]

    @property
    def keeps_accuracy(self) -> bool:
        """Whether the variant is made to keep the model's accuracy: a change of number
        format (fp32, 16-bit storage or compute, int8) or pruning followed by a fine-tune.
        Pruning alone is not (half the weights or units gone, nothing relearned)."""
        return self.family not in ("magnitude", "structured") or self.finetune

    def not_applicable(self, kind: str) -> str | None:
        """Why this variant does not apply to a model of `kind`, or None."""
        if self.family == "structured" and kind in LINEAR_KINDS:
            return (f"{kind} is one linear map with no hidden units: there is nothing to "
                    "remove without changing its input")
        return None


def parse_variant(name: str) -> VariantSpec:
    """The variant called `name`; ValueError naming it and the allowed names otherwise."""
    text = name.strip()
    if text == "fp32":
        return VariantSpec(text, "fp32")
    if text == "int8-dynamic":
        return VariantSpec(text, "int8")
    if text in DTYPES:
        return VariantSpec(text, "compute", DTYPES[text])
    if text.endswith("-storage") and text.removesuffix("-storage") in DTYPES:
        return VariantSpec(text, "storage", DTYPES[text.removesuffix("-storage")])
    m = _PRUNED.fullmatch(text)
    if m and 1 <= int(m[2]) <= 99 and not (m[1] == "magnitude" and m[3]):
        return VariantSpec(text, m[1], amount=int(m[2]) / 100, finetune=bool(m[3]))
    raise ValueError(f"unknown variant {name!r}; allowed: {', '.join(FIXED)}, "
                     f"{', '.join(PATTERNS)} (P a whole percentage from 1 to 99, e.g. "
                     "magnitude-50)")


def preselected(kind: str, native: Callable[[torch.dtype], bool]) -> list[str]:
    """The default variants to offer first for a model of `kind`: those that keep accuracy
    (`VariantSpec.keeps_accuracy`), apply to the kind, and, for 16-bit compute, run natively
    (`native(dtype)`: the device's support; emulated 16-bit would only be listed as not
    supported)."""
    specs = [parse_variant(n) for n in DEFAULT_VARIANTS]
    return [s.name for s in specs if s.keeps_accuracy and s.not_applicable(kind) is None
            and (s.family != "compute" or native(s.dtype))]


def parse_variants(text: str | list[str] | tuple[str, ...]) -> list[VariantSpec]:
    """Comma-separated (or listed) variant names, in order, without repeats."""
    names = text.split(",") if isinstance(text, str) else list(text)
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ValueError(f"no variant named in {text!r}; e.g. {','.join(DEFAULT_VARIANTS)}")
    return [parse_variant(n) for n in dict.fromkeys(names)]

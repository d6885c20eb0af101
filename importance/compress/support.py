"""Whether a device computes in 16-bit natively: measured variants need it, or an insisting user.

A CPU without native 16-bit arithmetic emulates it (DESIGN.md 4c: bf16 11.9x and fp16 13.3x
slower than fp32 on an AVX2 CPU without AMX), so such a variant is listed as "not supported
here" with the reason instead of being measured, unless the user insists.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from importance.device import cpu_flags

# CPU flags of native 16-bit arithmetic (x86 AVX-512 / AMX extensions, Arm's SVE/NEON ones)
NATIVE_FLAGS = {torch.bfloat16: ("avx512_bf16", "amx_bf16", "bf16"),
                torch.float16: ("avx512_fp16", "amx_fp16", "fphp", "asimdhp")}
NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}


@dataclass(frozen=True)
class Support:
    """Whether `dtype` runs natively on a device, and why (words for the table)."""

    ok: bool
    reason: str


def compute_support(dtype: torch.dtype, device: torch.device,
                    flags: frozenset[str] | None = None) -> Support:
    """Native `dtype` compute on `device`: CUDA (bf16 from compute capability 8), or a CPU
    with the matching flags (`flags`: the CPU's, read from /proc/cpuinfo by default)."""
    name = NAMES[dtype]
    if dtype == torch.float32:
        return Support(True, "fp32 everywhere")
    if device.type == "cuda":
        if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
            return Support(False, "this GPU has no native bf16 (needs compute capability 8+)")
        return Support(True, f"native {name} on the GPU")
    flags = cpu_flags() if flags is None else flags
    found = [f for f in NATIVE_FLAGS[dtype] if f in flags]
    if found:
        return Support(True, f"native {name} on this CPU ({', '.join(found)})")
    if not flags:
        return Support(False, f"the CPU's flags cannot be read, so native {name} is unknown")
    return Support(False, f"this CPU has no native {name} arithmetic (none of "
                          f"{', '.join(NATIVE_FLAGS[dtype])}): it would be emulated, "
                          "many times slower than fp32")

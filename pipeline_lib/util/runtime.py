"""Device choice, seeding and determinism switches shared by every stage."""
from __future__ import annotations

import os
import random

import numpy as np
import torch


def pick_device(requested: str = "auto") -> torch.device:
    """``auto`` takes CUDA when present, else the CPU; ``cpu``/``cuda`` force one."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("params.yaml asks for device 'cuda' but no CUDA device is available")
    return torch.device(requested)


def make_deterministic(seed: int, threads: int | None = None) -> None:
    """Seed every generator and switch on deterministic kernels for this process."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    # torch.use_deterministic_algorithms(True) also imports torch._inductor's config (~800 modules: ~1 s at
    # start, ~0.7 s at exit, in every stage process) to set a flag only torch.compile reads; we never compile.
    torch._C._set_deterministic_algorithms(True, warn_only=False)
    if threads:
        torch.set_num_threads(threads)


def seeded(seed: int) -> torch.Generator:
    """A CPU torch generator seeded with ``seed``: draws are the same whatever the device."""
    return torch.Generator().manual_seed(int(seed))


PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(device: torch.device, precision: str = "fp32"):
    """Mixed precision on ``device`` for ``bf16``/``fp16``; ``fp32`` leaves every op in float32."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
    return torch.autocast(device.type, dtype=PRECISIONS[precision], enabled=precision != "fp32")

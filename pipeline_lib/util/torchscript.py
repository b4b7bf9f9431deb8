"""TorchScript files a user brings: read once and kept inside the pipeline's own weight files.

The archive's bytes travel as a uint8 tensor, so ``data/<dataset>/*.pt`` stays a plain
``torch.save`` dict (loadable with ``weights_only``) and does not depend on the user's path.
"""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from pipeline_lib.util.weights import WeightFileError


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_archive(path: str | Path) -> torch.Tensor:
    """The file's bytes as a uint8 tensor (n_bytes,), after checking that TorchScript can load it."""
    path = Path(path)
    if not path.is_file():
        raise WeightFileError(f"TorchScript file {path} does not exist")
    archive = torch.frombuffer(bytearray(path.read_bytes()), dtype=torch.uint8)
    load_archive(archive, "cpu", str(path))
    return archive


def load_archive(archive: torch.Tensor, device: torch.device | str, name: str) -> torch.jit.ScriptModule:
    """Rebuild the scripted module from its bytes, its tensors on ``device``."""
    try:
        return torch.jit.load(io.BytesIO(archive.numpy().tobytes()), map_location=device)
    except Exception as exc:  # torch raises several types for files that are not TorchScript archives
        raise WeightFileError(f"{name} is not a TorchScript archive torch.jit.load can read "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from exc

"""Loading weight files with errors that name the file and what is wrong with it."""
from __future__ import annotations

from pathlib import Path

import torch


class WeightFileError(RuntimeError):
    pass


def load_checkpoint(path: str | Path, required: tuple[str, ...] = ()) -> dict:
    """Load a ``torch.save``d dict (tensors and plain data only) and check its keys."""
    path = Path(path)
    if not path.is_file():
        raise WeightFileError(f"weight file {path} does not exist; run the stage that produces it")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for truncated or foreign files
        raise WeightFileError(f"weight file {path} is corrupt or not a torch checkpoint "
                              f"({type(exc).__name__})") from exc
    if not isinstance(ckpt, dict):
        raise WeightFileError(f"weight file {path} holds a {type(ckpt).__name__}, expected a dict")
    missing = [k for k in required if k not in ckpt]
    if missing:
        raise WeightFileError(f"weight file {path} lacks the entries {missing}")
    return ckpt

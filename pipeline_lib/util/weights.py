"""Loading weight files with errors that name the file and what is wrong with it."""
from __future__ import annotations

from pathlib import Path

import torch

from pipeline_lib.util.atomic import atomic


class WeightFileError(RuntimeError):
    pass


def save_checkpoint(payload: dict, path: str | Path) -> None:
    """``torch.save`` a dict to ``path`` atomically; the same content always gives the same bytes.

    Saved to a path, torch names the zip's records after the file, here the temporary one with
    its pid; saved to an open file they are named ``archive/...``.
    """
    with atomic(path) as tmp, open(tmp, "wb") as f:
        torch.save(payload, f)


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
    require_entries(ckpt, required, path)
    return ckpt


def require_entries(ckpt: dict, required: tuple[str, ...], path: str | Path) -> None:
    missing = [k for k in required if k not in ckpt]
    if missing:
        raise WeightFileError(f"weight file {path} lacks the entries {missing}")


def _listed(items: list[str], most: int = 8) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def check_state_dict(expected: dict[str, torch.Tensor], found: dict, what: str) -> None:
    """Raise WeightFileError starting with ``what`` and naming missing, unexpected and mis-shaped keys."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    shape = lambda v: tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__  # noqa: E731
    mismatched = [f"{k} (file {shape(found[k])}, model {shape(expected[k])})"
                  for k in sorted(set(expected) & set(found)) if shape(found[k]) != shape(expected[k])]
    problems = [f"{label}: {_listed(keys)}" for label, keys in
                (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", mismatched)) if keys]
    if problems:
        raise WeightFileError(f"{what}; " + "; ".join(problems))

"""An image set: real images with attribute labels in [0, 1] and a seeded held-out split.

Saved as one weight-style file (``data/<dataset>/images.pt``) that the GAN and the predictor
both train from. Images are (N, C, R, R) in [0, 1] with C = 1 or 3; :meth:`ImageSet.rgb`
gives (N, 3, R, R) as every generator and predictor here expects.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.config.definitions import IMAGE_SETS, defaults, kinds
from pipeline_lib.util.weights import WeightFileError, load_checkpoint, save_checkpoint


@dataclass
class ImageSet:
    images: torch.Tensor     # (N, C, R, R) float in [0, 1]
    targets: torch.Tensor    # (N, n_attr) float in [0, 1]
    classes: torch.Tensor    # (N,) long class labels, -1 where the set has none
    held_out: torch.Tensor   # (N,) bool
    schema: AttributeSchema
    info: dict               # how the set was made (JSON-able)

    def rgb(self, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(n, 3, R, R) images, optionally only the rows of ``mask``."""
        images = self.images if mask is None else self.images[mask]
        return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def build_image_set(kind: str, **config) -> ImageSet:
    """Build a set with ``IMAGE_SET`` of ``pipeline_lib/data/imagesets/<kind>.py``; settings left out take defaults."""
    if kind not in kinds(IMAGE_SETS):
        raise ValueError(f"unknown image set kind {kind!r}; known: {sorted(kinds(IMAGE_SETS))}")
    builder = importlib.import_module(f"pipeline_lib.data.imagesets.{kind}").IMAGE_SET
    return builder(**{**defaults(IMAGE_SETS, kind), **config})


def held_out_mask(n: int, fraction: float, seed: int) -> torch.Tensor:
    """(n,) bool: a seeded random ``fraction`` of the rows."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    mask = torch.zeros(n, dtype=torch.bool)
    mask[order[: round(n * fraction)]] = True
    return mask


def quantile_scale(raw: np.ndarray, fit_rows: np.ndarray, levels: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Map raw measures (N, k) to [0, 1] by the empirical CDF of ``fit_rows``; returns values and knots (levels, k)."""
    knots = np.quantile(raw[fit_rows], np.linspace(0, 1, levels), axis=0)
    grid = np.linspace(0, 1, levels)
    scaled = np.stack([np.interp(raw[:, j], knots[:, j], grid) for j in range(raw.shape[1])], axis=1)
    return scaled.astype(np.float32), knots


def save_image_set(s: ImageSet, path: str | Path) -> None:
    save_checkpoint({"images": s.images, "targets": s.targets, "classes": s.classes, "held_out": s.held_out,
                     "schema": s.schema.to_dict(), "info": s.info}, path)


def load_image_set(path: str | Path) -> ImageSet:
    ckpt = load_checkpoint(path, required=("images", "targets", "classes", "held_out", "schema", "info"))
    s = ImageSet(ckpt["images"], ckpt["targets"], ckpt["classes"], ckpt["held_out"],
                 AttributeSchema.from_dict(ckpt["schema"]), ckpt["info"])
    n = len(s.images)
    if s.images.ndim != 4 or any(len(t) != n for t in (s.targets, s.classes, s.held_out)):
        raise WeightFileError(f"image set {path} has inconsistent shapes: images {tuple(s.images.shape)}, "
                              f"targets {tuple(s.targets.shape)}")
    return s

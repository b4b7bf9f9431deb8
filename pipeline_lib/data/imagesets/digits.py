"""``digits``: scikit-learn's bundled handwritten digits (1797 images, 8x8, 16 grey levels).

Images are upsampled bilinearly to the generator's resolution. Attributes are measured on
those real pixels (x = ink in [0, 1], pixel coordinates in units of the image side):

- ``loop`` (binary): the digit's class has a closed loop in its usual form: 0, 6, 8, 9.
- ``ink``: total ink over the image area, the stroke-thickness proxy (a thick pen leaves more ink).
- ``slant``: ``-mu11 / mu02`` from the ink's central second moments, the horizontal shift per
  unit of height (positive leans right; image rows grow downwards).
- ``width``: ``sqrt(mu20 - mu11^2 / mu02)``, the horizontal spread of the ink once the slant is
  removed (the residual of regressing x on y), so a slanted digit is not called wide.

Continuous measures are mapped to [0, 1] by their empirical CDF over the training split.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from pipeline_lib.config.catalog import DIGITS_MEASURES as MEASURES, DIGITS_SCHEMA as SCHEMA
from pipeline_lib.data.imagesets.base import ImageSet, held_out_mask, quantile_scale

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "resolution": ("build", 16, "resolution", "side the 8x8 images are upsampled to (bilinear)"),
    "held_out": ("build", 0.2, "fraction", "fraction kept out of GAN and predictor training"),
    "seed": ("build", ..., "seed", "the held-out split"),
}

LOOP_CLASSES = (0, 6, 8, 9)


def ink_moments(images: torch.Tensor) -> dict[str, torch.Tensor]:
    """(n, 1, R, R) ink in [0, 1] -> raw measures, each (n,): ink, slant, width."""
    x = images[:, 0].double()
    r = x.shape[-1]
    coords = (torch.arange(r, dtype=x.dtype) + 0.5) / r
    mass = x.sum((1, 2)).clamp_min(1e-9)
    cy = (x.sum(2) * coords).sum(1) / mass
    cx = (x.sum(1) * coords).sum(1) / mass
    dy, dx = coords[None, :, None] - cy[:, None, None], coords[None, None, :] - cx[:, None, None]
    mu20 = (x * dx**2).sum((1, 2)) / mass
    mu02 = (x * dy**2).sum((1, 2)) / mass
    mu11 = (x * dx * dy).sum((1, 2)) / mass
    return {"ink": mass / r**2, "slant": -mu11 / mu02, "width": (mu20 - mu11**2 / mu02).clamp_min(0).sqrt()}


def load_digit_images(resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits -> images (1797, 1, R, R) in [0, 1] and classes (1797,)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    small = torch.tensor(data.images, dtype=torch.float32)[:, None] / 16.0
    images = F.interpolate(small, size=(resolution, resolution), mode="bilinear", align_corners=False)
    return images.clamp(0, 1), torch.tensor(data.target, dtype=torch.long)


def build_digits(resolution: int, held_out: float, seed: int) -> ImageSet:
    images, classes = load_digit_images(resolution)
    mask = held_out_mask(len(images), held_out, seed)
    raw = torch.stack([ink_moments(images)[m] for m in MEASURES], 1).numpy()
    scaled, knots = quantile_scale(raw, ~mask.numpy())
    loop = torch.isin(classes, torch.tensor(LOOP_CLASSES)).float()[:, None]
    targets = torch.cat([loop, torch.from_numpy(scaled)], 1)
    info = {"kind": "digits", "resolution": resolution, "n": len(images), "held_out": int(mask.sum()),
            "loop_classes": list(LOOP_CLASSES), "quantile_knots": {m: knots[:, j].tolist()
                                                                    for j, m in enumerate(MEASURES)}}
    return ImageSet(images, targets, classes, mask, SCHEMA, info)


IMAGE_SET = build_digits

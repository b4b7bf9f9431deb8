"""Arranging image batches into grids for figures."""
from __future__ import annotations

import numpy as np
import torch


def to_grid(images: torch.Tensor, pad: int = 1) -> np.ndarray:
    """(rows, cols, 3, H, W) in [0, 1] -> one (rows*(H+pad), cols*(W+pad), 3) array."""
    rows, cols, _, h, w = images.shape
    padded = torch.nn.functional.pad(images.clamp(0, 1), (0, pad, 0, pad), value=1.0)
    return padded.permute(0, 3, 1, 4, 2).reshape(rows * (h + pad), cols * (w + pad), 3).cpu().numpy()

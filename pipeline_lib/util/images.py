"""Arranging image batches into grids for figures."""
from __future__ import annotations

import numpy as np
import torch


def upscale(images: torch.Tensor, min_side: int = 64) -> torch.Tensor:
    """(..., H, W) -> (..., k*H, k*W) by nearest neighbour (each pixel a k x k block), k the smallest
    integer that makes both sides at least ``min_side`` (1 for images that large already)."""
    k = -(-min_side // min(images.shape[-2:]))
    return images.repeat_interleave(k, -2).repeat_interleave(k, -1)


def to_grid(images: torch.Tensor, pad: int = 1, min_side: int = 64) -> np.ndarray:
    """(rows, cols, 3, H, W) in [0, 1] -> one (rows*(k*H+pad), cols*(k*W+pad), 3) array, small images
    scaled up k times by :func:`upscale` so that each cell has sides of at least ``min_side`` pixels."""
    images = upscale(images, min_side)
    rows, cols, _, h, w = images.shape
    padded = torch.nn.functional.pad(images.clamp(0, 1), (0, pad, 0, pad), value=1.0)
    return padded.permute(0, 3, 1, 4, 2).reshape(rows * (h + pad), cols * (w + pad), 3).cpu().numpy()


def area_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """(n_out, n_in) weights: each output pixel averages the input pixels it covers (by overlap)."""
    edges = torch.arange(n_out + 1, dtype=torch.float64) * n_in / n_out
    pixels = torch.arange(n_in, dtype=torch.float64)[None]
    overlap = (torch.minimum(edges[1:, None], pixels + 1) - torch.maximum(edges[:-1, None], pixels)).clamp_min(0)
    return (overlap / overlap.sum(1, keepdim=True)).float()


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """(n, c, h, w) -> (n, c, size, size) by area averaging: two matrix products, so it is differentiable
    and deterministic on CUDA (torch's interpolate backward is not). Returns ``images`` when already that size."""
    h, w = images.shape[-2:]
    if h == size and w == size:
        return images
    rows = area_matrix(h, size).to(images.device, images.dtype)
    cols = area_matrix(w, size).to(images.device, images.dtype)
    return rows @ images @ cols.T

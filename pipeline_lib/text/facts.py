"""Discrete facts a caption states about a ``shapes`` image, read from the generator's oracle.

Five facts, each an index into its tuple of values in ``VALUES``:

- shape: the oracle's label (1 = square);
- size: small below 0.5, large above;
- colour: the hue in five equal bins (the renderer's colour wheel runs 0..288 degrees over hue 0..1,
  so the bins centre on 29 (red-orange), 86, 144, 202 (azure) and 259 (violet) degrees);
- position: the centre's cell in a 3 x 3 grid of thirds of ``pos_x`` (left..right) and ``pos_y``
  (top..bottom: image rows grow downward);
- background: dark below 0.5, light above.
"""
from __future__ import annotations

import torch

from pipeline_lib.data.generators.shapes import FACTORS

ROWS = ("top", "middle", "bottom")
COLS = ("left", "centre", "right")
VALUES: dict[str, tuple[str, ...]] = {
    "shape": ("circle", "square"),
    "size": ("small", "large"),
    "colour": ("red", "yellow", "green", "blue", "purple"),
    "position": tuple(f"{r} {c}" for r in ROWS for c in COLS),
    "background": ("dark", "light"),
}
FACTS = tuple(VALUES)


def _bins(values: torch.Tensor, n: int) -> torch.Tensor:
    """Values in [0, 1] -> indices of ``n`` equal bins, (n_codes,) long."""
    return (values * n).long().clamp(0, n - 1)


def facts_from_attributes(attributes: torch.Tensor) -> torch.Tensor:
    """Oracle attributes (n, 6) in ``FACTORS`` order -> fact indices (n, 5) in ``FACTS`` order."""
    if attributes.ndim != 2 or attributes.shape[1] != len(FACTORS):
        raise ValueError(f"expected oracle attributes of shape (n, {len(FACTORS)}), got {tuple(attributes.shape)}")
    a = dict(zip(FACTORS, attributes.unbind(1)))
    return torch.stack([
        (a["shape"] > 0.5).long(),
        _bins(a["size"], 2),
        _bins(a["hue"], len(VALUES["colour"])),
        _bins(a["pos_y"], 3) * 3 + _bins(a["pos_x"], 3),
        _bins(a["background"], 2),
    ], dim=1)


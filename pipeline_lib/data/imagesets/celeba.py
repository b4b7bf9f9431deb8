"""``celeba``: a labeled image folder in the CelebA layout, for training the attribute predictor.

``attributes_file`` (CelebA's ``list_attr_celeba.txt``): line 1 the image count, line 2 the
attribute names, then one ``filename v1 v2 ...`` line per image with values 1 or -1. Images
are read from ``folder``, cropped (default: the central square; or a ``[left, top, size]``
box in source pixels), area-resized to ``resolution`` and labeled 1 / 0 for the chosen
``attributes`` (all binary). ``max_images`` keeps a seeded random subset (seed + 1); the
held-out split is seeded by ``seed``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from pipeline_lib.config.catalog import celeba_schema
from pipeline_lib.util.runtime import seeded
from pipeline_lib.data.imagesets.base import ImageSet, held_out_mask

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "folder": ("build", ..., "path", "the image folder"),
    "attributes_file": ("build", ..., "path", "list_attr_celeba.txt layout: count, names, one line per image"),
    "attributes": ("build", ..., {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9_]+$"},
                                  "minItems": 1, "uniqueItems": True}, "the attributes to label (all binary)"),
    "resolution": ("build", ..., "resolution", "image side after crop and area resize"),
    "held_out": ("build", ..., "fraction", "fraction kept out of training"),
    "seed": ("build", ..., "seed", "the held-out split (and, + 1, the max_images subset)"),
    "max_images": ("build", None, {"type": ["integer", "null"], "minimum": 10}, "keep a seeded random subset"),
    "crop": ("build", None, {"type": ["array", "null"], "items": {"type": "integer", "minimum": 0},
                             "minItems": 3, "maxItems": 3}, "[left, top, size] in source pixels (null: central square)"),
}


def read_attribute_file(path: str | Path) -> tuple[list[str], list[str], np.ndarray]:
    """-> attribute names, file names (N,), values (N, n_names) in {-1, 1}; errors name the line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CelebA attribute file {path} does not exist")
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise ValueError(f"{path}: line 1 must be the number of images, got {lines[0][:40] if lines else 'nothing'!r}")
    count, names, rows = int(lines[0]), lines[1].split(), lines[2:]
    if len(rows) != count:
        raise ValueError(f"{path}: line 1 announces {count} images but {len(rows)} lines follow the names")
    files, values = [], np.empty((count, len(names)), dtype=np.int8)
    for i, line in enumerate(rows):
        parts = line.split()
        if len(parts) != len(names) + 1 or not set(parts[1:]) <= {"1", "-1"}:
            raise ValueError(f"{path}, line {i + 3}: expected a file name and {len(names)} values of 1 or -1, "
                             f"got {line[:80]!r}")
        files.append(parts[0])
        values[i] = [int(v) for v in parts[1:]]
    return names, files, values


def load_image(path: Path, resolution: int, crop: list[int] | None) -> torch.Tensor:
    """One image -> (3, R, R) in [0, 1]: cropped square, area-resized."""
    if not path.is_file():
        raise FileNotFoundError(f"CelebA image {path} (listed in the attribute file) does not exist")
    with Image.open(path) as img:
        img = img.convert("RGB")
        if crop is None:
            side = min(img.size)
            left, top = (img.width - side) // 2, (img.height - side) // 2
        else:
            left, top, side = crop
        img = img.crop((left, top, left + side, top + side)).resize((resolution, resolution), Image.Resampling.BOX)
        return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)


def build_celeba(folder: str, attributes_file: str, attributes: list[str], resolution: int, held_out: float,
                 seed: int, max_images: int | None, crop: list[int] | None) -> ImageSet:
    names, files, values = read_attribute_file(attributes_file)
    unknown = [a for a in attributes if a not in names]
    if unknown:
        raise ValueError(f"images.attributes: {unknown} are not in {attributes_file}; it has {names}")
    rows = np.arange(len(files))
    if max_images is not None and max_images < len(rows):
        rows = np.sort(torch.randperm(len(rows), generator=seeded(seed + 1))[:max_images].numpy())
    images = torch.stack([load_image(Path(folder) / files[i], resolution, crop) for i in rows])
    chosen = values[rows][:, [names.index(a) for a in attributes]]
    targets = torch.from_numpy((chosen.astype(np.float32) + 1) / 2)
    mask = held_out_mask(len(rows), held_out, seed)
    info = {"kind": "celeba", "resolution": resolution, "n": len(rows), "held_out": int(mask.sum()),
            "attributes": list(attributes), "source": str(attributes_file),
            "positive_fraction": {a: float(targets[:, j].mean()) for j, a in enumerate(attributes)}}
    return ImageSet(images, targets, torch.full((len(rows),), -1, dtype=torch.long), mask,
                    celeba_schema({"attributes": attributes}), info)


IMAGE_SET = build_celeba

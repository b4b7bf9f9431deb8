"""Training the two attribute readers, the guide and the judge, on disjoint samples.

The guide is what methods read; the judge is read only by scoring. Each trains on its own samples:
renders of codes drawn from its own seed (a procedural generator), or its own part of a real image
set's training split (``judge.share`` of the rows go to the judge, the rest to the guide, by a
permutation seeded by the image set's seed). ``VALIDATION`` of a reader's samples are held back for
early stopping; the held-out samples measure its error, and a reader whose error on any attribute
exceeds ``max_error`` fails (:func:`check_errors`).
"""
from __future__ import annotations

import torch

from pipeline_lib.attributes.predictor import AttributePredictor, train_predictor
from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.config.catalog import ROLES

VALIDATION = 0.1          # share of a reader's training samples held back for early stopping
DEFAULT_MAX_ERROR = 0.15  # a reader section's max_error when it sets none


class ReaderError(RuntimeError):
    """A trained reader is too inaccurate to be used."""


def rendered(generator, count: int, held_out: int, seed: int, device) -> tuple[torch.Tensor, ...]:
    """Renders and true attributes of ``count + held_out`` codes drawn from ``seed``:
    (train images (count, 3, R, R), train targets (count, k), held-out images, held-out targets)."""
    z = generator.sample(count + held_out, seed)
    with torch.no_grad():
        images = torch.cat([generator(c.to(device)).cpu() for c in z.split(1024)])
        truth = torch.cat([generator.attributes(c.to(device)).cpu() for c in z.split(1024)])
    return images[:count], truth[:count], images[count:], truth[count:]


def judged(generator, judge, count: int, held_out: int, seed: int, device) -> tuple[torch.Tensor, ...]:
    """Like :func:`rendered`, the targets the judge's readings (faces); images it cannot read (a NaN row) are left
    out of both splits, so each holds at most ``count`` and ``held_out`` images."""
    z = generator.sample(count + held_out, seed)
    with torch.no_grad():
        images = torch.cat([generator(c.to(device)).cpu() for c in z.split(256)])
        labels = torch.cat([judge(c.to(device)).float().cpu() for c in images.split(256)])
    found = ~labels.isnan().any(1)
    train, held = found.clone(), found.clone()
    train[count:], held[:count] = False, False
    return images[train], labels[train], images[held], labels[held]


def image_rows(held_out: torch.Tensor, role: str, share: float, seed: int) -> torch.Tensor:
    """(N,) bool: the training rows of a real image set that ``role`` learns from.

    The rows outside ``held_out`` are permuted by ``seed``; the first ``share`` of them are the judge's,
    the rest the guide's, so the two never share an image.
    """
    if role not in ROLES:
        raise ValueError(f"unknown reader role {role!r}; known: {ROLES}")
    train = torch.nonzero(~held_out).squeeze(1)
    order = train[torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))]
    cut = round(len(train) * share)
    rows = torch.zeros_like(held_out)
    rows[order[:cut] if role == "judge" else order[cut:]] = True
    return rows


def fit_reader(schema: AttributeSchema, images: torch.Tensor, targets: torch.Tensor, p: dict,
               device) -> tuple[AttributePredictor, dict]:
    """Train a CNN reader from its params section ``p`` (reading at ``p['resolution']`` when given) on (N, 3, R, R) images and (N, k) targets:
    ``VALIDATION`` of them (seeded by ``p['seed']``) for early stopping with ``p['patience']``,
    at most ``p['epochs']`` epochs. Returns the model (best epoch) and its history."""
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(p["seed"]))
    n_val = max(1, round(len(images) * VALIDATION))
    val, train = order[:n_val], order[n_val:]
    model = AttributePredictor(schema, p.get("resolution", images.shape[-1]), p["width"], p.get("depth", 1)).to(device)
    history = train_predictor(model, images[train], targets[train], epochs=p["epochs"], batch_size=p["batch_size"],
                              lr=p["lr"], seed=p["seed"], validation=(images[val], targets[val]),
                              patience=p["patience"])
    return model, history


def check_errors(role: str, errors: dict[str, float], max_error: float) -> None:
    """Raise ReaderError naming every attribute whose held-out error exceeds ``max_error``."""
    bad = {name: e for name, e in errors.items() if e is not None and not e <= max_error}
    if bad:
        listed = ", ".join(f"{name} {e:.3f}" for name, e in bad.items())
        raise ReaderError(f"the {role}'s held-out error exceeds max_error {max_error:g} on: {listed}; "
                          f"train it longer (epochs, patience), raise its width, or raise {role}.max_error")

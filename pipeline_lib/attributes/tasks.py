"""Edit tasks: for each source code, which attribute entries to move and where to.

A task covers ``n`` source codes and ``k`` attribute entries (k = 1 for one attribute,
k = 2 for the ``position`` group): ``start`` and ``target`` are (n, k) tensors.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.config.catalog import KEYPOINT_GROUPS
from pipeline_lib.util.runtime import seeded

VECTOR_TARGET_RANGE = (0.2, 0.8)
MAX_REDRAWS = 100  # rounds of redrawing vector targets that start within tolerance
YAW_STEP = 0.3   # keypoint task: the nose's move along the eye line, in eye distances (face_dcgan: 6 px, 1.8 sd)
# how far each landmark (left eye, right eye, nose, left and right mouth corner) moves with the nose when the face
# turns: the slopes of each landmark's x on the judge's yaw over 4644 face_dcgan samples (nose +14.7 px per unit of
# yaw, eyes and mouth corners -2.2 to -2.7 px: the aligned faces keep their eyes in place and the nose turns)
DEPTH = (-0.16, -0.16, 1.0, -0.16, -0.16)


@dataclass
class Task:
    name: str                   # the attribute, or the group
    kind: str                   # binary | continuous | vector
    members: tuple[str, ...]    # attribute names edited, k of them
    columns: tuple[int, ...]    # their indices in the schema
    start: torch.Tensor         # (n, k) values at strength 0
    target: torch.Tensor        # (n, k)
    redrawn: torch.Tensor | None = None  # (n,) bool: codes whose first target started within tolerance

    @property
    def direction(self) -> torch.Tensor:
        """(n, k) in {-1, 0, 1}: the way each entry must move."""
        return torch.sign(self.target - self.start)


def tolerance_map(schema: AttributeSchema, default: float, overrides: dict[str, float]) -> dict[str, float]:
    """Tolerance of every attribute and group: the default unless ``overrides`` names it."""
    return {name: overrides.get(name, default) for name in [*schema.names, *schema.groups]}


def scalar_target(kind: str, start: torch.Tensor, direction: torch.Tensor, delta: float) -> torch.Tensor:
    """Target of a one-attribute task; ``direction`` (n, 1) only matters for continuous ones.

    binary: flip the label; continuous: move by ``delta`` in ``direction``.
    """
    if kind == "binary":
        return 1.0 - (start > 0.5).to(start.dtype)
    return start + direction * delta


def keypoint_target(start: torch.Tensor) -> torch.Tensor:
    """(n, 10) landmarks (x, y of left eye, right eye, nose, mouth corners) -> the same face turned by a yaw step.

    Each landmark moves along the eye line by ``YAW_STEP`` eye distances times ``DEPTH`` (the nose leads,
    the rest move a little the other way), the way that brings the nose back toward and past the eye midpoint.
    """
    points = start.view(-1, 5, 2)
    axis = points[:, 1] - points[:, 0]
    nose_offset = ((points[:, 2] - points[:, :2].mean(1)) * axis).sum(1, keepdim=True)
    way = torch.where(nose_offset > 0, -1.0, 1.0).to(start.dtype)
    depth = torch.tensor(DEPTH, dtype=start.dtype, device=start.device)
    return (points + YAW_STEP * way[:, :, None] * depth[None, :, None] * axis[:, None]).reshape(start.shape)


def draw_far_targets(start: torch.Tensor, tol: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, k) start -> (n, k) targets uniform in ``VECTOR_TARGET_RANGE``, each farther than ``tol`` from its
    start, and (n,) bool: the codes whose target was redrawn (their earlier draws were within ``tol``)."""
    lo, hi = VECTOR_TARGET_RANGE
    draws = seeded(seed)
    draw = lambda rows: lo + (hi - lo) * torch.rand((rows, start.shape[1]), generator=draws,  # noqa: E731
                                                    dtype=start.dtype)
    cpu = start.detach().cpu()
    target = draw(len(cpu))
    redrawn = torch.zeros(len(cpu), dtype=torch.bool)
    for _ in range(MAX_REDRAWS):
        near = (target - cpu).norm(dim=1) <= tol
        if not near.any():
            return target.to(start.device), redrawn
        redrawn |= near
        target[near] = draw(int(near.sum()))
    raise ValueError(f"no vector target in {VECTOR_TARGET_RANGE} lies farther than the tolerance {tol} from the "
                     f"start of {int(near.sum())} codes after {MAX_REDRAWS} draws: lower the group's tolerance")


def make_task(schema: AttributeSchema, name: str, values: torch.Tensor, delta: float, seed: int,
              tol: float = 0.0) -> Task:
    """Task for attribute or group ``name`` from the predicted ``values`` (n, n_attr) at strength 0.

    No code starts within the task's tolerance ``tol`` of its target: continuous attributes move by
    ``delta`` toward their far end (``delta <= tol`` fails), binary ones flip; vector targets are drawn
    uniformly in ``VECTOR_TARGET_RANGE`` per code from ``seed``, redrawn while within ``tol`` of the start, except a keypoint
    group's, the same face turned (:func:`keypoint_target`).
    """
    if name in schema.groups:
        members = schema.groups[name]
        cols = tuple(schema.index(m) for m in members)
        start = values[:, cols]
        if name in KEYPOINT_GROUPS:
            return Task(name, "vector", members, cols, start, keypoint_target(start),
                        torch.zeros(len(start), dtype=torch.bool))
        target, redrawn = draw_far_targets(start, tol, seed)
        return Task(name, "vector", members, cols, start, target, redrawn)
    col = schema.index(name)
    kind = schema.kind(name)
    if kind == "continuous" and delta <= tol:
        raise ValueError(f"metric.delta={delta} must exceed the tolerance {tol} of {name!r}: "
                         "every continuous task would start within tolerance of its target")
    start = values[:, col:col + 1]
    direction = torch.where(start < 0.5, 1.0, -1.0).to(start.dtype)
    return Task(name, kind, (name,), (col,), start, scalar_target(kind, start, direction, delta))

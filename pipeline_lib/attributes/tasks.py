"""Edit tasks: for each source code, which attribute entries to move and where to.

A task covers ``n`` source codes and ``k`` attribute entries (k = 1 for one attribute,
k = 2 for the ``position`` group): ``start`` and ``target`` are (n, k) tensors.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.util.runtime import seeded

VECTOR_TARGET_RANGE = (0.2, 0.8)


@dataclass
class Task:
    name: str                   # the attribute, or the group
    kind: str                   # binary | continuous | vector
    members: tuple[str, ...]    # attribute names edited, k of them
    columns: tuple[int, ...]    # their indices in the schema
    start: torch.Tensor         # (n, k) values at strength 0
    target: torch.Tensor        # (n, k)

    @property
    def direction(self) -> torch.Tensor:
        """(n, k) in {-1, 0, 1}: the way each entry must move."""
        return torch.sign(self.target - self.start)


def scalar_target(kind: str, start: torch.Tensor, direction: torch.Tensor, delta: float) -> torch.Tensor:
    """Target of a one-attribute task; ``direction`` (n, 1) only matters for continuous ones.

    binary: flip the label; continuous: move by ``delta`` in ``direction``.
    """
    if kind == "binary":
        return 1.0 - (start > 0.5).to(start.dtype)
    return start + direction * delta


def make_task(schema: AttributeSchema, name: str, values: torch.Tensor, delta: float, seed: int) -> Task:
    """Task for attribute or group ``name`` from the predicted ``values`` (n, n_attr) at strength 0.

    Continuous attributes move toward their far end; vector targets are drawn uniformly in
    ``VECTOR_TARGET_RANGE`` per code from ``seed``.
    """
    if name in schema.groups:
        members = schema.groups[name]
        cols = tuple(schema.index(m) for m in members)
        start = values[:, cols]
        lo, hi = VECTOR_TARGET_RANGE
        target = lo + (hi - lo) * torch.rand(start.shape, generator=seeded(seed), dtype=start.dtype)
        return Task(name, "vector", members, cols, start, target.to(start.device))
    col = schema.index(name)
    kind = schema.kind(name)
    start = values[:, col:col + 1]
    direction = torch.where(start < 0.5, 1.0, -1.0).to(start.dtype)
    return Task(name, kind, (name,), (col,), start, scalar_target(kind, start, direction, delta))

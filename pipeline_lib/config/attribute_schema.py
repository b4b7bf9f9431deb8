"""Attribute schema: the names and kinds of what a predictor measures on an image.

Every attribute value lives in [0, 1]: a probability for ``binary`` attributes, a value
normalised over the attribute's range for ``continuous`` ones. A ``group`` names several
continuous attributes edited together (a vector target such as a position).
"""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("binary", "continuous")


@dataclass(frozen=True)
class Attribute:
    name: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"attribute {self.name!r}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class AttributeSchema:
    attributes: tuple[Attribute, ...]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.attributes]

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown attribute {name!r}; known: {self.names}") from None

    def kind(self, name: str) -> str:
        return self.attributes[self.index(name)].kind

    def to_dict(self) -> dict:
        return {
            "attributes": [[a.name, a.kind] for a in self.attributes],
            "groups": {k: list(v) for k, v in self.groups.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "AttributeSchema":
        return cls(
            tuple(Attribute(n, k) for n, k in d["attributes"]),
            {k: tuple(v) for k, v in d.get("groups", {}).items()},
        )

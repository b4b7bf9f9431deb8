"""The generator interface every stage sees, and weight files that hold one.

A generator maps latent codes ``z`` of shape (n, latent_dim) to RGB images of shape
(n, 3, H, W) with values in [0, 1]. A procedural generator also knows the true
attributes of any code (the oracle); a pretrained network does not.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.config.definitions import GENERATORS, defaults, kinds
from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.weights import WeightFileError, load_checkpoint, save_checkpoint


class Generator(nn.Module):
    """Base class: subclasses set ``latent_dim``, ``latent_space``, ``resolution``, ``schema``."""

    kind: str = ""
    latent_dim: int
    latent_space: str = "z"
    resolution: int
    schema: AttributeSchema | None = None

    def config(self) -> dict:
        """Constructor arguments that rebuild this generator (saved in its weight file)."""
        raise NotImplementedError

    def sample(self, n: int, seed: int) -> torch.Tensor:
        """Codes from the latent prior, (n, latent_dim), on the CPU, determined by ``seed``."""
        return torch.randn(n, self.latent_dim, generator=seeded(seed))

    @property
    def has_oracle(self) -> bool:
        return False

    def attributes(self, z: torch.Tensor) -> torch.Tensor:
        """True attributes (n, n_attr) in [0, 1]; only procedural generators have them."""
        raise NotImplementedError(f"generator {self.kind!r} has no oracle")

    def soft_attributes(self, z: torch.Tensor) -> torch.Tensor:
        """The true attributes (n, n_attr) as functions differentiable in ``z`` (a binary one as a probability
        whose label is the oracle's); only procedural generators have them."""
        raise NotImplementedError(f"generator {self.kind!r} has no oracle")

    def latent_weight(self) -> torch.Tensor | None:
        """``A`` (out_features, latent_dim): the weight of the generator's first linear map of its codes,
        the matrix SeFa factorises; None when the generator exposes none (the default)."""
        return None

    def features(self, z: torch.Tensor, layer: str) -> torch.Tensor:
        """Activations (n, F) of ``layer`` at codes ``z`` (n, latent_dim), what GANSpace runs PCA on:
        ``output``, the images flattened, or ``hidden``, the first hidden layer (each kind says which)."""
        if layer == "output":
            return self(z).flatten(1)
        raise ValueError(f"the {self.kind or type(self).__name__} generator exposes no {layer!r} activations "
                         "(an opaque network shows only its output); use layer: output or latent")

    def weights(self) -> dict[str, torch.Tensor]:
        """What its weight file stores next to the config (default: the state dict)."""
        return self.state_dict()

    @classmethod
    def from_file(cls, path: str | Path, device: torch.device | str, **settings) -> "Generator":
        """Read a user's file (kinds of ORIGIN ``imported``), checking it against ``settings``."""
        raise ValueError(f"generator kind {cls.kind!r} is not read from a file")

    @classmethod
    def from_package(cls, **settings) -> tuple["Generator", dict]:
        """The generator whose pinned weights ship in an installed package (kinds of ORIGIN ``packaged``), and a
        JSON-able record of where they came from."""
        raise ValueError(f"generator kind {cls.kind!r} does not ship in a package")

    @classmethod
    def restore(cls, config: dict, weights: dict[str, torch.Tensor], device: torch.device | str) -> "Generator":
        """Rebuild from :meth:`config` and :meth:`weights` (``device``: where a kind must load its tensors)."""
        gen = cls(**config)
        gen.load_state_dict(weights)
        return gen


def generator_class(kind: str) -> type[Generator]:
    """The class of a generator kind: ``GENERATOR`` in ``pipeline_lib/data/generators/<kind>.py``."""
    if kind not in kinds(GENERATORS):
        raise ValueError(f"unknown generator kind {kind!r}; known: {sorted(kinds(GENERATORS))}")
    return importlib.import_module(f"pipeline_lib.data.generators.{kind}").GENERATOR


def build_generator(kind: str, **config) -> Generator:
    """A fresh generator; model settings left out take their defaults (a trained GAN's resolution and
    channels, which come from its image set, pass through)."""
    return generator_class(kind)(**{**defaults(GENERATORS, kind, "model"), **config})


def import_generator(kind: str, path: str | Path, device: torch.device | str, **settings) -> Generator:
    """A user's file of an ``imported`` kind; settings left out take their defaults."""
    return generator_class(kind).from_file(path, device, **{**defaults(GENERATORS, kind), **settings})


def save_generator(gen: Generator, path: str | Path, **info) -> None:
    """``info``: JSON-able notes kept in the file (e.g. the source file a generator was imported from)."""
    save_checkpoint({"kind": gen.kind, "config": gen.config(), "state_dict": gen.weights(), **info}, path)


def load_generator(path: str | Path, device: torch.device | str = "cpu") -> Generator:
    """Rebuild a generator from its weight file; a missing or corrupt file names itself."""
    ckpt = load_checkpoint(path, required=("kind", "config", "state_dict"))
    if ckpt["kind"] not in kinds(GENERATORS):
        raise WeightFileError(f"weight file {path} holds an unknown generator kind {ckpt['kind']!r}")
    gen = generator_class(ckpt["kind"]).restore(ckpt["config"], ckpt["state_dict"], device)
    return gen.to(device).eval().requires_grad_(False)

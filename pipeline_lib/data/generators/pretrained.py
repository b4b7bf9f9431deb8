"""What every generator loaded from a user's file shares: Z or W codes, batching, precision, output range.

Codes are ``z`` (the Gaussian prior) or ``w`` (the prior pushed through the generator's mapping
network: :meth:`sample` returns ``w = mapping(z)``). The network's raw output, declared to lie
in ``output_range``, is mapped to [0, 1] and clamped; ``output_resolution`` optionally
area-downsamples it (a benchmark predictor rarely needs 1024 pixels, and memory scales with them).
"""
from __future__ import annotations

import itertools

import torch

from pipeline_lib.util.images import resize
from pipeline_lib.util.runtime import autocast
from pipeline_lib.data.generators.base import Generator


class PretrainedGenerator(Generator):
    def __init__(self, latent_dim: int, latent_space: str, resolution: int, output_range: tuple[float, float],
                 precision: str, batch_size: int, output_resolution: int | None):
        super().__init__()
        if latent_space not in ("z", "w"):
            raise ValueError(f"latent_space must be 'z' or 'w', got {latent_space!r}")
        self.latent_dim, self.latent_space, self.native_resolution = latent_dim, latent_space, resolution
        self.resolution = output_resolution or resolution
        self.output_range, self.precision, self.batch_size = tuple(output_range), precision, batch_size
        # a buffer, so the module has a device even when a scripted network holds no tensors
        self.register_buffer("bounds", torch.tensor(self.output_range, dtype=torch.float32), persistent=False)

    def options(self) -> dict:
        """The constructor arguments this class adds to every subclass's config."""
        return {"latent_space": self.latent_space, "output_range": list(self.output_range),
                "precision": self.precision, "batch_size": self.batch_size, "output_resolution": self.resolution}

    @property
    def device(self) -> torch.device:
        return next(itertools.chain(self.parameters(), self.buffers())).device

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """(n, latent_dim) prior draws -> (n, latent_dim) W codes."""
        raise NotImplementedError(f"generator {self.kind!r} has no mapping network")

    def synthesize(self, codes: torch.Tensor) -> torch.Tensor:
        """(n, latent_dim) codes of this latent space -> (n, C, R, R) raw images in ``output_range``."""
        raise NotImplementedError

    def sample(self, n: int, seed: int) -> torch.Tensor:
        """(n, latent_dim) on the CPU: seeded z, or w = mapping(z) computed in batches on this module's device."""
        z = super().sample(n, seed)
        if self.latent_space == "z":
            return z
        with torch.no_grad():
            return torch.cat([self.mapping(c.to(self.device)).float().cpu() for c in z.split(self.batch_size)])

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """(n, latent_dim) -> (n, 3, R, R) in [0, 1], at most ``batch_size`` codes per network call."""
        return torch.cat([self._render(c) for c in codes.split(self.batch_size)])

    def _render(self, codes: torch.Tensor) -> torch.Tensor:
        with autocast(codes.device, self.precision):
            raw = self.synthesize(codes)
        lo, hi = self.bounds
        images = resize(((raw.float() - lo) / (hi - lo)).clamp(0, 1), self.resolution)
        return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images

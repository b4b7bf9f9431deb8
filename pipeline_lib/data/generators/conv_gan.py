"""``conv_gan``: a small convolutional GAN generator trained by the pipeline on a real image set.

``z`` (n, latent_dim) -> linear to (4w, 4, 4) -> [upsample x2, conv 3x3, batch norm, LeakyReLU]
until the resolution -> conv 3x3 -> sigmoid: (n, C, R, R), repeated to 3 channels when C = 1.
It has no oracle: the benchmark measures its images with the predictor only.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from pipeline_lib.data.generators.base import Generator

ORIGIN = "trained"
SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py. Resolution and
    # channels come from the image set it trains on.
    "latent_dim": ("model", ..., "count", "latent code size"),
    "width": ("model", ..., "count", "channels of the last block (the stem has 4x)"),
    "iterations": ("stage", ..., "count", "generator updates (hinge loss, spectrally normalised discriminator)"),
    "batch_size": ("stage", ..., {"type": "integer", "minimum": 2}, "images per update"),
    "lr": ("stage", ..., "positive", "Adam learning rate of both networks"),
    "check_samples": ("stage", ..., {"type": "integer", "minimum": 100},
                      "generated images the mode-collapse check classifies"),
    "max_class_kl": ("stage", ..., "positive", "fail when KL(real || generated class histogram) exceeds this"),
    "seed": ("stage", ..., "seed", "initialisation, batches and the collapse check's draws"),
}


class ConvGenerator(Generator):
    kind = "conv_gan"

    def __init__(self, latent_dim: int, resolution: int, channels: int, width: int):
        super().__init__()
        ups = math.log2(resolution / 4)
        if resolution < 8 or ups != int(ups):
            raise ValueError(f"conv_gan needs a resolution of 4 * 2^k >= 8, got {resolution}")
        self.latent_dim, self.resolution, self.channels, self.width = latent_dim, resolution, channels, width
        self.stem = nn.Linear(latent_dim, 4 * width * 16)
        layers, c = [], 4 * width
        for _ in range(int(ups)):
            layers += [nn.Upsample(scale_factor=2), nn.Conv2d(c, max(c // 2, width), 3, padding=1),
                       nn.BatchNorm2d(max(c // 2, width)), nn.LeakyReLU(0.2)]
            c = max(c // 2, width)
        self.body = nn.Sequential(nn.BatchNorm2d(4 * width), nn.LeakyReLU(0.2), *layers,
                                  nn.Conv2d(c, channels, 3, padding=1), nn.Sigmoid())

    def config(self) -> dict:
        return {"latent_dim": self.latent_dim, "resolution": self.resolution, "channels": self.channels,
                "width": self.width}

    def latent_weight(self) -> torch.Tensor:
        """The stem's weight (16 * 4w, latent_dim): the first, linear, map of ``z``."""
        return self.stem.weight

    def raw(self, z: torch.Tensor) -> torch.Tensor:
        """(n, latent_dim) -> (n, channels, R, R) in [0, 1], what the discriminator sees."""
        return self.body(self.stem(z).view(-1, 4 * self.width, 4, 4))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.raw(z)
        return x.expand(-1, 3, -1, -1) if self.channels == 1 else x


GENERATOR = ConvGenerator

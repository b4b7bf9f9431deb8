"""``shapes``: a procedural generator whose true attributes are known for every code.

A fixed, seeded map takes ``z`` (n, latent_dim) to six factors, then a differentiable
renderer draws (n, 3, R, R) images. Factors live on an orthonormal basis ``Q`` of the
latent space: ``u = z @ Q`` and factor ``i`` reads

    s_i = u_i + curvature * sum_{j != i} A_ij (u_j^2 - 1) / sqrt(2)
    f_i = Phi(s_i / std_i)          std_i = sqrt(1 + curvature^2 * sum_j A_ij^2)

At ``curvature = 0`` every factor is a monotone function of one direction ``Q[:, i]``,
the directions orthonormal: a perfectly disentangled linear latent space. Larger values
bend the factors' level sets into paraboloids that depend on the other factors'
coordinates, so a straight edit of one factor drifts the others. ``u_6, u_7`` drive a
stripe texture (nuisance); the remaining coordinates are unused.
"""
from __future__ import annotations

import math

import torch

from pipeline_lib.config.catalog import SHAPES_FACTORS as FACTORS, SHAPES_SCHEMA as SCHEMA
from pipeline_lib.util.runtime import seeded
from pipeline_lib.data.generators.base import Generator

ORIGIN = "procedural"
SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "latent_dim": ("model", 32, "count", "latent code size (at least the 6 factors and 2 nuisances)"),
    "curvature": ("model", 0.5, {"type": "number", "minimum": 0},
                  "0: a perfectly disentangled linear latent space; larger bends the factors' level sets"),
    "coupling": ("model", 0.5, {"type": "number", "minimum": 0}, "size of the cross-factor bending terms"),
    "resolution": ("model", 32, "resolution", "image side in pixels"),
    "edge_softness": ("model", 0.5, "positive", "width of the shape's edge in pixels"),
    "seed": ("model", 0, "seed", "the draw of the latent basis and the coupling matrix"),
}
N_NUISANCE = 2
SQUARENESS_GAIN = 6.0  # the renderer blends circle and square by sigmoid(SQUARENESS_GAIN * s_0)


def _phi(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


class ShapesGenerator(Generator):
    kind = "shapes"

    def __init__(self, latent_dim: int, curvature: float, resolution: int, seed: int, coupling: float,
                 edge_softness: float):
        super().__init__()
        n_used = len(FACTORS) + N_NUISANCE
        if latent_dim < n_used:
            raise ValueError(f"shapes needs latent_dim >= {n_used}, got {latent_dim}")
        self.latent_dim, self.resolution, self.schema = latent_dim, resolution, SCHEMA
        self.curvature, self.seed, self.coupling, self.edge_softness = curvature, seed, coupling, edge_softness
        g = seeded(seed)
        basis, _ = torch.linalg.qr(torch.randn(latent_dim, latent_dim, generator=g, dtype=torch.float64))
        mix = coupling * torch.randn(len(FACTORS), n_used, generator=g, dtype=torch.float64)
        mix[torch.arange(len(FACTORS)), torch.arange(len(FACTORS))] = 0.0
        self.register_buffer("basis", basis[:, :n_used].float().contiguous())  # (d, 8)
        self.register_buffer("mix", mix.float())  # (6, 8)
        coords = (torch.arange(resolution, dtype=torch.float32) + 0.5) / resolution
        self.register_buffer("grid_y", coords.view(1, resolution, 1))
        self.register_buffer("grid_x", coords.view(1, 1, resolution))

    def config(self) -> dict:
        return dict(latent_dim=self.latent_dim, curvature=self.curvature, resolution=self.resolution,
                    seed=self.seed, coupling=self.coupling, edge_softness=self.edge_softness)

    @property
    def has_oracle(self) -> bool:
        return True

    def factor_scores(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Standardised factor pre-activations (n, 6) and nuisance coordinates (n, 2)."""
        u = z @ self.basis  # (n, 8)
        bend = (u.square() - 1.0) / math.sqrt(2.0)  # (n, 8)
        s = u[:, : len(FACTORS)] + self.curvature * bend @ self.mix.T
        return s / self.factor_std(), u[:, len(FACTORS):]

    def factor_std(self) -> torch.Tensor:
        """(6,) ``std_i``, the standard deviation of factor ``i``'s pre-activation under the prior."""
        return torch.sqrt(1.0 + self.curvature**2 * self.mix.square().sum(1))

    def latent_weight(self) -> torch.Tensor:
        """(8, d): the linear part of ``z -> (s_i / std_i, u_6, u_7)``, what the renderer reads.

        Its Jacobian at ``z = 0``, the prior's mean: the bend terms are quadratic, so they have no slope
        there, and row ``i`` is ``Q[:, i] / std_i`` for a factor, ``Q[:, i]`` for a nuisance coordinate.
        At ``curvature = 0`` the rows are orthonormal: every direction of their span has the same gain.
        """
        scale = torch.cat([1.0 / self.factor_std(), torch.ones(N_NUISANCE).to(self.mix)])
        return scale[:, None] * self.basis.T

    def features(self, z: torch.Tensor, layer: str) -> torch.Tensor:
        """``hidden``: the latent-to-factor map's output, ``(s_i / std_i, u_6, u_7)`` (n, 8), what the renderer reads."""
        if layer == "hidden":
            return torch.cat(self.factor_scores(z), 1)
        return super().features(z, layer)

    def attributes(self, z: torch.Tensor) -> torch.Tensor:
        """Oracle (n, 6): shape label in {0, 1} (1 = square), the rest in (0, 1)."""
        s, _ = self.factor_scores(z)
        f = _phi(s)
        return torch.cat([(s[:, :1] > 0).to(z.dtype), f[:, 1:]], dim=1)

    def soft_attributes(self, z: torch.Tensor) -> torch.Tensor:
        """The oracle differentiable in ``z`` (n, 6): shape as the squareness the renderer draws,
        ``sigmoid(SQUARENESS_GAIN * s_0)`` (above 0.5 exactly where :meth:`attributes` says square), the rest
        as :meth:`attributes`."""
        s, _ = self.factor_scores(z)
        return torch.cat([torch.sigmoid(SQUARENESS_GAIN * s[:, :1]), _phi(s[:, 1:])], dim=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images (n, 3, R, R) in [0, 1], differentiable in ``z``."""
        s, nuisance = self.factor_scores(z)
        f = _phi(s)
        col = lambda t: t.view(-1, 1, 1)  # noqa: E731  (n,) -> (n, 1, 1) for broadcasting
        squareness = col(torch.sigmoid(SQUARENESS_GAIN * s[:, 0]))
        radius = col(0.11 + 0.16 * f[:, 1])
        dx, dy = self.grid_x - col(0.25 + 0.5 * f[:, 2]), self.grid_y - col(0.25 + 0.5 * f[:, 3])
        soft = self.edge_softness / self.resolution
        circle = torch.sigmoid((radius - torch.sqrt(dx.square() + dy.square() + 1e-8)) / soft)
        square = torch.sigmoid((0.886 * radius - torch.maximum(dx.abs(), dy.abs())) / soft)  # equal area to the circle
        mask = ((1 - squareness) * circle + squareness * square).unsqueeze(1)  # (n, 1, R, R)

        hue = 0.8 * f[:, 4:5] - torch.tensor([0.0, 1 / 3, 2 / 3], device=z.device)  # (n, 3)
        colour = (0.5 + 0.5 * torch.cos(2 * math.pi * hue)).view(-1, 3, 1, 1)
        freq, phase = 10.0 + 14.0 * _phi(nuisance[:, 0]), nuisance[:, 1]
        stripes = torch.sin(col(freq) * (self.grid_x + self.grid_y) + col(phase))
        foreground = colour * (0.85 + 0.15 * stripes).unsqueeze(1)
        background = (0.05 + 0.55 * f[:, 5]).view(-1, 1, 1, 1)
        return background * (1 - mask) + foreground * mask


GENERATOR = ShapesGenerator

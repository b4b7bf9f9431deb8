"""Networks of the unsupervised direction-discovery methods (``discovery.py``).

Shifters map a code, a one-hot direction and a shift to a latent change ``delta z``:
``LinearShifts`` (Voynov and Babenko, ICML 2020) and ``DirectionMapper`` (Lu et al.,
arXiv 2011.11842); ``warped.py`` adds WarpedGANSpace's RBF warps. ``Reconstructor`` reads the
pair ``(G(z), G(z + delta z))`` back into the direction and the shift; ``CentroidLoss`` scores
how each direction's normalised shifts cluster across codes.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def unit_rows(x: torch.Tensor) -> torch.Tensor:
    """(n, d) -> rows scaled to unit norm (zero rows stay zero)."""
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


class Shifter(nn.Module):
    """``forward(z (n, d), onehot (n, K), eps (n,)) -> delta z = eps * unit(z, onehot)`` (n, d).

    Every shifter is ``eps`` times a unit vector field, so ``|delta z| = |eps|`` in latent units
    and a shift of ``-eps`` undoes the direction of ``+eps`` *(ours)*. Subclasses set
    ``latent_dim`` (d) and ``n_directions`` (K).
    """

    def unit(self, z: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, z: torch.Tensor, onehot: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        return eps[:, None] * self.unit(z, onehot)


class LinearShifts(Shifter):
    """A direction matrix ``A`` (K, d), the same for every code.

    ``kind='orthonormal'``: ``A`` is the first K rows of ``exp(S - S^T)`` for a free (d, d) ``S``;
    ``kind='unit'``: free rows, normalised. Both start from a standard normal draw, as
    Voynov and Babenko's random initialisation.
    """

    def __init__(self, latent_dim: int, n_directions: int, kind: str):
        super().__init__()
        if kind == "orthonormal" and n_directions > latent_dim:
            raise ValueError(f"orthonormal directions need n_directions <= latent_dim, got {n_directions} > {latent_dim}")
        self.kind, self.latent_dim, self.n_directions = kind, latent_dim, n_directions
        shape = (latent_dim, latent_dim) if kind == "orthonormal" else (n_directions, latent_dim)
        self.param = nn.Parameter(torch.randn(shape))

    def directions(self) -> torch.Tensor:
        """(K, d) unit rows (orthonormal for ``kind='orthonormal'``)."""
        if self.kind == "orthonormal":
            return torch.linalg.matrix_exp(self.param - self.param.T)[: self.n_directions]
        return unit_rows(self.param)

    def unit(self, z, onehot):
        return onehot @ self.directions()


class DirectionMapper(Shifter):
    """``unit(z, e_k) = normalise(B e_k + MLP([z, e_k]))``: a direction field that depends on the code.

    ``B`` (K, d) is a per-direction base drawn standard normal; the MLP (``width`` hidden units,
    two SiLU layers) has a zero last layer, so training starts from a random linear model
    and learns how each direction bends with ``z`` *(ours)*.
    """

    def __init__(self, latent_dim: int, n_directions: int, width: int):
        super().__init__()
        self.latent_dim, self.n_directions = latent_dim, n_directions
        self.base = nn.Parameter(torch.randn(n_directions, latent_dim))
        self.mlp = nn.Sequential(
            nn.Linear(latent_dim + n_directions, width), nn.SiLU(),
            nn.Linear(width, width), nn.SiLU(),
            nn.Linear(width, latent_dim),
        )
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def unit(self, z, onehot):
        return unit_rows(onehot @ self.base + self.mlp(torch.cat([z, onehot], 1)))


class Reconstructor(nn.Module):
    """LeNet-5 on the two images stacked on channels, (n, 6, 32, 32).

    Voynov and Babenko's LeNet shift predictor (width 2: 6, 16, 120 channels) with leaky ReLUs
    and without its batch norm, so a pair's output never depends on the rest of the batch and
    units do not die at lr 3e-3 *(ours)*. Returns direction logits (n, K) and the shift (n,). Larger
    images are average-pooled after the last convolution; smaller ones are first repeated
    pixel-wise to at least 32x32 (a plain expand, whose backward is deterministic).
    """

    def __init__(self, n_directions: int, resolution: int, width: int = 2):
        super().__init__()
        self.repeat = -(-32 // resolution)
        c1, c2, c3 = 3 * width, 8 * width, 60 * width
        self.features = nn.Sequential(
            nn.Conv2d(6, c1, 5), nn.LeakyReLU(0.2), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 5), nn.LeakyReLU(0.2), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 5), nn.LeakyReLU(0.2),
        )
        self.logits = nn.Linear(c3, n_directions)
        self.shift = nn.Linear(c3, 1)

    def forward(self, before: torch.Tensor, after: torch.Tensor):
        """Images (n, 3, R, R) twice -> logits (n, K), shift (n,)."""
        x, f = torch.cat([before, after], 1), self.repeat
        if f > 1:
            n, c, h, w = x.shape
            x = x[:, :, :, None, :, None].expand(n, c, h, f, w, f).reshape(n, c, h * f, w * f)
        h = self.features(x).mean((2, 3))  # a plain mean: deterministic on CUDA
        return self.logits(h), self.shift(h).squeeze(1)


class CentroidLoss(nn.Module):
    """Center loss and a GE2E softmax term on each direction's unit shifts across codes.

    ``units`` (n, K, d): the unit shift of direction k at code i (n >= 2). Direction k's centroid
    is the normalised mean of its n shifts; a shift's own centroid leaves it out (GE2E, Wan et al.
    2018). Center (Wen et al.): ``1 - cos(u_ik, own centroid)`` = half the squared distance on the
    unit sphere. GE2E: logits ``w cos(u_ik, c_j)`` over every direction j, cross-entropy toward k,
    ``w = exp(log_w)`` learned from 10; GE2E's bias is left out, as one shift of every logit cancels
    in the softmax. A linear shifter has center 0 and a GE2E term that pushes its directions apart.
    """

    def __init__(self):
        super().__init__()
        self.log_w = nn.Parameter(torch.tensor(math.log(10.0)))

    def forward(self, units: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``units`` (n, K, d) -> (center, ge2e) scalar losses."""
        n, k, d = units.shape
        total = units.sum(0)  # (K, d)
        centroids = unit_rows(total)  # (K, d)
        own = unit_rows((total - units).reshape(n * k, d)).view(n, k, d)  # each shift left out of its own
        own_cos = (units * own).sum(2)  # (n, K)
        cos = torch.einsum("nkd,jd->nkj", units, centroids)  # (n, K, K)
        eye = torch.eye(k, dtype=torch.bool, device=units.device)
        logits = self.log_w.exp() * torch.where(eye, own_cos[:, :, None], cos)
        target = torch.arange(k, device=units.device).repeat(n)
        return (1 - own_cos).mean(), F.cross_entropy(logits.reshape(n * k, k), target)

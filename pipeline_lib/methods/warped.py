"""WarpedGANSpace (Tzelepis, Tzimiropoulos and Patras, ICCV 2021): non-linear paths along RBF warpings.

Each of K warping functions is a weighted sum of Gaussian RBFs on learned support vectors,

    f_k(z) = sum_i alpha_ki exp(-gamma_k |z - v_ki|^2),

and path k follows f_k's normalised gradient, ``unit(z, e_k) = grad f_k(z) / |grad f_k(z)|``,
by small steps (``step_size``): a curve that bends with the code. The support vectors, their
weights ``alpha`` and each warp's width ``gamma`` are trained with the reconstructor of
``discovery.py`` (which path, how far: cross-entropy and shift L1, as in Voynov and Babenko);
training takes one step ``eps unit(z, e_k)`` per pair, as the authors' trainer does. Directions
are named afterwards from the predictor, one-to-one (``naming.py``).

As the authors initialise them: support vectors in antipodal dipoles ``(v, -v)`` with weights
``(+1, -1)``, a random direction per dipole, each warp's dipoles on one radius between 0.8 and
0.9 times the codes' expected norm (spread over the warps); ``gamma`` starts at
``gamma_scale / latent_dim`` (theirs: ``1 / latent_dim``). *(Ours)*: the expected norm is the
fitted codes' mean norm; every parameter is learned (they make alphas and gammas optional), by one
Adam optimiser with the reconstructor; shifts are drawn as for ``manifold``, in its latent units.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from pipeline_lib.methods.discovery import ShiftDiscovery
from pipeline_lib.methods.manifold_nets import Shifter, unit_rows

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "n_directions": ("fit", 8, {"type": "integer", "minimum": 2},
                     "warping functions K, one path each (at least the attributes, each named its own)"),
    "n_dipoles": ("fit", 4, "count", "antipodal RBF pairs (v, -v) per warping function"),
    "gamma_scale": ("fit", 1.0, "positive", "each warp's initial RBF width gamma, in units of 1 / latent_dim"),
    "iterations": ("fit", 1500, "count", "training iterations"),
    "batch_size": ("fit", 32, {"type": "integer", "minimum": 2}, "pairs per iteration"),
    "lr": ("fit", 0.001, "positive", "Adam's learning rate"),
    "eps_max": ("fit", 3.0, "positive", "shifts eps ~ U[-eps_max, eps_max], |eps| >= eps_min (latent units)"),
    "eps_min": ("fit", 0.25, "weight", "the smallest |eps| drawn"),
    "eps_probe": ("fit", 1.0, "positive", "shift used to measure each path's effect on the attributes"),
    "probe": ("fit", 256, "count", "codes used to measure the effects"),
    "shift_weight": ("fit", 0.25, "weight", "weight of the reconstructor's shift L1"),
    "seed": ("fit", 27, "seed", "initialisation and the pairs' draws"),
    "step_size": ("edit", 0.1, "positive", "the longest step along a warp's gradient (latent units)"),
}


class RBFWarps(Shifter):
    """K warping functions of 2N Gaussian RBFs each: ``support`` (K, 2N, d), ``alpha`` (K, 2N), ``log_gamma`` (K,).

    ``radius``: the codes' expected norm; the dipoles start between 0.8 and 0.9 of it.
    """

    def __init__(self, latent_dim: int, n_directions: int, n_dipoles: int, gamma: float, radius: float):
        super().__init__()
        self.latent_dim, self.n_directions = latent_dim, n_directions
        v = unit_rows(torch.randn(n_directions * n_dipoles, latent_dim)).view(n_directions, n_dipoles, latent_dim)
        radii = radius * (0.8 + 0.1 * torch.arange(n_directions) / n_directions)  # (K,)
        self.support = nn.Parameter(radii[:, None, None] * torch.cat([v, -v], 1))
        self.alpha = nn.Parameter(torch.cat([torch.ones(n_directions, n_dipoles), -torch.ones(n_directions, n_dipoles)], 1))
        self.log_gamma = nn.Parameter(torch.full((n_directions,), math.log(gamma)))

    def unit(self, z, onehot):
        """``grad f_k(z) = -2 gamma_k sum_i alpha_ki exp(-gamma_k |z - v_ki|^2) (z - v_ki)``, normalised; (n, d)."""
        n, k = onehot.shape
        support = (onehot @ self.support.view(k, -1)).view(n, -1, self.latent_dim)  # (n, 2N, d)
        alpha, gamma = onehot @ self.alpha, (onehot @ self.log_gamma).exp()[:, None]  # (n, 2N), (n, 1)
        diff = z[:, None] - support  # (n, 2N, d)
        weight = -2 * gamma * alpha * torch.exp(-gamma * diff.square().sum(2))  # (n, 2N)
        return unit_rows((weight[:, :, None] * diff).sum(1))


class Warped(ShiftDiscovery):
    kind = "warped"

    def _make_shifter(self, latent_dim, scale):
        h = self.hyper
        return RBFWarps(latent_dim, h["n_directions"], h["n_dipoles"], h["gamma_scale"] / latent_dim, scale)


METHOD = Warped

"""GANSpace (Harkonen et al., NeurIPS 2020): principal directions, matched to attributes.

``features='latent'``: PCA of the codes themselves (the choice for W spaces).
``features='output'``: PCA of the generator's outputs, the components regressed back to the
latent by least squares (GANSpace's recipe for activations; an isotropic Z has no
principal directions of its own). Matching is ours: each attribute takes, among the top
``n_components``, the component whose probe edit changes it most, with that sign.
"""
from __future__ import annotations

import torch

from pipeline_lib.attributes.measure import measure
from pipeline_lib.util.runtime import seeded
from pipeline_lib.methods.base import LinearDirections

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "features": ("fit", "output", ["output", "latent"],
                 "PCA of the generator's outputs, regressed back to the latent, or of the codes themselves"),
    "n_components": ("fit", 12, "count", "top components searched when matching attributes"),
    "probe": ("fit", 256, "count", "codes used to measure each component's effect"),
    "sigma": ("fit", 1.0, "positive", "probe edit size, in standard deviations of the component"),
    "seed": ("fit", 22, "seed", "the probe codes' draw"),
}


def principal_directions(z: torch.Tensor, features: torch.Tensor, n_components: int) -> torch.Tensor:
    """``z`` (N, d), ``features`` (N, F) -> (K, d) unit latent directions of the top-K PCs of features."""
    centred = features - features.mean(0)
    # randomised SVD (Halko et al.): the top K of an (N, F) matrix in O(N F K); draws from torch's seed
    _, _, v = torch.svd_lowrank(centred, q=min(n_components + 10, *centred.shape), niter=6)
    components = v[:, :n_components].T  # (K, F)
    projections = centred @ components.T  # (N, K)
    if features is z:
        directions = components
    else:
        directions = torch.linalg.lstsq(projections, z - z.mean(0)).solution  # (K, d)
    return directions / directions.norm(dim=1, keepdim=True).clamp_min(1e-12)


def component_effects(directions: torch.Tensor, steps: torch.Tensor, probe: torch.Tensor, generator,
                      predictor, batch_size: int = 1024) -> torch.Tensor:
    """Mean attribute change of a +-``steps`` (K,) edit along (K, d) directions on (P, d) codes -> (K, n_attr)."""
    k, p = len(directions), len(probe)
    shift = steps[:, None] * directions  # (K, d)
    shifted = probe[None, None] + torch.stack([shift, -shift], 1)[:, :, None]  # (K, 2, P, d)
    values, _ = measure(generator, predictor, shifted.reshape(-1, probe.shape[1]), batch_size)
    values = values.view(k, 2, p, -1)
    return (values[:, 0] - values[:, 1]).mean(1) / 2


class GANSpace(LinearDirections):
    kind = "ganspace"

    def fit(self, latents, labels, generator, predictor):
        h = self.hyper
        z = latents.double()
        if h["features"] == "latent":
            feats = z
        else:
            with torch.no_grad():
                feats = torch.cat([generator(c).flatten(1) for c in latents.split(1024)]).double()
        self.components_ = principal_directions(z, feats, min(h["n_components"], z.shape[1])).float()
        spread = (latents @ self.components_.T).std(0)  # (K,) s_k: std of the codes along each
        idx = torch.randperm(len(latents), generator=seeded(h["seed"]))[: h["probe"]]
        self.effects_ = component_effects(self.components_, h["sigma"] * spread, latents[idx],
                                          generator, predictor)  # (K, n_attr)
        best = self.effects_.abs().argmax(0)  # (n_attr,)
        signs = torch.sign(self.effects_[best, torch.arange(self.effects_.shape[1])])
        self.assignment_ = best
        self.directions_ = signs[:, None] * self.components_[best]
        return self

    def summary(self):
        return {"component_effects": self.effects_.tolist(), "assigned_component": self.assignment_.tolist()}


METHOD = GANSpace

"""GANSpace (Harkonen et al., NeurIPS 2020): principal directions, named after the attributes.

``features='latent'``: PCA of the codes themselves (the choice for W spaces).
``features='output'``: PCA of the generator's outputs, the components regressed back to the
latent by least squares (GANSpace's recipe for activations; an isotropic Z has no
principal directions of its own). Naming is ours (``naming.py``): the attributes take distinct
components among the top ``n_components``, the one-to-one assignment whose probe edits change
them most in total, each with the sign of its effect.
"""
from __future__ import annotations

import torch

from pipeline_lib.methods.naming import NamedComponents

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "features": ("fit", "output", ["output", "latent"],
                 "PCA of the generator's outputs, regressed back to the latent, or of the codes themselves"),
    "n_components": ("fit", 12, "count", "top components searched when naming attributes (at least their number)"),
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


class GANSpace(NamedComponents):
    kind = "ganspace"

    def fit(self, latents, labels, generator, predictor):
        h = self.hyper
        z = latents.double()
        if h["features"] == "latent":
            feats = z
        else:
            with torch.no_grad():
                feats = torch.cat([generator(c).flatten(1) for c in latents.split(1024)]).double()
        self.components_ = principal_directions(z, feats, min(h["n_components"], z.shape[1])).float().cpu()
        self.name_components(latents, generator, predictor)
        return self


METHOD = GANSpace

"""GANSpace (Harkonen et al., NeurIPS 2020): principal directions of an activation, named after the attributes.

As published (``layer: hidden``, the default): PCA of an intermediate activation ``y = G_1(z)`` of
the generator on the fitted codes, then the latent directions by linear regression of the codes
on the PCA coordinates, ``z - mean ~ x U`` with ``x = (y - mean) V`` (least squares; the rows of
``U`` are the directions). The layer is the generator's first hidden layer (``Generator.features``):
``shapes``, the latent-to-factor map's output; ``conv_gan``, the first upsampling block's output;
``stylegan2``, ``w`` for Z codes (GANSpace's StyleGAN layer) and the first StyledConv's output for
W codes. ``layer: output`` runs the same on the images; ``layer: latent`` is PCA of the codes
themselves (GANSpace's choice for W spaces; an isotropic Z has no principal directions of its
own). Naming is ours (``naming.py``): the attributes take distinct components among the top
``n_components`` (at most the activation's and the code's dimension), the one-to-one assignment
whose probe edits change them most in total, each with the sign of its effect.
"""
from __future__ import annotations

import torch

from pipeline_lib.methods.naming import NamedComponents

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "layer": ("fit", "hidden", ["hidden", "output", "latent"],
              "PCA of the generator's first hidden layer or of its images, regressed back to the latent, "
              "or of the codes themselves"),
    "n_components": ("fit", 12, "count", "top components searched when naming attributes (at least their number)"),
    "probe": ("fit", 256, "count", "codes used to measure each component's effect"),
    "sigma": ("fit", 1.0, "positive", "probe edit size, in standard deviations of the component"),
    "seed": ("fit", 22, "seed", "the probe codes' draw"),
}


def principal_directions(z: torch.Tensor, features: torch.Tensor,
                         n_components: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``z`` (N, d), ``features`` (N, F) -> (K, d) unit latent directions of the top-K PCs of features and
    the share of the features' variance each PC explains (K,); K is at most F and d."""
    centred = features - features.mean(0)
    k = min(n_components, *centred.shape, z.shape[1])
    # randomised SVD (Halko et al.): the top K of an (N, F) matrix in O(N F K); draws from torch's seed
    _, s, v = torch.svd_lowrank(centred, q=min(k + 10, *centred.shape), niter=6)
    components = v[:, :k].T  # (K, F)
    projections = centred @ components.T  # (N, K)
    if features is z:
        directions = components
    else:
        directions = torch.linalg.lstsq(projections, z - z.mean(0)).solution  # (K, d)
    explained = s[:k].square() / centred.square().sum()
    return directions / directions.norm(dim=1, keepdim=True).clamp_min(1e-12), explained


class GANSpace(NamedComponents):
    kind = "ganspace"

    def fit(self, latents, labels, generator, predictor):
        h = self.hyper
        z = latents.double()
        if h["layer"] == "latent":
            feats = z
        else:
            with torch.no_grad():
                feats = torch.cat([generator.features(c, h["layer"]) for c in latents.split(1024)]).double()
        components, explained = principal_directions(z, feats, h["n_components"])
        self.components_, self.explained_ = components.float().cpu(), explained.float().cpu()
        self.name_components(latents, generator, predictor)
        return self

    def summary(self):
        return {**super().summary(), "explained_variance": self.explained_.tolist()}


METHOD = GANSpace

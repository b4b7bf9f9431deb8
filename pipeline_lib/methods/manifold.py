"""Disentangled Manifolds and its linear special case: discovery kind ``manifold``.

``manifold`` (Lu, Lee, Tseng, Yang, arXiv 2011.11842, abstract only): a mapper
``M(z, e_k, eps) -> delta z`` from one-hot directions to latent changes that depend on the code,
trained with the reconstructor of ``discovery.py`` plus a centroid loss on the **normalised
latent shifts** ``unit(z, e_k)`` each direction makes across the batch's codes: every direction's
shifts cluster around their own centroid (center loss, ``1 - cos``) and away from the other
directions' centroids (GE2E: a softmax over scaled cosine similarities to every centroid).
``mapper: linear`` is Voynov and Babenko (ICML 2020): ``M = eps A[k]`` (params entry
``voynov_linear``, without the centroid loss). See ``manifold_nets.py`` for the networks.

Choices the abstract leaves open *(ours)*: the centroids are the batch's (GE2E's, a shift left out
of its own direction's centroid), computed on every direction at every code of the batch, so
they cost mapper evaluations, not generator calls; the centroid terms are on by default;
``path_mode: steps`` (small repeated steps of the mapper, a curve) is the default, ``oneshot``
gives ``z + M(z, e_k, s)``, a ray per code (the two agree for the linear mapper).
"""
from __future__ import annotations

from pipeline_lib.methods.discovery import ShiftDiscovery, all_units
from pipeline_lib.methods.manifold_nets import CentroidLoss, DirectionMapper, LinearShifts

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "mapper": ("fit", "nonlinear", ["nonlinear", "linear"],
               "M(z, e_k, eps): an MLP of the code (Disentangled Manifolds) or eps A[k] (Voynov and Babenko)"),
    "n_directions": ("fit", 8, {"type": "integer", "minimum": 2},
                     "directions K the mapper learns (at least the attributes, each named its own)"),
    "width": ("fit", 64, "count", "hidden width of the non-linear mapper"),
    "linear_kind": ("fit", "orthonormal", ["orthonormal", "unit"],
                    "the linear mapper's A: orthonormal (matrix exponential of a skew matrix) or unit rows"),
    "iterations": ("fit", 1500, "count", "training iterations"),
    "batch_size": ("fit", 32, {"type": "integer", "minimum": 2}, "pairs per iteration"),
    "lr": ("fit", 0.001, "positive", "Adam's learning rate"),
    "eps_max": ("fit", 3.0, "positive", "shifts eps ~ U[-eps_max, eps_max], |eps| >= eps_min (latent units)"),
    "eps_min": ("fit", 0.25, "weight", "the smallest |eps| drawn"),
    "eps_probe": ("fit", 1.0, "positive", "shift used to measure each direction's effect on the attributes"),
    "probe": ("fit", 256, "count", "codes used to measure the effects"),
    "centroid_weight": ("fit", 1.0, "weight",
                        "weight of the centroid loss on the normalised latent shifts; 0 switches it off (ablation)"),
    "center_weight": ("fit", 1.0, "weight", "the centroid loss's center-loss pull"),
    "ge2e_weight": ("fit", 1.0, "weight", "the centroid loss's GE2E softmax term"),
    "shift_weight": ("fit", 0.25, "weight", "weight of the reconstructor's shift L1"),
    "seed": ("fit", 24, "seed", "initialisation and the pairs' draws"),
    "path_mode": ("edit", "steps", ["oneshot", "steps"],
                  "steps: small repeated steps along M, a curve | oneshot: z + M(z, e_k, s), a ray per code"),
    "step_size": ("edit", 0.1, "positive", "steps mode: the longest step (latent units)"),
}


class Manifold(ShiftDiscovery):
    """The non-linear mapper of Disentangled Manifolds, or (``mapper: linear``) Voynov and Babenko's matrix."""

    kind = "manifold"
    terms = ("direction", "shift", "center", "ge2e", "total")

    def _make_shifter(self, latent_dim, scale):
        h = self.hyper
        if h["mapper"] == "linear":
            return LinearShifts(latent_dim, h["n_directions"], h["linear_kind"])
        return DirectionMapper(latent_dim, h["n_directions"], h["width"])

    def _extra_nets(self):
        return {"centroid": CentroidLoss()}

    def path_mode(self):
        return self.hyper["path_mode"]

    def _losses(self, nets, z, before, after, k, eps):
        """The reconstructor's terms plus ``centroid_weight (center_weight center + ge2e_weight ge2e)``;
        with ``centroid_weight = 0`` the centroid terms are reported but not added, so they send no gradient."""
        h = self.hyper
        terms = super()._losses(nets, z, before, after, k, eps)
        terms["center"], terms["ge2e"] = nets["centroid"](all_units(nets["shifter"], z))
        if h["centroid_weight"]:
            centroid = h["center_weight"] * terms["center"] + h["ge2e_weight"] * terms["ge2e"]
            terms["total"] = terms["total"] + h["centroid_weight"] * centroid
        return terms


METHOD = Manifold

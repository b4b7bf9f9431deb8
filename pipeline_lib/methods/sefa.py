"""SeFa (Shen and Zhou, CVPR 2021): closed-form factorisation of the generator's first weight.

If the generator's first transform of the code is ``y = A z + b``, a unit edit ``n`` moves ``y`` by
``A n``; the directions of largest ``|A n|^2`` are the top eigenvectors of ``A^T A``, read from the
weights alone (no sampling, no training). ``A`` is what the generator's ``latent_weight()`` exposes
(see each generator kind: StyleGAN2's stacked style modulations in W space, the conv GAN's stem,
the shapes generator's factor map); a generator that exposes none (a TorchScript module) makes
the fit fail. ``normalize: true`` first scales each row of ``A`` (one output unit) to unit norm,
as genforce/sefa's code does; the default follows the paper's ``A^T A`` (and rosinality's
``closed_form_factorization.py``).

Naming is ours (``naming.py``), as for GANSpace: the attributes take distinct eigenvectors among
the top ``n_components``, the one-to-one assignment whose probe edits change them most in total,
each with the sign of its effect (an eigenvector's sign is arbitrary).
"""
from __future__ import annotations

import torch

from pipeline_lib.methods.naming import NamedComponents

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "n_components": ("fit", 12, "count", "top eigenvectors searched when naming attributes (at least their number)"),
    "normalize": ("fit", False, "flag",
                  "scale each row of A to unit norm first (genforce/sefa's code); off: the paper's A^T A"),
    "probe": ("fit", 256, "count", "codes used to measure each eigenvector's effect"),
    "sigma": ("fit", 1.0, "positive", "probe edit size, in standard deviations of the codes along the eigenvector"),
    "seed": ("fit", 26, "seed", "the probe codes' draw"),
}


def factorize(weight: torch.Tensor, n_components: int, normalize: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``A`` (out, d) -> the top-K eigenvalues (K,) of ``A^T A``, largest first, and their unit eigenvectors (K, d)."""
    a = weight.detach().double().cpu()
    if normalize:
        a = a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)
    values, vectors = torch.linalg.eigh(a.T @ a)  # ascending
    k = min(n_components, a.shape[1])
    return values.flip(0)[:k], vectors.flip(1)[:, :k].T


class SeFa(NamedComponents):
    kind = "sefa"

    def fit(self, latents, labels, generator, predictor):
        h = self.hyper
        weight = generator.latent_weight()
        name = generator.kind or type(generator).__name__
        if weight is None:
            raise ValueError(f"sefa: the {name} generator exposes no latent weight "
                             "(its latent_weight() is None: no first linear map of the code to factorise, as for a "
                             "TorchScript module); leave sefa out of benchmark.methods for this dataset")
        if weight.dim() != 2 or weight.shape[1] != latents.shape[1]:
            raise ValueError(f"sefa: the {name} generator's latent weight has shape {tuple(weight.shape)}, "
                             f"expected (out_features, {latents.shape[1]}), one column per latent dimension")
        eigenvalues, components = factorize(weight, h["n_components"], h["normalize"])
        self.eigenvalues_, self.components_ = eigenvalues.float(), components.float()
        self.name_components(latents, generator, predictor)
        return self

    def summary(self):
        return {**super().summary(), "eigenvalues": self.eigenvalues_.tolist()}


METHOD = SeFa

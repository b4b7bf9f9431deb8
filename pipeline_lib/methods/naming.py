"""Naming unsupervised directions after the attributes, one attribute per direction.

GANSpace, SeFa and the discovery kind (``manifold``) find directions without labels. Each is
named afterwards from the predictor: the effect matrix ``(K, n_attr)`` holds the mean change of
every attribute under a +-shift along each direction on probe codes, and the attributes take
*distinct* directions, the assignment that maximises the summed |effect| (the Hungarian
algorithm, ``scipy.optimize.linear_sum_assignment``), each with the sign of its effect. Taking
each attribute's own argmax instead can name one direction for two attributes.
"""
from __future__ import annotations

import torch

from pipeline_lib.attributes.measure import predict
from pipeline_lib.methods.base import LinearDirections
from pipeline_lib.util.runtime import seeded


def probe_effects(shifts: torch.Tensor, probe: torch.Tensor, generator, predictor,
                  batch_size: int = 256) -> torch.Tensor:
    """Mean attribute change of a +-``shifts`` edit on (P, d) probe codes -> (K, n_attr), on the CPU.

    ``shifts``: (K, d), one latent shift per direction, or (K, P, d), one per direction and code.
    Half the difference between the predictions at ``z + shift`` and ``z - shift``, averaged over codes.
    """
    (k, d), p = (shifts.shape[0], shifts.shape[-1]), len(probe)
    shifts = shifts.to(probe).expand(k, p, d) if shifts.dim() == 3 else shifts.to(probe)[:, None].expand(k, p, d)
    shifted = probe + torch.stack([shifts, -shifts], 1)  # (K, 2, P, d)
    values = predict(generator, predictor, shifted.reshape(-1, d), batch_size).view(k, 2, p, -1)
    return (values[:, 0] - values[:, 1]).mean(1) / 2


def one_to_one(effects: torch.Tensor, method: str, setting: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, n_attr) effects -> the direction (n_attr,) and sign (n_attr,) of +-1 each attribute takes.

    Distinct directions for distinct attributes, maximising the summed |effect|; the sign is the
    effect's (+1 where it is exactly 0). ``method`` and ``setting`` (the one that sets K) name
    themselves in the error when K < n_attr.
    """
    from scipy.optimize import linear_sum_assignment  # imported here: only the naming methods need scipy

    k, n_attr = effects.shape
    if k < n_attr:
        raise ValueError(f"{method}: {n_attr} attributes need {n_attr} distinct directions to be named one-to-one, "
                         f"but only {k} were searched; raise {setting} to at least {n_attr}")
    _, directions = linear_sum_assignment(effects.detach().abs().T.cpu().double().numpy(), maximize=True)
    assignment = torch.as_tensor(directions, dtype=torch.long)
    chosen = effects.detach().cpu()[assignment, torch.arange(n_attr)]
    return assignment, torch.where(chosen < 0, -1.0, 1.0)


class NamedComponents(LinearDirections):
    """Linear directions from an unsupervised fit: unit ``components_`` (K, d), each attribute named one.

    A subclass's ``fit`` sets ``components_`` and calls :meth:`name_components`. Its settings include
    ``n_components``, ``probe`` (codes), ``sigma`` (probe edit in standard deviations of the codes
    along each component) and ``seed`` (the probe codes' draw).
    """

    def name_components(self, latents: torch.Tensor, generator, predictor) -> None:
        """Effects ``effects_`` (K, n_attr) on probe codes -> ``assignment_``, ``signs_``, ``directions_``."""
        h = self.hyper
        components = self.components_.to(latents)
        spread = (latents @ components.T).std(0)  # (K,) std of the codes along each component
        idx = torch.randperm(len(latents), generator=seeded(h["seed"]))[: h["probe"]]
        self.effects_ = probe_effects(h["sigma"] * spread[:, None] * components, latents[idx.to(latents.device)],
                                      generator, predictor)  # (K, n_attr)
        self.assignment_, self.signs_ = one_to_one(self.effects_, self.kind, "n_components")
        self.directions_ = self.signs_[:, None] * self.components_.cpu()[self.assignment_]

    def summary(self):
        return {"component_effects": self.effects_.tolist(), "assigned_component": self.assignment_.tolist(),
                "assigned_sign": self.signs_.tolist()}

"""The baseline SGF argues against: normalised gradient steps on ``C(G(z))`` toward the target.

Each step moves ``z`` by the strength increment along the unit gradient of
``sum_k w_k c_k(z)`` with ``w = target - c`` (detached): toward the target of every edited
entry, so a scalar target stops pulling once reached and a vector target is approached
along the steepest path of its squared distance. Nothing is fitted.
"""
from __future__ import annotations

import torch

from pipeline_lib.methods.base import EditMethod

SETTINGS = {}  # nothing to set: the step sizes are the strength increments


class GradientSteps(EditMethod):
    kind = "gradient"

    def fit(self, latents, labels, generator=None, predictor=None):
        return self

    def path(self, z, task, strengths, generator, predictor):
        return self.trace(z, task, strengths, generator, predictor)[0]

    def trace(self, z, task, strengths, generator, predictor):
        """Every step measures its start code: predictions for all codes but the last."""
        cols, target = list(task.columns), task.target.to(z)
        codes, measured, current = [z], [], z
        for step in strengths.to(z).diff():
            current = current.detach().requires_grad_(True)
            values = predictor(generator(current))  # (n, n_attr)
            c = values[:, cols]  # (n, k)
            (grad,) = torch.autograd.grad((c * (target - c).detach()).sum(), current)
            current = (current + step * grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-12)).detach()
            codes.append(current)
            measured.append(values.detach())
        return torch.stack(codes, dim=1), torch.stack(measured, dim=1)

    def state(self):
        return {}

    def load_state(self, state):
        return self


METHOD = GradientSteps

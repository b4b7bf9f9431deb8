"""The method interface, in the style of scikit-learn estimators.

Hyper-parameters go to the constructor; ``fit`` learns state into attributes ending in
``_``; ``path`` turns source codes and a task into codes at increasing strengths.
"""
from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import torch

from pipeline_lib.config.definitions import method_kinds
from pipeline_lib.data.generators import Generator
from pipeline_lib.attributes.predictor import AttributePredictor
from pipeline_lib.attributes.tasks import Task
from pipeline_lib.util.weights import save_checkpoint


class EditMethod:
    kind: ClassVar[str]  # its module's name, pipeline_lib/methods/<kind>.py

    def __init__(self, **hyper):
        """Every setting of the kind's ``SETTINGS``, defaults filled (``methods.build_method``)."""
        self.hyper = hyper

    def fit(self, latents: torch.Tensor, labels: torch.Tensor, generator: Generator,
            predictor: AttributePredictor) -> "EditMethod":
        """``latents`` (N, d), ``labels`` (N, n_attr) predicted attributes of those codes."""
        raise NotImplementedError

    def path(self, z: torch.Tensor, task: Task, strengths: torch.Tensor, generator: Generator,
             predictor: AttributePredictor) -> torch.Tensor:
        """``z`` (n, d), ``strengths`` (S+1,) from 0 -> codes (n, S+1, d), index 0 equal to ``z``."""
        raise NotImplementedError

    def trace(self, z: torch.Tensor, task: Task, strengths: torch.Tensor, generator: Generator,
              predictor: AttributePredictor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``path``'s codes (n, S+1, d) and the predictions ``C(G(.))`` (n, m, n_attr) the method made on
        the first m of them on the way (None: m = 0). The edit stage does not reuse them: it resamples the
        path at equal arc length (``editing.resample_by_length``) and measures the resampled codes."""
        return self.path(z, task, strengths, generator, predictor), None

    def state(self) -> dict:
        """Fitted state: tensors and plain data."""
        raise NotImplementedError

    def summary(self) -> dict:
        """Diagnostics of the fit worth reading, as plain lists and numbers."""
        return {}

    def load_state(self, state: dict) -> "EditMethod":
        raise NotImplementedError


class LinearDirections(EditMethod):
    """A method whose fitted state is one unit direction per attribute: ``directions_`` (n_attr, d).

    A task moves every code along a unit combination of its members' directions: ``z + s * v`` with
    ``|v| = 1``. For one attribute that is ``z + s * sign * n``. For a vector task the ray is aimed at the
    target point (``aimed_weights``) when a generator and predictor are given, else weighted by how far each
    member must go in attribute units.
    """

    def path(self, z, task, strengths, generator=None, predictor=None):
        directions = self.directions_[list(task.columns)].to(z)  # (k, d)
        weights = task.target - task.start  # (n, k)
        if task.kind == "vector" and generator is not None and predictor is not None:
            weights = aimed_weights(z, task, directions, generator, predictor)
        v = weights.to(z) @ directions  # (n, d)
        v = v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return z[:, None, :] + strengths.to(z)[None, :, None] * v[:, None, :]

    def state(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.endswith("_")}

    def load_state(self, state):
        for k, v in state.items():
            setattr(self, k, v)
        return self


def aimed_weights(z: torch.Tensor, task: Task, directions: torch.Tensor, generator: Generator,
                  predictor: AttributePredictor) -> torch.Tensor:
    """Weights (n, k) of the member directions (k, d) whose rays point at the task's target points under the
    linear model ``c(z + u) - c(z) = J u`` of the members: ``J w = target - start``, ``J_ij`` the mean over the
    codes ``z`` (n, d) of ``d c_i / d z . n_j`` (one gain matrix for all codes; per-code Jacobians of a
    curved predictor aim worse), solved by pseudo-inverse. Weighting by ``target - start`` alone aims in
    attribute units and misses the point when the members change at different rates per latent unit or
    their directions move each other."""
    cols, k = list(task.columns), len(task.columns)
    with torch.enable_grad():
        x = z.detach().requires_grad_(True)
        c = predictor(generator(x))[:, cols]  # (n, k)
        grads = [torch.autograd.grad(c[:, i].sum(), x, retain_graph=i < k - 1)[0] for i in range(k)]
    gains = (torch.stack(grads, 1) @ directions.T).mean(0)  # (k, k)
    return (task.target - task.start).to(z) @ torch.linalg.pinv(gains).T


def save_method(method: EditMethod, path: str | Path) -> None:
    """The kind, its fit settings and the fitted state; edit settings are given when it is loaded."""
    fit = {k: v for k, v in method.hyper.items() if method_kinds()[method.kind][k].role == "fit"}
    save_checkpoint({"method": method.kind, "hyper": fit, "state": method.state()}, path)

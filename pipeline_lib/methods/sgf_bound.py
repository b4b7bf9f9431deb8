"""An upper bound for SGF, not a method: SGF's closed-loop path with the oracle's exact attributes.

SGF steers by F's Jacobians, ``dz = (I - J_z)^{-1} J_c dc``, and measures ``c`` with the predictor.
Here both are the generator's own: ``c = a(z)`` is the oracle (``Generator.soft_attributes``, the
binary ``shape`` as the squareness the renderer draws), and each step is the least-norm change of
``z`` that changes ``a`` by ``dc`` to first order, ``dz = A^T (A A^T + damping I)^{-1} dc`` with
``A = Da(z)`` (n_attr x d, exact, by backward passes). The plan, the closed loop and the map from
strengths to time are SGF's (``sgf.integrate``), so the path is what SGF would do with a perfect F
and a perfect guide. ``damping`` keeps the step finite where gradients vanish or are collinear; the
price: a code whose squareness is saturated (``|s_0|`` beyond about 2) barely moves, so a few
``shape`` flips fail (5 of 200 codes at curvature 0.5 in a check; every continuous target arrived).
It is a bound on what steering by exact first-order attributes reaches, not on every method.

It reads the oracle by design, so params may only list it under ``benchmark.bounds`` (never
``benchmark.methods``), it runs only on datasets whose generator has an oracle, and every table and
figure marks it as a bound; rankings leave it out (``pipeline_lib/scoring/bounds.py``).
"""
from __future__ import annotations

import torch

from pipeline_lib.methods.base import EditMethod
from pipeline_lib.methods.sgf import attribute_jacobian, integrate, path_times

READS_ORACLE = True  # a bound: pipeline_lib/config/definitions.py reads this literal

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "t_max": ("edit", 1.5, "positive", "the path's end time (1 = planned arrival at the target), as SGF's"),
    "damping": ("edit", 1.0e-4, "positive", "Tikhonov term of the least-norm step A^T (A A^T + damping I)^-1 dc"),
}


def least_norm_step(jacobian: torch.Tensor, dc: torch.Tensor, damping: float) -> torch.Tensor:
    """``A^T (A A^T + damping I)^{-1} dc`` for A (n, k, d), dc (n, k) -> (n, d): the least-norm ``dz`` with
    ``A dz = dc``, damped (solved in float64; k is small)."""
    a = jacobian.double()
    gram = a @ a.transpose(1, 2)
    eye = torch.eye(gram.shape[1], dtype=gram.dtype, device=gram.device)
    return (a.transpose(1, 2) @ torch.linalg.solve(gram + damping * eye, dc.double()[..., None]))[..., 0].to(dc)


class SGFBound(EditMethod):
    kind = "sgf_bound"

    def fit(self, latents, labels, generator=None, predictor=None):
        return self

    def path(self, z, task, strengths, generator, predictor):
        if not generator.has_oracle:
            raise ValueError(f"sgf_bound reads the oracle, and generator {generator.kind!r} has none: "
                             f"list it in benchmark.bounds only for datasets with an oracle")
        oracle = generator.soft_attributes
        identity = lambda x: x  # noqa: E731  (the oracle reads codes)
        step = lambda x, c, dc: least_norm_step(attribute_jacobian(identity, oracle, x), dc,  # noqa: E731
                                                self.hyper["damping"])
        return integrate(z, task, path_times(strengths, self.hyper["t_max"]).to(z), oracle, step, True)[0]

    def state(self):
        return {}

    def load_state(self, state):
        return self


METHOD = SGFBound

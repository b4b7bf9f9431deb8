"""Direction discovery with a reconstructor (Voynov and Babenko, ICML 2020): what every discovery kind shares.

A kind (``manifold.py``, ``warped.py``) brings a shifter (``manifold_nets.Shifter``: one unit vector
field per direction, ``delta z = eps unit(z, e_k)``) and any loss terms of its own; this module
trains it with a reconstructor ``R(G(z), G(z + delta z))`` that must recover ``k`` (cross-entropy)
and ``eps`` (L1, weight ``shift_weight``), names the directions afterwards and traces paths. The
generator stays fixed; labels are unused.

Choices the sources leave open *(ours)*: codes are drawn from the fitted latents; ``eps`` is
uniform on ``[-eps_max, -eps_min] U [eps_min, eps_max]`` (Voynov's [-6, 6], |eps| >= 0.5, scaled
to the shapes latent); one Adam optimiser (``lr``) for every network. Directions are named from
the predictor: ``effects_`` (K, n_attr) is the mean change of each attribute under ``+-eps_probe``
along each direction, and the attributes take distinct directions, the one-to-one assignment of
largest summed |effect| (``naming.py``), each with the sign of its effect; so ``n_directions``
must be at least the number of attributes.
Paths: ``oneshot`` puts ``z + s unit(z, e_k)`` at strength ``s`` (a ray per code); ``steps``
integrates the field by Euler steps no longer than ``step_size`` (a curve).
"""
from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from pipeline_lib.methods.base import EditMethod
from pipeline_lib.methods.manifold_nets import Reconstructor, Shifter, unit_rows
from pipeline_lib.methods.naming import one_to_one, probe_effects
from pipeline_lib.util.progress import progress
from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.training import guarded_step


def reconstruction_losses(reconstructor: Reconstructor, before: torch.Tensor, after: torch.Tensor,
                          k: torch.Tensor, eps: torch.Tensor) -> dict:
    """Image pairs (n, 3, R, R), ``k`` (n,), ``eps`` (n,) -> ``direction`` (cross-entropy) and ``shift`` (L1)."""
    logits, shift = reconstructor(before, after)
    return {"direction": F.cross_entropy(logits, k), "shift": (shift - eps).abs().mean()}


def draw_shifts(n: int, n_directions: int, eps_min: float, eps_max: float,
                gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` (n,) uniform over directions, ``eps`` (n,) uniform with ``eps_min <= |eps| <= eps_max``."""
    k = torch.randint(n_directions, (n,), generator=gen)
    size = eps_min + (eps_max - eps_min) * torch.rand(n, generator=gen)
    sign = torch.randint(2, (n,), generator=gen) * 2 - 1
    return k, sign * size


def all_units(shifter: Shifter, z: torch.Tensor) -> torch.Tensor:
    """``z`` (n, d) -> every direction's unit shift at every code, (n, K, d)."""
    n, k = len(z), shifter.n_directions
    onehot = torch.eye(k).to(z).repeat(n, 1)  # (n K, K): code i's rows i K .. i K + K - 1
    return shifter.unit(z.repeat_interleave(k, 0), onehot).view(n, k, -1)


def combined_unit(shifter: Shifter, z: torch.Tensor, coeffs: torch.Tensor) -> torch.Tensor:
    """``z`` (n, d), ``coeffs`` (n, K) -> ``normalise(sum_k coeffs[:, k] unit(z, e_k))`` (n, d)."""
    eye = torch.eye(coeffs.shape[1]).to(z)
    active = coeffs.abs().sum(0).nonzero().flatten().tolist()
    total = sum((coeffs[:, k:k + 1] * shifter.unit(z, eye[k].expand(len(z), -1)) for k in active),
                torch.zeros_like(z))
    return unit_rows(total)


def trace(field, z: torch.Tensor, strengths: torch.Tensor, mode: str, step_size: float) -> torch.Tensor:
    """Codes (n, S+1, d) along the unit ``field(z (n, d)) -> (n, d)`` at ``strengths`` (S+1,) from 0.

    ``oneshot``: ``z + s field(z)``. ``steps``: Euler steps, each strength interval split into equal
    steps no longer than ``step_size``, so a code at strength ``s`` has travelled a path of length ``s``.
    """
    if mode == "oneshot":
        return z[:, None] + strengths[None, :, None] * field(z)[:, None]
    codes, x = [z], z
    for interval in strengths.diff().tolist():
        n = max(1, math.ceil(interval / step_size - 1e-9))
        for _ in range(n):
            x = x + interval / n * field(x)
        codes.append(x)
    return torch.stack(codes, 1)


@torch.no_grad()
def direction_effects(shifter: Shifter, eps_probe: float, probe: torch.Tensor, generator, predictor,
                      batch_size: int = 256) -> torch.Tensor:
    """Mean attribute change of a ``+-eps_probe`` shift along each direction on (P, d) codes -> (K, n_attr).

    The per-code analogue of GANSpace's and SeFa's effects (the same numbers for a linear shifter).
    """
    units = all_units(shifter, probe).transpose(0, 1)  # (K, P, d)
    return probe_effects(eps_probe * units, probe, generator, predictor, batch_size)


class ShiftDiscovery(EditMethod):
    """A shifter trained against a reconstructor, its directions named one-to-one.

    Subclasses set ``kind`` and ``terms`` (the loss terms their ``_losses`` returns, ``total`` last)
    and implement ``_make_shifter``; settings every discovery kind has: ``n_directions``,
    ``iterations``, ``batch_size``, ``lr``, ``eps_min``, ``eps_max``, ``eps_probe``, ``probe``,
    ``shift_weight``, ``seed``, ``step_size``.
    """

    terms: ClassVar[tuple[str, ...]] = ("direction", "shift", "total")

    def __init__(self, **hyper):
        if not 0 <= hyper["eps_min"] < hyper["eps_max"]:
            raise ValueError(f"{self.kind} needs 0 <= eps_min < eps_max, got {hyper['eps_min']}, {hyper['eps_max']}")
        super().__init__(**hyper)

    def _make_shifter(self, latent_dim: int, scale: float) -> Shifter:
        """A fresh shifter for codes of ``latent_dim``; ``scale``: the codes' mean norm (1 when loading)."""
        raise NotImplementedError

    def _extra_nets(self) -> dict[str, nn.Module]:
        """Trained modules of the kind's own loss terms (none by default)."""
        return {}

    def path_mode(self) -> str:
        return "steps"

    def _build(self, latent_dim: int, resolution: int | None = None, scale: float = 1.0) -> nn.ModuleDict:
        """Fresh networks initialised from ``seed`` without touching torch's global generator."""
        h = self.hyper
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(h["seed"])
            nets = nn.ModuleDict({"shifter": self._make_shifter(latent_dim, scale)})
            if resolution is not None:
                nets["reconstructor"] = Reconstructor(h["n_directions"], resolution)
                nets.update(self._extra_nets())
        return nets

    def _pairs(self, nets, latents, generator, gen, n):
        """Draw ``n`` codes, directions and shifts -> codes, images before (no grad), after, ``k``, ``eps``."""
        h = self.hyper
        idx = torch.randint(len(latents), (n,), generator=gen)
        k, eps = draw_shifts(n, h["n_directions"], h["eps_min"], h["eps_max"], gen)
        z, k, eps = latents[idx.to(latents.device)], k.to(latents.device), eps.to(latents)
        with torch.no_grad():
            before = generator(z)
        after = generator(z + nets["shifter"](z, F.one_hot(k, h["n_directions"]).to(z), eps))
        return z, before, after, k, eps

    def _losses(self, nets, z, before, after, k, eps) -> dict:
        """Every term of ``terms``: here ``total = direction + shift_weight shift``."""
        terms = reconstruction_losses(nets["reconstructor"], before, after, k, eps)
        terms["total"] = terms["direction"] + self.hyper["shift_weight"] * terms["shift"]
        return terms

    def _train(self, nets, latents, generator, gen) -> dict:
        """Adam on every network -> per-iteration history of each term."""
        h = self.hyper
        opt = torch.optim.Adam(nets.parameters(), lr=h["lr"])
        history = []
        for it in progress(range(h["iterations"]), f"fit {self.kind}"):
            terms = self._losses(nets, *self._pairs(nets, latents, generator, gen, h["batch_size"]))
            guarded_step(opt, terms["total"], lambda: (
                f"{self.kind} training: non-finite loss at iteration {it} ("
                + ", ".join(f"{n}={v.item():.3g}" for n, v in terms.items())
                + f"); lower lr (now {h['lr']}) or eps_max (now {h['eps_max']})"))
            history.append(torch.stack([terms[t].detach() for t in self.terms]))
        history = torch.stack(history).cpu() if history else torch.empty(0, len(self.terms))
        return {t: history[:, i] for i, t in enumerate(self.terms)}

    @torch.no_grad()
    def _accuracy(self, nets, latents, generator, gen) -> float:
        """Direction accuracy of the reconstructor on ``probe`` freshly drawn pairs."""
        _, before, after, k, _ = self._pairs(nets, latents, generator, gen, self.hyper["probe"])
        return (nets["reconstructor"](before, after)[0].argmax(1) == k).float().mean().item()

    def fit(self, latents, labels, generator, predictor):
        """``latents`` (N, d) from the generator's prior; ``labels`` unused; ``predictor`` names directions."""
        h = self.hyper
        gen = seeded(h["seed"])
        scale = latents.norm(dim=1).mean().item()
        nets = self._build(latents.shape[1], generator.resolution, scale).to(latents.device)
        self.history_ = self._train(nets, latents, generator, gen)
        self.accuracy_ = self._accuracy(nets, latents, generator, gen)
        probe = latents[torch.randperm(len(latents), generator=gen)[: h["probe"]].to(latents.device)]
        self.effects_ = direction_effects(nets["shifter"], h["eps_probe"], probe, generator, predictor).cpu()
        self.assignment_, self.signs_ = one_to_one(self.effects_, self.kind, "n_directions")  # (n_attr,) each
        self.shifter_ = nets["shifter"].cpu().requires_grad_(False)
        return self

    def coefficients(self, task) -> torch.Tensor:
        """(n, K) signed weight of each direction: member j adds ``(target - start)_j * sign_j`` to its direction."""
        cols = list(task.columns)
        signed = (task.target - task.start).cpu() * self.signs_[cols]  # (n, k)
        return signed @ F.one_hot(self.assignment_[cols], self.hyper["n_directions"]).to(signed)

    @torch.no_grad()
    def path(self, z, task, strengths, generator=None, predictor=None):
        coeffs = self.coefficients(task).to(z)
        shifter = self.shifter_.to(z.device)
        return trace(lambda x: combined_unit(shifter, x, coeffs), z, strengths.to(z), self.path_mode(),
                     self.hyper["step_size"])

    def state(self) -> dict:
        return {"shifter": {k: v.cpu() for k, v in self.shifter_.state_dict().items()},
                "latent_dim": self.shifter_.latent_dim, "history": self.history_, "accuracy": self.accuracy_,
                "effects": self.effects_, "assignment": self.assignment_, "signs": self.signs_}

    def load_state(self, state):
        self.shifter_ = self._build(state["latent_dim"])["shifter"].requires_grad_(False)
        self.shifter_.load_state_dict(state["shifter"])
        self.history_, self.accuracy_ = state["history"], state["accuracy"]
        self.effects_, self.assignment_, self.signs_ = state["effects"], state["assignment"], state["signs"]
        return self

    def summary(self):
        tail = {t: v[-50:].mean().item() for t, v in self.history_.items()}
        curves = {t: v[: len(v) // 50 * 50].view(-1, 50).mean(1).tolist() for t, v in self.history_.items()}
        return {"loss_history": curves, "direction_effects": self.effects_.tolist(),
                "assigned_direction": self.assignment_.tolist(), "assigned_sign": self.signs_.tolist(),
                "reconstructor_accuracy": self.accuracy_, "final_losses": tail}

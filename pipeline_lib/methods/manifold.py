"""Unsupervised direction discovery: Disentangled Manifolds and its linear special case.

``manifold`` (Lu, Lee, Tseng, Yang, arXiv 2011.11842, abstract only):
a mapper ``M(z, e_k, eps) -> delta z`` from one-hot directions to latent changes that depend
on the code, trained with a reconstructor ``R(G(z), G(z + M))`` that must recover ``k``
(cross-entropy) and ``eps`` (L1, weight 0.25) plus a centroid loss on R's embedding of the
pair. ``mapper: linear`` is Voynov and Babenko (ICML 2020): ``M = eps A[k]`` (params entry ``voynov_linear``).
The generator stays fixed; labels are unused. See ``manifold_nets.py`` for the networks.

Choices the sources leave open *(ours)*: codes are drawn from the fitted latents; ``eps`` is
uniform on ``[-eps_max, -eps_min] U [eps_min, eps_max]`` (Voynov's [-6, 6], |eps| >= 0.5, scaled
to the shapes latent); the centroid terms are on by default and off in the ``voynov_linear``
params entry (Voynov has none); directions are named afterwards from the predictor:
``effects_`` (K, n_attr) is the mean change of each attribute under ``+-eps_probe`` along each
direction, and the attributes take distinct directions, the one-to-one assignment of largest
summed |effect| (``naming.py``), each with the sign of its effect; so ``n_directions`` must be
at least the number of attributes.
``path_mode='oneshot'`` puts ``z + M(z, e_k, s)`` at strength ``s`` (a ray per code);
``'steps'`` integrates ``z_{j+1} = z_j + M(z_j, e_k, s_{j+1} - s_j)`` (a curve).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from pipeline_lib.util.progress import progress
from pipeline_lib.util.training import guarded_step
from pipeline_lib.util.runtime import seeded
from pipeline_lib.methods.base import EditMethod
from pipeline_lib.methods.naming import one_to_one, probe_effects
from pipeline_lib.methods.manifold_nets import CentroidLoss, DirectionMapper, LinearShifts, Reconstructor, Shifter, unit_rows

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
    "centroid_weight": ("fit", 1.0, "weight", "weight of the centroid loss; 0 switches it off (ablation)"),
    "center_weight": ("fit", 1.0, "weight", "the centroid loss's center-loss pull"),
    "ge2e_weight": ("fit", 1.0, "weight", "the centroid loss's GE2E softmax term"),
    "shift_weight": ("fit", 0.25, "weight", "weight of the reconstructor's shift L1"),
    "embed_dim": ("fit", 64, "count", "the reconstructor's pair embedding"),
    "seed": ("fit", 24, "seed", "initialisation and the pairs' draws"),
    "path_mode": ("edit", "oneshot", ["oneshot", "steps"],
                  "oneshot: z + M(z, e_k, s), a ray per code | steps: small repeated steps along M, a curve"),
}
TERMS = ("direction", "shift", "center", "ge2e", "total")


def discovery_losses(reconstructor: Reconstructor, centroid: CentroidLoss, before: torch.Tensor,
                     after: torch.Tensor, k: torch.Tensor, eps: torch.Tensor, hyper: dict) -> dict:
    """Image pairs (n, 3, R, R), ``k`` (n,), ``eps`` (n,) -> each term of ``TERMS`` (scalars).

    ``total = CE(k) + shift_weight |eps_hat - eps| + centroid_weight (center_weight center
    + ge2e_weight ge2e)``; with ``centroid_weight = 0`` the centroid terms are reported but
    not added, so they send no gradient.
    """
    logits, shift, embedding = reconstructor(before, after)
    center, ge2e = centroid(embedding, k)
    terms = {"direction": F.cross_entropy(logits, k), "shift": (shift - eps).abs().mean(),
             "center": center, "ge2e": ge2e}
    total = terms["direction"] + hyper["shift_weight"] * terms["shift"]
    if hyper["centroid_weight"]:
        total = total + hyper["centroid_weight"] * (hyper["center_weight"] * center + hyper["ge2e_weight"] * ge2e)
    terms["total"] = total
    return terms


def draw_shifts(n: int, n_directions: int, eps_min: float, eps_max: float,
                gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` (n,) uniform over directions, ``eps`` (n,) uniform with ``eps_min <= |eps| <= eps_max``."""
    k = torch.randint(n_directions, (n,), generator=gen)
    size = eps_min + (eps_max - eps_min) * torch.rand(n, generator=gen)
    sign = torch.randint(2, (n,), generator=gen) * 2 - 1
    return k, sign * size


def combined_unit(shifter: Shifter, z: torch.Tensor, coeffs: torch.Tensor) -> torch.Tensor:
    """``z`` (n, d), ``coeffs`` (n, K) -> ``normalise(sum_k coeffs[:, k] unit(z, e_k))`` (n, d)."""
    eye = torch.eye(coeffs.shape[1]).to(z)
    active = coeffs.abs().sum(0).nonzero().flatten().tolist()
    total = sum((coeffs[:, k:k + 1] * shifter.unit(z, eye[k].expand(len(z), -1)) for k in active),
                torch.zeros_like(z))
    return unit_rows(total)


def trace(field, z: torch.Tensor, strengths: torch.Tensor, mode: str) -> torch.Tensor:
    """Codes (n, S+1, d) along the unit ``field(z (n, d)) -> (n, d)`` at ``strengths`` (S+1,) from 0."""
    if mode == "oneshot":
        return z[:, None] + strengths[None, :, None] * field(z)[:, None]
    codes = [z]
    for step in strengths.diff():
        codes.append(codes[-1] + step * field(codes[-1]))
    return torch.stack(codes, 1)


@torch.no_grad()
def direction_effects(shifter: Shifter, eps_probe: float, probe: torch.Tensor, generator, predictor,
                      batch_size: int = 1024) -> torch.Tensor:
    """Mean attribute change of a ``+-eps_probe`` shift along each direction on (P, d) codes -> (K, n_attr).

    The per-code analogue of GANSpace's and SeFa's effects (the same numbers for a linear shifter).
    """
    n_dir, p = shifter.n_directions, len(probe)
    eye = torch.eye(n_dir).to(probe)
    units = torch.stack([shifter.unit(probe, eye[k].expand(p, -1)) for k in range(n_dir)])  # (K, P, d)
    return probe_effects(eps_probe * units, probe, generator, predictor, batch_size)


class ShiftDiscovery(EditMethod):
    """Direction discovery with a reconstructor: the non-linear mapper of Disentangled Manifolds, or
    (``mapper: linear``) Voynov and Babenko's direction matrix."""

    kind = "manifold"

    def __init__(self, **hyper):
        if not 0 <= hyper["eps_min"] < hyper["eps_max"]:
            raise ValueError(f"manifold needs 0 <= eps_min < eps_max, got {hyper['eps_min']}, {hyper['eps_max']}")
        super().__init__(**hyper)

    def _make_shifter(self, latent_dim: int) -> Shifter:
        h = self.hyper
        if h["mapper"] == "linear":
            return LinearShifts(latent_dim, h["n_directions"], h["linear_kind"])
        return DirectionMapper(latent_dim, h["n_directions"], h["width"])

    def _build(self, latent_dim: int, resolution: int | None = None) -> nn.ModuleDict:
        """Fresh networks initialised from ``seed`` without touching torch's global generator."""
        h = self.hyper
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(h["seed"])
            nets = nn.ModuleDict({"shifter": self._make_shifter(latent_dim)})
            if resolution is not None:
                nets["reconstructor"] = Reconstructor(h["n_directions"], resolution, h["embed_dim"])
                nets["centroid"] = CentroidLoss(h["n_directions"], h["embed_dim"])
        return nets

    def _pairs(self, nets, latents, generator, gen, n):
        """Draw ``n`` codes, directions and shifts -> images before (no grad), after, ``k``, ``eps``."""
        h = self.hyper
        idx = torch.randint(len(latents), (n,), generator=gen)
        k, eps = draw_shifts(n, h["n_directions"], h["eps_min"], h["eps_max"], gen)
        z, k, eps = latents[idx.to(latents.device)], k.to(latents.device), eps.to(latents)
        with torch.no_grad():
            before = generator(z)
        after = generator(z + nets["shifter"](z, F.one_hot(k, h["n_directions"]).to(z), eps))
        return before, after, k, eps

    def _train(self, nets, latents, generator, gen) -> dict:
        """Adam on shifter, reconstructor and centroids -> per-iteration history of each term."""
        h = self.hyper
        opt = torch.optim.Adam(nets.parameters(), lr=h["lr"])
        history = []
        for it in progress(range(h["iterations"]), f"fit {self.kind}"):
            pairs = self._pairs(nets, latents, generator, gen, h["batch_size"])
            terms = discovery_losses(nets["reconstructor"], nets["centroid"], *pairs, h)
            guarded_step(opt, terms["total"], lambda: (
                f"{self.kind} training: non-finite loss at iteration {it} ("
                + ", ".join(f"{n}={v.item():.3g}" for n, v in terms.items())
                + f"); lower lr (now {h['lr']}) or eps_max (now {h['eps_max']})"))
            history.append(torch.stack([terms[t].detach() for t in TERMS]))
        history = torch.stack(history).cpu() if history else torch.empty(0, len(TERMS))
        return {t: history[:, i] for i, t in enumerate(TERMS)}

    @torch.no_grad()
    def _accuracy(self, nets, latents, generator, gen) -> float:
        """Direction accuracy of the reconstructor on ``probe`` freshly drawn pairs."""
        before, after, k, _ = self._pairs(nets, latents, generator, gen, self.hyper["probe"])
        return (nets["reconstructor"](before, after)[0].argmax(1) == k).float().mean().item()

    def fit(self, latents, labels, generator, predictor):
        """``latents`` (N, d) from the generator's prior; ``labels`` unused; ``predictor`` names directions."""
        h = self.hyper
        gen = seeded(h["seed"])
        nets = self._build(latents.shape[1], generator.resolution).to(latents.device)
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
        return trace(lambda x: combined_unit(shifter, x, coeffs), z, strengths.to(z), self.hyper["path_mode"])

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
        return {"loss_history": curves, "direction_effects": self.effects_.tolist(), "assigned_direction": self.assignment_.tolist(),
                "assigned_sign": self.signs_.tolist(), "reconstructor_accuracy": self.accuracy_,
                "final_losses": tail}


METHOD = ShiftDiscovery

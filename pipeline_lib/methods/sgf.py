"""SGF: Surrogate Gradient Field (Li, Jin, Zhu, CVPR 2021).

An auxiliary mapping ``F(z, c) -> z`` is trained so that ``F(z, C(G(z))) = z``. Along a path
on which the attributes move at a constant rate, differentiating ``z(t) = F(z(t), c(t))`` gives

    dz/dt = (I - J_z)^{-1} J_c dc/dt,     J_z = dF/dz,  J_c = dF/dc  at (z(t), c(t)),

integrated by explicit Euler steps, the inverse by a K-term Neumann series. ``J_c dc`` and
``J_z u`` are exact Jacobian-vector products, batched over codes: ``AuxiliaryMapping.linearize``
runs F once at ``(z, c)`` and keeps what its tangent map needs, so the 1 + K products of a step
cost one matrix product per layer each, with no Jacobian formed and no forward repeated.

Choices of ours: the planned attributes ``c*(t) = c0 + t (c1 - c0)`` (c1: c0 with the task's
entries set to their targets) include the attributes to keep. In closed loop each step asks
for ``dc = c*(t + dt) - C(G(z))``, so drift of any attribute is steered back; in open loop
``dc = c*(t + dt) - c*(t)`` at ``c = c*(t)``. Strengths map to time linearly,
``t = t_max * s / s_max``; ``t_max > 1`` lets the path run past the target.

Solvers (edit setting ``solver``): ``neumann`` (the default, the paper's) truncates the series after
K terms; it converges only when J_z's spectral radius is below 1, and the residual of the K-term sum
is exactly the next term, ``|(I - J_z) S_K - v| = |J_z^{K+1} v|``. ``gmres`` solves
``(I - J_z) u = v`` per code by restarted GMRES on the same batched JVPs: exact up to ``krylov_tol``
whatever the spectral radius, at ``krylov_dim`` products per restart cycle. Nothing switches
automatically: the default edits stay the paper's.
"""
from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from pipeline_lib.util.progress import progress
from pipeline_lib.util.training import guarded_step
from pipeline_lib.util.runtime import seeded
from pipeline_lib.methods.base import EditMethod

log = logging.getLogger("latentbench")

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "width": ("fit", 256, "count", "hidden width of the auxiliary mapping F(z, c)"),
    "depth": ("fit", 4, "count", "modulated layers of F"),
    "epochs": ("fit", 60, "count", "upper bound on F's training epochs; early stopping on validation loss"),
    "batch_size": ("fit", 128, "count", "F's training batch"),
    "lr": ("fit", 0.001, "positive", "Adam's learning rate for F"),
    "val_fraction": ("fit", 0.1, "fraction", "share of the fit codes held out for early stopping"),
    "patience": ("fit", 10, "count", "epochs without a better validation loss before stopping"),
    "min_sensitivity": ("fit", 0.001, {"type": "number", "minimum": 0},
                        "Assumption 1: the fit fails when mean |dF/dc| of an attribute is below this"),
    "seed": ("fit", 23, "seed", "F's initialisation, batches and validation split"),
    "neumann_terms": ("edit", 3, "natural", "K in the Neumann series sum_{k=0..K} J_z^k of (I - J_z)^-1"),
    "t_max": ("edit", 1.5, "positive", "the path's end time (1 = planned arrival at the target)"),
    "closed_loop": ("edit", True, "flag", "re-measure c = C(G(z)) after every Euler step"),
    "solver": ("edit", "neumann", ["neumann", "gmres"],
               "how a step solves (I - J_z) u = J_c dc: K-term Neumann series, or restarted GMRES on the same JVPs"),
    "krylov_dim": ("edit", 32, "count", "solver gmres: Krylov subspace dimension per restart cycle"),
    "krylov_tol": ("edit", 1.0e-4, "positive",
                   "solver gmres: stop once |v - (I - J_z) u| / |v| is below this for every code (at most 10 cycles)"),
}

KRYLOV_CYCLES = 10  # GMRES restarts at the most


class ModulatedLayer(nn.Module):
    """Spectral-normalised linear -> layer norm -> AdaIN-like modulation by ``c`` -> LeakyReLU."""

    def __init__(self, d_in: int, d_out: int, c_dim: int):
        super().__init__()
        self.linear = spectral_norm(nn.Linear(d_in, d_out))
        self.norm = nn.LayerNorm(d_out, elementwise_affine=False)
        self.affine = nn.Linear(c_dim, 2 * d_out)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """(n, d_in), (n, c_dim) -> (n, d_out)."""
        scale, shift = self.affine(c).chunk(2, dim=-1)
        return nn.functional.leaky_relu((1 + scale) * self.norm(self.linear(h)) + shift, 0.2)


Tangent = Callable[[torch.Tensor | None, torch.Tensor | None], torch.Tensor]  # (dz, dc) -> J_z dz + J_c dc


class AuxiliaryMapping(nn.Module):
    """``F(z, c)``: (n, d), (n, c_dim) -> (n, d); ``c`` modulates every hidden layer."""

    def __init__(self, latent_dim: int, c_dim: int, width: int, depth: int):
        super().__init__()
        dims = [latent_dim] + [width] * depth
        self.layers = nn.ModuleList(ModulatedLayer(a, b, c_dim) for a, b in zip(dims[:-1], dims[1:]))
        self.out = spectral_norm(nn.Linear(width, latent_dim))

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = z
        for layer in self.layers:
            h = layer(h, c)
        return self.out(h)

    @torch.no_grad()
    def linearize(self, z: torch.Tensor, c: torch.Tensor) -> Tangent:
        """F's derivative at (z (n, d), c (n, c_dim)): ``tangent(dz, dc) = J_z dz + J_c dc`` (n, d), either may be None.

        Runs the forward once and keeps, per layer, the normalised pre-activation ``y``, the inverse
        standard deviation, the modulation gain ``1 + scale`` and the LeakyReLU slope.
        """
        weights = [layer.linear.weight for layer in self.layers]  # read once: spectral norm divides on access
        saved, h = [], z
        for layer, w in zip(self.layers, weights):
            a = h @ w.T + layer.linear.bias
            centred = a - a.mean(-1, keepdim=True)
            inv_std = torch.rsqrt(centred.square().mean(-1, keepdim=True) + layer.norm.eps)
            y = centred * inv_std
            scale, shift = layer.affine(c).chunk(2, dim=-1)
            m = (1 + scale) * y + shift
            slope = torch.full_like(m, 0.2).masked_fill_(m > 0, 1.0)  # in m's dtype (a float32 0.2 is off by 1.5e-8)
            saved.append((y, inv_std, 1 + scale, slope))
            h = nn.functional.leaky_relu(m, 0.2)
        out_weight = self.out.weight

        def tangent(dz: torch.Tensor | None, dc: torch.Tensor | None) -> torch.Tensor:
            t = dz
            for layer, w, (y, inv_std, gain, slope) in zip(self.layers, weights, saved):
                dm = 0.0
                if t is not None:
                    da = t @ w.T
                    da = da - da.mean(-1, keepdim=True)
                    dm = gain * inv_std * (da - y * (y * da).mean(-1, keepdim=True))
                if dc is not None:
                    d_scale, d_shift = (dc @ layer.affine.weight.T).chunk(2, dim=-1)
                    dm = dm + d_scale * y + d_shift
                t = dm * slope
            return t @ out_weight.T

        return tangent


def frozen(mapping: AuxiliaryMapping) -> AuxiliaryMapping:
    """The trained mapping with its spectral normalisation baked into plain weights, for editing.

    Spectral normalisation recomputes ``W / sigma(W)`` on every call; editing calls F 1 + K times a step.
    """
    mapping.eval()  # in training mode, reading the weight would run a power-iteration step
    for module in mapping.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return mapping.requires_grad_(False)


def train_mapping(mapping: AuxiliaryMapping, z: torch.Tensor, c: torch.Tensor, *, epochs: int, batch_size: int,
                  lr: float, val_fraction: float, patience: int, seed: int) -> dict[str, list[float]]:
    """MSE ``F(z, c) = z`` on (N, d) codes and (N, c_dim) attributes, early stopping on validation.

    Restores the weights of the best validation epoch; returns the per-epoch losses.
    """
    gen = seeded(seed)
    order = torch.randperm(len(z), generator=gen)
    n_val = max(int(len(z) * val_fraction), 1)
    val, train = order[:n_val], order[n_val:]
    opt = torch.optim.Adam(mapping.parameters(), lr=lr, betas=(0.5, 0.99))
    history: dict[str, list[float]] = {"train": [], "val": []}
    best, best_state, waited = float("inf"), None, 0
    for _ in progress(range(epochs), "train SGF mapping"):
        mapping.train()
        perm = train[torch.randperm(len(train), generator=gen)]
        losses = []
        for idx in perm.split(batch_size):
            loss = (mapping(z[idx], c[idx]) - z[idx]).square().mean()
            losses.append(guarded_step(opt, loss, lambda: "SGF mapping training produced a non-finite loss; "
                                                          "lower methods.sgf.lr"))
        mapping.eval()
        with torch.no_grad():
            val_loss = (mapping(z[val], c[val]) - z[val]).square().mean().item()
        if not math.isfinite(val_loss):
            raise FloatingPointError("SGF mapping validation loss is non-finite; check the labels for NaN")
        history["train"].append(sum(losses) / len(losses))
        history["val"].append(val_loss)
        if val_loss < best - 1e-6:
            best, waited = val_loss, 0
            best_state = {k: v.clone() for k, v in mapping.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    mapping.load_state_dict(best_state)
    mapping.eval()
    return history


def neumann_series(jz: Callable[[torch.Tensor], torch.Tensor], v: torch.Tensor, terms: int) -> torch.Tensor:
    """``sum_{k=0..K} J_z^k v`` ~ ``(I - J_z)^{-1} v`` for ``v`` (n, d), ``jz`` applying J_z to (n, d)."""
    total = u = v
    for _ in range(terms):
        u = jz(u)
        total = total + u
    return total


def neumann_step(mapping: AuxiliaryMapping, z: torch.Tensor, c: torch.Tensor, dc: torch.Tensor,
                 terms: int) -> torch.Tensor:
    """``(I - J_z)^{-1} J_c dc`` at (z (n, d), c (n, c_dim)) for dc (n, c_dim) -> (n, d)."""
    tangent = mapping.linearize(z, c)
    return neumann_series(lambda u: tangent(u, None), tangent(None, dc), terms)


def krylov_cycle(apply: Callable[[torch.Tensor], torch.Tensor], r: torch.Tensor, dim: int) -> torch.Tensor:
    """One GMRES cycle for ``A u = r``, every row of ``r`` (n, d) its own system: the ``u`` in the
    Krylov space ``span{r, A r, .., A^{m-1} r}`` (m = min(dim, d)) minimising ``|r - A u|``.

    Arnoldi with classical Gram-Schmidt done twice, batched over codes; the small least-squares
    problems (n, m + 1, m) are solved by pseudo-inverse, so a basis that breaks down early (the
    exact solution found, the next vector zero) leaves zero columns and no division by zero.
    """
    n, d = r.shape
    m = min(dim, d)
    beta = r.norm(dim=1)
    basis, hess = r.new_zeros(n, m + 1, d), r.new_zeros(n, m + 1, m)
    basis[:, 0] = r / beta.clamp_min(torch.finfo(r.dtype).tiny)[:, None]
    for j in range(m):
        w = apply(basis[:, j])
        scale = w.norm(dim=1)
        for _ in range(2):
            h = torch.einsum("nkd,nd->nk", basis[:, : j + 1], w)
            w = w - torch.einsum("nkd,nk->nd", basis[:, : j + 1], h)
            hess[:, : j + 1, j] += h
        norm = w.norm(dim=1)
        alive = norm > 100 * torch.finfo(r.dtype).eps * scale
        hess[:, j + 1, j] = torch.where(alive, norm, 0.0)
        basis[:, j + 1] = torch.where(alive[:, None], w / norm.clamp_min(torch.finfo(r.dtype).tiny)[:, None], 0.0)
    rhs = torch.zeros(n, m + 1, 1, dtype=r.dtype, device=r.device)
    rhs[:, 0, 0] = beta
    y = torch.linalg.pinv(hess) @ rhs  # (n, m, 1)
    return (basis[:, :m].transpose(1, 2) @ y)[..., 0]


def gmres(apply: Callable[[torch.Tensor], torch.Tensor], v: torch.Tensor, dim: int, tol: float,
          cycles: int = KRYLOV_CYCLES) -> tuple[torch.Tensor, torch.Tensor]:
    """``A u = v`` per row of ``v`` (n, d), ``apply`` giving ``A`` on (n, d): restarted GMRES(dim).

    Returns ``u`` (n, d) and the relative residuals ``|v - A u| / |v|`` (n,), computed afresh;
    stops when every one is below ``tol`` or after ``cycles`` cycles.
    """
    scale = v.norm(dim=1).clamp_min(torch.finfo(v.dtype).tiny)
    u, r = torch.zeros_like(v), v
    for _ in range(cycles):
        u = u + krylov_cycle(apply, r, dim)
        r = v - apply(u)
        if (r.norm(dim=1) <= tol * scale).all():
            break
    return u, r.norm(dim=1) / scale


def krylov_step(mapping: AuxiliaryMapping, z: torch.Tensor, c: torch.Tensor, dc: torch.Tensor, dim: int,
                tol: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``(I - J_z)^{-1} J_c dc`` like :func:`neumann_step`, solved by :func:`gmres`; and the residuals (n,)."""
    tangent = mapping.linearize(z, c)
    return gmres(lambda u: u - tangent(u, None), tangent(None, dc), dim, tol)


def jacobian_norms(mapping: AuxiliaryMapping, z: torch.Tensor, c: torch.Tensor,
                   iterations: int = 20) -> tuple[torch.Tensor, float]:
    """Per attribute, mean |dF/dc_a| over codes (c_dim,); and the largest |J_z u| / |u| by power iteration."""
    tangent = mapping.linearize(z, c)
    per_attribute = torch.stack([tangent(None, torch.zeros_like(c).index_fill_(1, torch.tensor([a]), 1.0))
                                 .norm(dim=1).mean() for a in range(c.shape[1])])
    u = torch.randn(z.shape, generator=seeded(0)).to(z)
    gain = torch.zeros(())
    for _ in range(iterations):
        u = tangent(u / u.norm(dim=1, keepdim=True), None)
        gain = u.norm(dim=1).max()
    return per_attribute, float(gain)


class SGF(EditMethod):
    kind = "sgf"

    def _mapping(self, latent_dim: int, c_dim: int) -> AuxiliaryMapping:
        return AuxiliaryMapping(latent_dim, c_dim, self.hyper["width"], self.hyper["depth"])

    def fit(self, latents, labels, generator=None, predictor=None):
        h = self.hyper
        torch.manual_seed(h["seed"])
        self.mapping_ = self._mapping(latents.shape[1], labels.shape[1]).to(latents.device)
        self.history_ = train_mapping(self.mapping_, latents, labels, epochs=h["epochs"], batch_size=h["batch_size"],
                                      lr=h["lr"], val_fraction=h["val_fraction"], patience=h["patience"],
                                      seed=h["seed"])
        probe = slice(0, min(len(latents), 512))
        sensitivity, self.jz_gain_ = jacobian_norms(self.mapping_, latents[probe], labels[probe])
        self.sensitivity_ = sensitivity.cpu()
        self.editor_ = frozen(copy.deepcopy(self.mapping_))
        if (self.sensitivity_ < h["min_sensitivity"]).any():
            weak = self.sensitivity_.tolist()
            raise RuntimeError(f"SGF's F ignores the attributes (Assumption 1 fails): mean |dF/dc| per attribute "
                               f"{weak} below min_sensitivity={h['min_sensitivity']}")
        return self

    def path(self, z, task, strengths, generator, predictor):
        return self.trace(z, task, strengths, generator, predictor)[0]

    def trace(self, z, task, strengths, generator, predictor):
        """Closed loop measures every code but the last on the way; open loop only the source."""
        h = self.hyper
        mapping = self.editor_.to(z.device)
        times = h["t_max"] * strengths.to(z) / strengths[-1].clamp_min(1e-12)
        with torch.no_grad():
            c0 = predictor(generator(z))
        c1 = c0.clone()
        c1[:, list(task.columns)] = task.target.to(c0)
        planned = lambda t: c0 + t * (c1 - c0)  # noqa: E731  (n, c_dim) attributes planned at time t
        codes, measured, residuals = [z], [c0], []
        for t_prev, t_next in zip(times[:-1], times[1:]):
            current = codes[-1]
            if h["closed_loop"] and len(measured) < len(codes):
                with torch.no_grad():
                    measured.append(predictor(generator(current)))
            c = measured[-1] if h["closed_loop"] else planned(t_prev)
            with torch.no_grad():
                codes.append(current + self._step(mapping, current, c, planned(t_next) - c, residuals))
        if residuals:
            log.info("SGF GMRES: worst relative residual %.2e over %d steps", max(residuals), len(residuals))
        return torch.stack(codes, dim=1), torch.stack(measured, dim=1)

    def _step(self, mapping, z, c, dc, residuals: list[float]) -> torch.Tensor:
        """``(I - J_z)^{-1} J_c dc`` by the chosen solver; GMRES appends its worst residual to ``residuals``."""
        h = self.hyper
        if h["solver"] == "neumann":
            return neumann_step(mapping, z, c, dc, h["neumann_terms"])
        step, residual = krylov_step(mapping, z, c, dc, h["krylov_dim"], h["krylov_tol"])
        residuals.append(float(residual.max()))
        return step

    def state(self):
        return {"mapping": self.mapping_.state_dict(), "latent_dim": self.mapping_.out.out_features,
                "c_dim": self.mapping_.layers[0].affine.in_features, "history": self.history_,
                "sensitivity": self.sensitivity_, "jz_gain": self.jz_gain_}

    def load_state(self, state):
        self.mapping_ = self._mapping(state["latent_dim"], state["c_dim"])
        self.mapping_.load_state_dict(state["mapping"])
        self.editor_ = frozen(copy.deepcopy(self.mapping_))
        self.history_, self.sensitivity_, self.jz_gain_ = state["history"], state["sensitivity"], state["jz_gain"]
        return self

    def summary(self):
        return {"loss_history": self.history_, "dF_dc_norm_per_attribute": self.sensitivity_.tolist(),
                "max_Jz_gain": self.jz_gain_}


METHOD = SGF

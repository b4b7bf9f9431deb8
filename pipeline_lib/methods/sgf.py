"""SGF: Surrogate Gradient Field (Li, Jin, Zhu, CVPR 2021).

An auxiliary mapping ``F(z, c) -> z`` is trained so that ``F(z, C(G(z))) = z``. Along a path
on which the attributes move at a constant rate, differentiating ``z(t) = F(z(t), c(t))`` gives

    dz/dt = (I - J_z)^{-1} J_c dc/dt,     J_z = dF/dz,  J_c = dF/dc  at (z(t), c(t)),

integrated by explicit Euler steps, the inverse by a K-term Neumann series. ``J_c dc`` and
``J_z u`` are exact Jacobian-vector products, batched over codes: ``AuxiliaryMapping.linearize``
runs F once at ``(z, c)`` and keeps what its tangent map needs, so the 1 + K products of a step
cost one matrix product per layer each, with no Jacobian formed and no forward repeated.

Choices of ours: the planned attributes ``c*(t) = c0 + t (c1 - c0)`` (c1: c0 with the task's
entries set to their targets) include the attributes to keep; a binary target (a probability) is
planned on the same line in logit space, toward 0.99 (or 0.01), so its plan stays inside (0, 1) at
every t (see :func:`plan`). In closed loop each step asks
for ``dc = c*(t + dt) - C(G(z))``, so drift of any attribute is steered back; in open loop
``dc = c*(t + dt) - c*(t)`` at ``c = c*(t)``. Strengths map to time linearly,
``t = t_max * s / s_max``; ``t_max > 1`` lets the path run past the target.

Training noise (fit settings ``noise_std``, ``noise_grid``, ``grid_epochs``): trained by plain MSE,
``F(z, C(G(z))) = z`` is best fitted by a near-identity in z that ignores c (issue 18). Trained as a
denoiser, ``F(z + sigma eps, C(G(z))) = z`` with eps standard normal, F must read c to undo the noise.
``noise_std: 0`` is the paper's training. ``auto`` chooses sigma by the guide alone (the predictor the
method is given; never an oracle): per sigma of ``noise_grid`` F is trained for ``grid_epochs`` from the
same seed, its response ``R`` (below) is measured on its held-out codes, and the sigma of least
``response_gap`` wins (ties: the smaller sigma), then F is trained in full at that sigma. ``response_gap``
is the median over codes and eigenvalues of ``|1 - lambda(R)|``: in closed loop each step asks for the
remaining gap ``dc`` and gets ``R dc``, so ``I - R`` is what one step leaves, per eigen-direction (0:
faithful; 1: F ignores c; above 1: the loop diverges). The off-target mass is not the criterion: it grows
with the on-target response (a ratio of about 1.5-3 at every sigma on shapes) and closed loop steers it
back; the eigenvalues say whether that loop converges. The fit report's ``noise`` holds the setting, the
grid, each candidate's response figures and the chosen sigma.

Solvers (edit setting ``solver``): ``neumann`` (the default, the paper's) truncates the series after
K terms; it converges only when J_z's spectral radius is below 1, and the residual of the K-term sum
is exactly the next term, ``|(I - J_z) S_K - v| = |J_z^{K+1} v|``. ``gmres`` solves
``(I - J_z) u = v`` per code by restarted GMRES on the same batched JVPs: exact up to ``krylov_tol``
whatever the spectral radius, at ``krylov_dim`` products per restart cycle. Nothing switches
automatically: the default edits stay the paper's, and the fit report says whether the series
converges on the real ``v`` (``neumann_term_norms``) and what GMRES leaves (``gmres_residual``).

Diagnostics after fitting, on held-out codes (the first ``PROBE_CODES`` of F's validation split, so
codes F was not trained on), written by ``summary()`` to the fit report:

- the response matrix ``R = D(C o G)(z) . J_c F(z, c)`` (n_attr x n_attr per code), ``R_ij`` the
  change of measured attribute i per unit change of attribute j requested through F (1 on the
  diagonal, 0 off it, is a faithful F). ``J_c F e_j`` comes from ``linearize``, ``D(C o G)`` from one
  backward pass of the predictor through the generator per attribute. Reported per attribute j:
  ``response_diagonal`` (median over codes of ``R_jj``), ``response_off_diagonal`` (median over
  codes of the column mass ``sum_{i != j} |R_ij|``: how much asking for j moves the others), and
  ``response_eigenvalues`` (per code the real parts of R's eigenvalues sorted ascending, the median
  over codes of each rank: a spectrum, not tied to attributes) with ``response_median_eigenvalue``,
  the median over codes and ranks, and ``response_gap``, the median of ``|1 - lambda|`` over codes and
  (complex) eigenvalues. The fit fails when some ``response_diagonal`` is below
  ``min_response``; F that ignores ``c`` has R = 0. Without a generator and predictor (the text
  workflow fits F on captions alone) there is no response and no check.
- ``Jz_spectral_radius``: per code ``|J_z^k u|^{1/k}`` by power iteration, max and median over codes.
- ``neumann_term_norms``: median over codes of ``|J_z^k v| / |v|``, k = 1..``PROBE_TERMS``, on the
  ``v = J_c dc`` of a probe step (code i asks for a unit change of attribute i mod n_attr; the
  ratios do not depend on the step's size or sign); they grow where the series diverges, and the
  (K+1)-th is the relative residual of the K-term series.
- ``gmres_residual``: GMRES's relative residual on the same step (default settings), max and median
  over codes.
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
    "min_response": ("fit", -0.01, {"type": "number"},
                     "the fit fails when an attribute's median on-target response R_aa on held-out codes "
                     "(measured change per requested change through F, 1 = faithful) is below this; the "
                     "default only lets today's F pass, which does not steer shape (R ~ 0): see the README"),
    "noise_std": ("fit", "auto", {"oneOf": [{"const": "auto"}, {"type": "number", "minimum": 0}]},
                  "training noise sigma (latent units): F(z + sigma eps, C(G(z))) = z; auto: the noise_grid value whose "
                  "short training leaves the least closed-loop gap |1 - eig R| of the guide's response on held-out codes"),
    "noise_grid": ("fit", [0.0, 0.25, 0.5, 1.0, 2.0],
                   {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 1, "uniqueItems": True},
                   "noise_std auto: the sigmas tried"),
    "grid_epochs": ("fit", 10, "count", "noise_std auto: epochs of each grid value's short training (at most epochs)"),
    "seed": ("fit", 23, "seed", "F's initialisation, batches, noise and validation split"),
    "neumann_terms": ("edit", 3, "natural", "K in the Neumann series sum_{k=0..K} J_z^k of (I - J_z)^-1"),
    "t_max": ("edit", 1.5, "positive", "the path's end time (1 = planned arrival at the target)"),
    "closed_loop": ("edit", True, "flag", "re-measure c = C(G(z)) after every Euler step"),
    "solver": ("edit", "neumann", ["neumann", "gmres"],
               "how a step solves (I - J_z) u = J_c dc: K-term Neumann series, or restarted GMRES on the same JVPs"),
    "krylov_dim": ("edit", 32, "count", "solver gmres: Krylov subspace dimension per restart cycle"),
    "krylov_tol": ("edit", 1.0e-4, "positive",
                   "solver gmres: stop once |v - (I - J_z) u| / |v| is below this for every code (at most 10 cycles)"),
}

PROBE_CODES = 256  # held-out codes the fit diagnostics read
PROBE_TERMS = 10  # Neumann term norms reported for k = 1..PROBE_TERMS
KRYLOV_CYCLES = 10  # GMRES restarts at the most
BINARY_PLAN_REACH = 0.99  # a binary target's planned probability at t = 1 (0.01 toward label 0): logit +-4.6


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
                  lr: float, val_fraction: float, patience: int, seed: int,
                  noise_std: float = 0.0) -> tuple[dict[str, list[float]], torch.Tensor]:
    """MSE ``F(z + sigma eps, c) = z`` on (N, d) codes and (N, c_dim) attributes, ``eps`` standard normal
    (``sigma = noise_std``; 0 is the paper's ``F(z, c) = z``), early stopping on validation.

    The validation codes get one fixed noise draw. Restores the weights of the best validation epoch;
    returns the per-epoch losses and the indices of the validation codes (in random order), which F
    was not trained on.
    """
    gen = seeded(seed)
    order = torch.randperm(len(z), generator=gen)
    n_val = max(int(len(z) * val_fraction), 1)
    val, train = order[:n_val], order[n_val:]

    def noisy(idx: torch.Tensor) -> torch.Tensor:  # no draw at sigma 0: the paper's training, unchanged
        return z[idx] + noise_std * torch.randn(len(idx), z.shape[1], generator=gen).to(z) if noise_std else z[idx]

    z_val = noisy(val)
    opt = torch.optim.Adam(mapping.parameters(), lr=lr, betas=(0.5, 0.99))
    history: dict[str, list[float]] = {"train": [], "val": []}
    best, best_state, waited = float("inf"), None, 0
    for _ in progress(range(epochs), "train SGF mapping"):
        mapping.train()
        perm = train[torch.randperm(len(train), generator=gen)]
        losses = []
        for idx in perm.split(batch_size):
            loss = (mapping(noisy(idx), c[idx]) - z[idx]).square().mean()
            losses.append(guarded_step(opt, loss, lambda: "SGF mapping training produced a non-finite loss; "
                                                          "lower methods.sgf.lr"))
        mapping.eval()
        with torch.no_grad():
            val_loss = (mapping(z_val, c[val]) - z[val]).square().mean().item()
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
    return history, val


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


def attribute_jacobian(generator: Callable, predictor: Callable, z: torch.Tensor) -> torch.Tensor:
    """``D(C o G)(z)`` (n, n_attr, d): one backward pass of the predictor through the generator per
    attribute, the generator's ``batch_size`` codes at a time (64 if it has none; codes do not
    interact, so the gradient of the batch's sum is each code's own)."""
    rows, chunk = [], getattr(generator, "batch_size", 64)
    for part in z.split(chunk):
        part = part.detach().requires_grad_(True)
        with torch.enable_grad():
            values = predictor(generator(part))  # (m, n_attr)
            grads = [torch.autograd.grad(values[:, i].sum(), part, retain_graph=i + 1 < values.shape[1])[0]
                     for i in range(values.shape[1])]
        rows.append(torch.stack(grads, dim=1))
    return torch.cat(rows)


def response_matrices(mapping: AuxiliaryMapping, generator: Callable, predictor: Callable, z: torch.Tensor,
                      c: torch.Tensor) -> torch.Tensor:
    """``R = D(C o G)(z) . J_c F(z, c)`` (n, n_attr, n_attr) at codes z (n, d) with attributes c (n, n_attr):
    ``R_ij``, the change of measured attribute i per unit change of attribute j requested through F."""
    tangent = mapping.linearize(z, c)
    eye = torch.eye(c.shape[1], dtype=c.dtype, device=c.device)
    jc = torch.stack([tangent(None, e.expand_as(c)) for e in eye], dim=2)  # (n, d, n_attr)
    return attribute_jacobian(generator, predictor, z) @ jc


def response_summary(r: torch.Tensor) -> dict[str, list[float] | float]:
    """Medians over codes of the response matrices r (n, k, k); see the module docstring."""
    r = r.detach().cpu().double()
    diagonal = r.diagonal(dim1=1, dim2=2)  # (n, k)
    off = r.abs().sum(1) - diagonal.abs()  # column j: sum_{i != j} |R_ij|
    complex_eigen = torch.linalg.eigvals(r)  # (n, k)
    eigen = complex_eigen.real.sort(dim=1).values
    median = lambda x: x.quantile(0.5, dim=0).tolist()  # noqa: E731
    return {"response_diagonal": median(diagonal), "response_off_diagonal": median(off),
            "response_eigenvalues": median(eigen), "response_median_eigenvalue": float(eigen.flatten().median()),
            "response_gap": float((1 - complex_eigen).abs().flatten().median())}


def spectral_radius(jz: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor, iterations: int = 40) -> torch.Tensor:
    """Per code (n,), ``|J_z^k u|^{1/k}`` over the second half of ``iterations`` power-iteration steps
    from a seeded random ``u``: the spectral radius of J_z (a geometric mean, so a complex pair of
    leading eigenvalues does not make it oscillate)."""
    tiny = torch.finfo(z.dtype).tiny
    u = torch.randn(z.shape, generator=seeded(0)).to(z)
    logs = []
    for _ in range(iterations):
        u = jz(u / u.norm(dim=1, keepdim=True).clamp_min(tiny))
        logs.append(u.norm(dim=1).clamp_min(tiny).log())
    return torch.stack(logs[iterations // 2:]).mean(0).exp()


@torch.no_grad()
def fit_diagnostics(mapping: AuxiliaryMapping, z: torch.Tensor, c: torch.Tensor, generator=None,
                    predictor=None) -> dict:
    """Everything the fit report says of F at held-out codes z (n, d) with attributes c (n, c_dim)."""
    tangent = mapping.linearize(z, c)
    jz = lambda u: tangent(u, None)  # noqa: E731
    radius = spectral_radius(jz, z)
    requested = torch.arange(len(c), device=c.device) % c.shape[1]  # code i asks for attribute i mod c_dim
    v = tangent(None, torch.eye(c.shape[1], dtype=c.dtype, device=c.device)[requested])
    terms, u = [], v
    for _ in range(PROBE_TERMS):
        u = jz(u)
        terms.append(u.norm(dim=1) / v.norm(dim=1).clamp_min(1e-12))
    defaults = {k: SETTINGS[k][1] for k in ("krylov_dim", "krylov_tol")}
    _, residual = gmres(lambda x: x - jz(x), v, defaults["krylov_dim"], defaults["krylov_tol"])
    out = {"Jz_spectral_radius": {"max": float(radius.max()), "median": float(radius.median())},
           "neumann_term_norms": torch.stack(terms).median(dim=1).values.tolist(),
           "gmres_residual": {"max": float(residual.max()), "median": float(residual.median())},
           "probe_codes": len(z)}
    if generator is not None and predictor is not None:
        out.update(response_summary(response_matrices(mapping, generator, predictor, z, c)))
    return out


def choose_noise(train: Callable, latents: torch.Tensor, labels: torch.Tensor, generator, predictor,
                 hyper: dict) -> dict:
    """noise_std auto: per sigma of ``noise_grid`` a short training (``grid_epochs``) by ``train(latents, labels,
    sigma, epochs) -> (F, losses, validation indices)``, the guide's response on its held-out codes, and the sigma
    of least ``response_gap`` (ties: the smaller). Returns the grid, each candidate's figures and the choice."""
    candidates = []
    for sigma in hyper["noise_grid"]:
        mapping, _, val = train(latents, labels, sigma, min(hyper["grid_epochs"], hyper["epochs"]))
        probe = val[:PROBE_CODES].to(latents.device)
        with torch.no_grad():
            summary = response_summary(response_matrices(frozen(mapping), generator, predictor, latents[probe],
                                                         labels[probe]))
        candidates.append({"noise_std": sigma, **summary})
        log.info("SGF noise_std %g: response gap %.3f, median eigenvalue %.3f", sigma, summary["response_gap"],
                 summary["response_median_eigenvalue"])
    best = min(candidates, key=lambda c: (c["response_gap"], c["noise_std"]))
    return {"grid": list(hyper["noise_grid"]), "grid_epochs": hyper["grid_epochs"], "candidates": candidates,
            "chosen": best["noise_std"]}


def plan(c0: torch.Tensor, columns: list[int], target: torch.Tensor,
         binary: bool) -> Callable[[torch.Tensor | float], torch.Tensor]:
    """The planned attributes ``c*(t)`` (n, c_dim) of a path from ``c0`` (n, c_dim) whose ``columns`` go to
    ``target`` (n, k) at t = 1, every other attribute kept at its start value.

    Continuous: ``c0 + t (c1 - c0)``. Binary (a probability, target 0 or 1): the same line in logit
    space toward ``BINARY_PLAN_REACH`` (0.99 or 0.01), so ``c*(t)`` stays inside (0, 1) for every t >= 0
    (the linear plan, ``1.5 - 0.5 c0`` at t = 1.5, would leave it).
    """
    moved = c0[:, columns]
    if binary:
        tiny = torch.finfo(c0.dtype).eps
        start = torch.logit(moved.clamp(tiny, 1 - tiny))
        end = torch.logit(target.clamp(1 - BINARY_PLAN_REACH, BINARY_PLAN_REACH))
        at = lambda t: torch.sigmoid(start + t * (end - start))  # noqa: E731
    else:
        at = lambda t: moved + t * (target - moved)  # noqa: E731

    def planned(t):
        c = c0.clone()
        c[:, columns] = at(t)
        return c

    return planned


def path_times(strengths: torch.Tensor, t_max: float) -> torch.Tensor:
    """Strengths (S+1,) from 0 -> path times (S+1,) from 0 to ``t_max``, linearly."""
    return t_max * strengths / strengths[-1].clamp_min(1e-12)


@torch.no_grad()
def integrate(z: torch.Tensor, task, times: torch.Tensor, measure: Callable[[torch.Tensor], torch.Tensor],
              step: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
              closed_loop: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Euler steps along the :func:`plan` of ``task`` from codes z (n, d) at ``times`` (S+1,).

    ``measure(z)`` gives the attributes c (n, c_dim), ``step(z, c, dc)`` the code change (n, d) that changes
    them by ``dc``. Closed loop asks each step for ``c*(t_next) - measure(z)``; open loop for
    ``c*(t_next) - c*(t_prev)`` at ``c*(t_prev)``. Returns the codes (n, S+1, d) and the measurements
    (n, m, c_dim) of the first m codes (closed loop: all but the last; open loop: the source).
    """
    c0 = measure(z)
    planned = plan(c0, list(task.columns), task.target.to(c0), binary=task.kind == "binary")
    codes, measured = [z], [c0]
    for t_prev, t_next in zip(times[:-1], times[1:]):
        current = codes[-1]
        if closed_loop and len(measured) < len(codes):
            measured.append(measure(current))
        c = measured[-1] if closed_loop else planned(t_prev)
        codes.append(current + step(current, c, planned(t_next) - c))
    return torch.stack(codes, dim=1), torch.stack(measured, dim=1)


def attribute_names(predictor, count: int) -> list[str]:
    """The predictor's attribute names, or a0, a1, .. for one without a schema."""
    schema = getattr(predictor, "schema", None)
    return list(schema.names) if schema is not None else [f"a{i}" for i in range(count)]


class SGF(EditMethod):
    kind = "sgf"

    def _mapping(self, latent_dim: int, c_dim: int) -> AuxiliaryMapping:
        return AuxiliaryMapping(latent_dim, c_dim, self.hyper["width"], self.hyper["depth"])

    def fit(self, latents, labels, generator=None, predictor=None):
        h = self.hyper
        if h["noise_std"] == "auto":
            if generator is None or predictor is None:
                raise ValueError("SGF noise_std: auto chooses sigma by the guide's response, which needs a generator "
                                 "and a predictor; set noise_std to a number for a fit without them")
            self.noise_ = {"setting": "auto", **choose_noise(self._train, latents, labels, generator, predictor, h)}
        else:
            self.noise_ = {"setting": h["noise_std"], "chosen": h["noise_std"]}
        sigma = self.noise_["chosen"]
        self.mapping_, self.history_, val = self._train(latents, labels, sigma, h["epochs"])
        self.editor_ = frozen(copy.deepcopy(self.mapping_))
        probe = val[:PROBE_CODES].to(latents.device)
        self.diagnostics_ = fit_diagnostics(self.editor_, latents[probe], labels[probe], generator, predictor)
        log.info("SGF fit diagnostics (noise_std %g): %s", sigma, self.diagnostics_)
        if "response_diagonal" in self.diagnostics_:
            weak = {a: r for a, r in zip(attribute_names(predictor, labels.shape[1]),
                                         self.diagnostics_["response_diagonal"]) if r < h["min_response"]}
            if weak:
                listed = ", ".join(f"{a} {r:.3g}" for a, r in weak.items())
                raise RuntimeError(f"SGF's F does not steer: the median on-target response R_aa = d C_a(G(z)) / d c_a "
                                   f"on {len(probe)} held-out codes is below min_response={h['min_response']} "
                                   f"for {listed} (1 = faithful; F may ignore c)")
        return self

    def _train(self, latents, labels, noise_std: float, epochs: int):
        """A fresh F (seeded) trained at ``noise_std`` for at most ``epochs``: (F, losses, validation indices)."""
        h = self.hyper
        torch.manual_seed(h["seed"])
        mapping = self._mapping(latents.shape[1], labels.shape[1]).to(latents.device)
        history, val = train_mapping(mapping, latents, labels, epochs=epochs, batch_size=h["batch_size"], lr=h["lr"],
                                     val_fraction=h["val_fraction"], patience=h["patience"], seed=h["seed"],
                                     noise_std=noise_std)
        return mapping, history, val

    def path(self, z, task, strengths, generator, predictor):
        return self.trace(z, task, strengths, generator, predictor)[0]

    def trace(self, z, task, strengths, generator, predictor):
        """Closed loop measures every code but the last on the way; open loop only the source."""
        h = self.hyper
        mapping, residuals = self.editor_.to(z.device), []
        codes, measured = integrate(z, task, path_times(strengths, h["t_max"]).to(z),
                                    lambda x: predictor(generator(x)),
                                    lambda x, c, dc: self._step(mapping, x, c, dc, residuals), h["closed_loop"])
        if residuals:
            log.info("SGF GMRES: worst relative residual %.2e over %d steps", max(residuals), len(residuals))
        return codes, measured

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
                "diagnostics": self.diagnostics_, "noise": self.noise_}

    def load_state(self, state):
        self.mapping_ = self._mapping(state["latent_dim"], state["c_dim"])
        self.mapping_.load_state_dict(state["mapping"])
        self.editor_ = frozen(copy.deepcopy(self.mapping_))
        self.history_, self.diagnostics_, self.noise_ = state["history"], state["diagnostics"], state["noise"]
        return self

    def summary(self):
        checked = {"min_response": self.hyper["min_response"]} if "response_diagonal" in self.diagnostics_ else {}
        return {"loss_history": self.history_, "noise": self.noise_, **self.diagnostics_, **checked}


METHOD = SGF

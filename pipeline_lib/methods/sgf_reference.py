"""SGF's step the slow, obvious way: dense per-code Jacobians. The yardstick that tests and
``bench.sgf_step`` hold the batched editor (``sgf.neumann_step``, ``sgf.krylov_step``) against."""
from __future__ import annotations

import torch
from torch.autograd.functional import jacobian


def dense_jacobians(mapping, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``z`` (n, d), ``c`` (n, c_dim) -> J_z (n, d, d) and J_c (n, d, c_dim) of F, one code at a time."""
    jz = [jacobian(lambda z_: mapping(z_[None], ci[None])[0], zi) for zi, ci in zip(z, c)]
    jc = [jacobian(lambda c_: mapping(zi[None], c_[None])[0], ci) for zi, ci in zip(z, c)]
    return torch.stack(jz), torch.stack(jc)


def full_jacobian_step(mapping, z: torch.Tensor, c: torch.Tensor, dc: torch.Tensor, terms: int) -> torch.Tensor:
    """``z`` (n, d), ``c`` and ``dc`` (n, c_dim) -> ``sum_{k<=terms} J_z^k J_c dc`` (n, d), forming
    J_z (d, d) and J_c (d, c_dim) per code."""
    out = []
    for jz, jc, dci in zip(*dense_jacobians(mapping, z, c), dc):
        v = u = jc @ dci
        for _ in range(terms):
            u = jz @ u
            v = v + u
        out.append(v)
    return torch.stack(out)


def dense_solve_step(mapping, z: torch.Tensor, c: torch.Tensor, dc: torch.Tensor) -> torch.Tensor:
    """``(I - J_z)^{-1} J_c dc`` (n, d) by ``torch.linalg.solve`` on the dense per-code Jacobians."""
    jz, jc = dense_jacobians(mapping, z, c)
    eye = torch.eye(z.shape[1], dtype=z.dtype, device=z.device)
    return torch.linalg.solve(eye - jz, (jc @ dc[..., None])[..., 0])

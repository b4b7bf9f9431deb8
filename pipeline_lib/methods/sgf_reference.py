"""SGF's step the slow, obvious way: dense per-code Jacobians. The yardstick that tests and
``bench.sgf_step`` hold the batched editor (``sgf.neumann_step``) against."""
from __future__ import annotations

import torch
from torch.autograd.functional import jacobian


def full_jacobian_step(mapping, z: torch.Tensor, c: torch.Tensor, dc: torch.Tensor, terms: int) -> torch.Tensor:
    """``z`` (n, d), ``c`` and ``dc`` (n, c_dim) -> ``sum_{k<=terms} J_z^k J_c dc`` (n, d), forming
    J_z (d, d) and J_c (d, c_dim) per code."""
    out = []
    for zi, ci, dci in zip(z, c, dc):
        jz = jacobian(lambda z_: mapping(z_[None], ci[None])[0], zi)
        jc = jacobian(lambda c_: mapping(zi[None], c_[None])[0], ci)
        v = u = jc @ dci
        for _ in range(terms):
            u = jz @ u
            v = v + u
        out.append(v)
    return torch.stack(out)

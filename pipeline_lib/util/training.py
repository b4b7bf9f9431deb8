"""The guarded optimiser step every training loop shares."""
from __future__ import annotations

from collections.abc import Callable

import torch


def guarded_step(opt: torch.optim.Optimizer, loss: torch.Tensor, explain: Callable[[], str]) -> float:
    """Backpropagate a scalar ``loss`` and step; a non-finite loss raises ``explain()`` before any update."""
    if not torch.isfinite(loss):
        raise FloatingPointError(explain())
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()

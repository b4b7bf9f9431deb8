"""Running ``C(G(z))`` and the oracle over many codes in batches."""
from __future__ import annotations

import itertools

import torch

from .generators import Generator
from .predictor import AttributePredictor


@torch.no_grad()
def measure(generator: Generator, predictor: AttributePredictor, z: torch.Tensor,
            batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``z`` (n, d) -> predicted attributes (n, n_attr) and oracle attributes (n, n_attr) or None."""
    device = next(itertools.chain(predictor.parameters(), predictor.buffers())).device
    preds, oracles = [], []
    for chunk in z.split(batch_size):
        chunk = chunk.to(device)
        preds.append(predictor(generator(chunk)).cpu())
        if generator.has_oracle:
            oracles.append(generator.attributes(chunk).cpu())
    return torch.cat(preds), (torch.cat(oracles) if oracles else None)

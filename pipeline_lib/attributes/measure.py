"""Running ``C(G(z))`` and the oracle over many codes in batches."""
from __future__ import annotations

import itertools

import torch
from torch import nn

from pipeline_lib.data.generators import Generator
from pipeline_lib.attributes.predictor import AttributePredictor


def _device(module: nn.Module) -> torch.device:
    return next(itertools.chain(module.parameters(), module.buffers())).device


@torch.no_grad()
def predict(generator: Generator, predictor: AttributePredictor, z: torch.Tensor, batch_size: int) -> torch.Tensor:
    """``z`` (n, d) -> predicted attributes ``C(G(z))`` (n, n_attr), on the CPU."""
    device = _device(predictor)
    return torch.cat([predictor(generator(chunk.to(device))).cpu() for chunk in z.split(batch_size)])


@torch.no_grad()
def oracle(generator: Generator, z: torch.Tensor, batch_size: int) -> torch.Tensor | None:
    """``z`` (n, d) -> the generator's own attributes (n, n_attr), or None when it has no oracle."""
    if not generator.has_oracle:
        return None
    device = _device(generator)
    return torch.cat([generator.attributes(chunk.to(device)).cpu() for chunk in z.split(batch_size)])


def measure(generator: Generator, predictor: AttributePredictor, z: torch.Tensor,
            batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``z`` (n, d) -> predicted attributes (n, n_attr) and oracle attributes (n, n_attr) or None."""
    return predict(generator, predictor, z, batch_size), oracle(generator, z, batch_size)

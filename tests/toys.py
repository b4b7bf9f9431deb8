"""Tiny stand-ins for a generator and a reader (guide or judge) with known, linear attributes, and for MDS tables."""
import pandas as pd
import torch
from torch import nn

METHODS = ("sgf", "ganspace")
TARGETS = {"shapes": ["hue", "size"], "digits": ["class", "slant", "thickness"]}


def toy_scores(targets: dict[str, list[str]] = TARGETS) -> pd.DataFrame:
    """Rows of mds.parquet for METHODS on each dataset's targets, every source: the i-th target of a
    dataset scores 0.1 * (i + 1) by the judge (0.5 more by the oracle, 0.05 more by the guide), its judge
    error 0.01 * (i + 1), its guide error 0.02 * (i + 1)."""
    return pd.DataFrame([
        {"dataset": dataset, "method": method, "attribute": target, "source": source,
         "mds": 0.1 * (i + 1) + {"judge": 0.0, "oracle": 0.5, "guide": 0.05}[source], "ci_low": 0.0,
         "ci_high": 1.0, "judge_error": 0.01 * (i + 1), "guide_error": 0.02 * (i + 1)}
        for dataset, names in targets.items() for method in METHODS for i, target in enumerate(names)
        for source in ("judge", "oracle", "guide")])


class IdentityGenerator(nn.Module):
    """'Images' are the codes themselves: (n, d) -> (n, d)."""

    has_oracle = False

    def forward(self, z):
        return z


class LinearPredictor(nn.Module):
    """c = sigmoid(z @ W^T) with W's rows orthonormal directions: (n, d) -> (n, k)."""

    def __init__(self, d: int, k: int, seed: int = 0):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(d, d, generator=torch.Generator().manual_seed(seed)))
        self.linear = nn.Linear(d, k, bias=False)
        self.linear.weight.data = q[:k].clone()
        self.requires_grad_(False)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


def opaque_generator():
    """A TorchScript generator (identity on 4-d codes): it exposes no weights and no hidden activations."""
    from pipeline_lib.data.generators import generator_class

    return generator_class("torchscript")(torch.jit.script(nn.Identity()), torch.zeros(1, dtype=torch.uint8),
                                          latent_dim=4, latent_space="z", resolution=4, output_range=(0.0, 1.0),
                                          precision="fp32", batch_size=4, output_resolution=None)

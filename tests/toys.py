"""Tiny stand-ins for a generator and a predictor with known, linear attributes."""
import torch
from torch import nn


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

"""Mode-collapse check: the class histogram of generated images against the real one.

A small classifier trained on the real images labels generated samples; the KL divergence
``KL(p_real || p_generated)`` (the generated histogram smoothed so a missing class costs a
finite amount) is recorded, and a value above the allowed maximum fails the stage.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from pipeline_lib.util.progress import progress
from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.training import guarded_step


class CollapseError(RuntimeError):
    pass


class ClassProbe(nn.Module):
    """(n, C, R, R) -> (n, n_classes) logits; R a multiple of 4."""

    def __init__(self, channels: int, resolution: int, n_classes: int, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(2 * width * (resolution // 4) ** 2, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_class_probe(images: torch.Tensor, classes: torch.Tensor, *, epochs: int = 15, seed: int = 0) -> ClassProbe:
    """Fit a probe on (N, C, R, R) images and (N,) classes with Adam; returns it in eval mode."""
    probe = ClassProbe(images.shape[1], images.shape[-1], int(classes.max()) + 1).to(images.device)
    opt = torch.optim.Adam(probe.parameters(), lr=2e-3)
    draws = seeded(seed)
    for _ in progress(range(epochs), "train class probe"):
        order = torch.randperm(len(images), generator=draws)
        for idx in order.split(64):
            guarded_step(opt, F.cross_entropy(probe(images[idx]), classes[idx]),
                         lambda: "class probe training produced a non-finite loss")
    return probe.eval()


@torch.no_grad()
def class_histogram(probe: ClassProbe, images: torch.Tensor, n_classes: int) -> torch.Tensor:
    """(N, C, R, R) -> (n_classes,) fraction of images the probe assigns to each class."""
    labels = torch.cat([probe(chunk).argmax(1) for chunk in images.split(1024)])
    return torch.bincount(labels.cpu(), minlength=n_classes).double() / len(labels)


def histogram_kl(real: torch.Tensor, generated: torch.Tensor, smoothing: float = 1e-3) -> float:
    """KL(real || generated) in nats, ``generated`` mixed with ``smoothing`` of the uniform histogram."""
    q = (1 - smoothing) * generated + smoothing / len(generated)
    p = real[real > 0]
    return float((p * (p / q[real > 0]).log()).sum())


def check_collapse(kl: float, max_kl: float, real: torch.Tensor, generated: torch.Tensor) -> None:
    """Raise CollapseError naming the divergence and both histograms when ``kl > max_kl``."""
    if kl > max_kl:
        fmt = lambda h: " ".join(f"{v:.2f}" for v in h.tolist())  # noqa: E731
        raise CollapseError(f"generated samples have collapsed: class-histogram KL {kl:.3f} > "
                            f"max_class_kl {max_kl} (real: {fmt(real)}; generated: {fmt(generated)}); "
                            "train longer, change generator.seed or lower generator.lr")

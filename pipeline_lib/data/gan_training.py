"""Training a GAN generator on real images: hinge loss, spectrally normalised discriminator."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm

from pipeline_lib.data.generators.conv_gan import ConvGenerator
from pipeline_lib.util.progress import progress
from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.training import guarded_step


class Discriminator(nn.Module):
    """(n, C, R, R) -> (n,) realness scores; every layer spectrally normalised (1-Lipschitz)."""

    def __init__(self, channels: int, resolution: int, width: int = 64):
        super().__init__()
        layers, c, r = [spectral_norm(nn.Conv2d(channels, width, 3, padding=1)), nn.LeakyReLU(0.2)], width, resolution
        while r > 4:
            layers += [spectral_norm(nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            c, r = 2 * c, r // 2
        self.net = nn.Sequential(*layers, nn.Flatten(), spectral_norm(nn.Linear(c * r * r, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


def train_gan(gen: ConvGenerator, images: torch.Tensor, *, iterations: int, batch_size: int, lr: float,
              seed: int, log_every: int = 50) -> dict[str, list[float]]:
    """Hinge-loss GAN on (N, C, R, R) images; returns the mean D and G losses per ``log_every`` iterations.

    Adam with beta1 = 0.5, the discriminator at twice the generator's rate (TTUR); one D step per G step.
    """
    device = next(gen.parameters()).device
    disc = Discriminator(gen.channels, gen.resolution, gen.width).to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2 * lr, betas=(0.5, 0.999))
    draws = seeded(seed)
    history: dict[str, list[float]] = {"discriminator": [], "generator": []}
    window: dict[str, list[float]] = {"discriminator": [], "generator": []}
    nan = lambda: "GAN training produced a non-finite loss; lower generator.lr"  # noqa: E731
    gen.train()
    for it in progress(range(iterations), "train GAN"):
        real = images[torch.randint(len(images), (batch_size,), generator=draws)].to(device)
        z = torch.randn(batch_size, gen.latent_dim, generator=draws).to(device)
        fake = gen.raw(z)
        d_loss = F.relu(1 - disc(real)).mean() + F.relu(1 + disc(fake.detach())).mean()
        window["discriminator"].append(guarded_step(opt_d, d_loss, nan))
        window["generator"].append(guarded_step(opt_g, -disc(fake).mean(), nan))
        if (it + 1) % log_every == 0 or it + 1 == iterations:
            for key, values in window.items():
                history[key].append(sum(values) / len(values))
                values.clear()
    gen.eval()
    return history

"""``stylegan2``: StyleGAN2 (Karras et al., 2020) in plain PyTorch, from rosinality-layout checkpoints.

Mapping: PixelNorm then ``n_mlp`` EqualLinear + fused LeakyReLU layers, z (n, style_dim) -> w.
Synthesis: a learned 4x4 constant, one StyledConv and ToRGB at 4x4, then per doubling an
upsampling StyledConv, a StyledConv and a ToRGB whose output adds to the upsampled skip image;
every layer gets the same w (no style mixing). Output (n, 3, R, R) in about [-1, 1].

Truncation: ``w <- w_avg + truncation * (w - w_avg)`` with ``w_avg`` the checkpoint's
``latent_avg`` or the mean of seeded mapped samples (see :meth:`StyleGAN2Generator.from_file`). In Z space
it is part of every forward; in W space :meth:`sample` applies it and edits then move freely.
Noise: ``const`` uses the checkpoint's ``noises.noise_i`` buffers (a deterministic image per
code); ``random`` draws fresh noise on every call from torch's (seeded) global generator.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch
from torch import nn

from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.weights import WeightFileError, check_state_dict, load_checkpoint
from pipeline_lib.data.generators.pretrained import PretrainedGenerator
from pipeline_lib.data.generators.stylegan2_layers import ConstantInput, EqualLinear, PixelNorm, StyledConv, ToRGB

ORIGIN = "imported"
SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "path": ("stage", ..., "path", "the user's rosinality-layout checkpoint (its g_ema)"),
    "resolution": ("model", ..., {"enum": [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]}, "output side"),
    "style_dim": ("model", ..., "count", "size of z and w"),
    "n_mlp": ("model", ..., "count", "layers of the mapping network"),
    "latent_space": ("model", ..., ["z", "w"], "the codes edits move: prior draws z or mapped w"),
    "channel_multiplier": ("model", 2, "count", "the checkpoint's channel multiplier"),
    "channel_max": ("model", None, {"type": ["integer", "null"], "minimum": 1},
                    "cap on feature maps, only for checkpoints narrower than the standard layout"),
    "lr_mlp": ("model", 0.01, "positive", "the mapping network's equalised learning-rate multiplier"),
    "truncation": ("model", 1.0, {"type": "number", "minimum": 0, "maximum": 1}, "w <- w_avg + truncation (w - w_avg)"),
    "noise": ("model", "const", ["const", "random"], "const: the checkpoint's noise buffers; random: fresh noise"),
    "precision": ("model", "fp32", "precision", "autocast for the generator's forward"),
    "batch_size": ("model", 16, "count", "codes per network call"),
    "output_resolution": ("model", None, {"type": ["integer", "null"], "minimum": 4},
                          "resize the images to this side (null: keep the network's)"),
    "mean_samples": ("stage", 10000, "count", "mapped draws estimating w_avg when the file lacks latent_avg"),
    "mean_seed": ("stage", 0, "seed", "their draw"),
}
ARCHITECTURE = ("resolution", "style_dim", "n_mlp", "channel_multiplier", "channel_max", "lr_mlp")


def channels_at(res: int, channel_multiplier: int, channel_max: int | None) -> int:
    """Feature maps at resolution ``res``: 512 up to 32x32, then 2^14 * multiplier / res (capped)."""
    c = 512 if res <= 32 else 2**14 * channel_multiplier // res
    return min(c, channel_max) if channel_max else c


class StyleGAN2Generator(PretrainedGenerator):
    kind = "stylegan2"

    def __init__(self, resolution: int, style_dim: int, n_mlp: int, channel_multiplier: int,
                 channel_max: int | None, lr_mlp: float, latent_space: str, truncation: float, noise: str,
                 precision: str, batch_size: int, output_resolution: int | None, output_range=(-1.0, 1.0)):
        super().__init__(style_dim, latent_space, resolution, output_range, precision, batch_size, output_resolution)
        log_res = math.log2(resolution)
        if resolution < 4 or log_res != int(log_res):
            raise ValueError(f"stylegan2 needs a power-of-two resolution >= 4, got {resolution}")
        if noise not in ("const", "random"):
            raise ValueError(f"stylegan2 noise must be 'const' or 'random', got {noise!r}")
        self.arch = dict(resolution=resolution, style_dim=style_dim, n_mlp=n_mlp,
                         channel_multiplier=channel_multiplier, channel_max=channel_max, lr_mlp=lr_mlp)
        self.truncation, self.noise_mode = truncation, noise
        ch = lambda r: channels_at(r, channel_multiplier, channel_max)  # noqa: E731
        self.style = nn.Sequential(PixelNorm(), *(EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activate=True)
                                                  for _ in range(n_mlp)))
        self.input = ConstantInput(ch(4))
        self.conv1 = StyledConv(ch(4), ch(4), style_dim)
        self.to_rgb1 = ToRGB(ch(4), style_dim, upsample=False)
        self.convs, self.to_rgbs, self.noises = nn.ModuleList(), nn.ModuleList(), nn.Module()
        self.num_layers = 2 * (int(log_res) - 2) + 1
        for i in range(self.num_layers):  # layer i works at 2^((i + 5) // 2)
            side = 2 ** ((i + 5) // 2)
            self.noises.register_buffer(f"noise_{i}", torch.randn(1, 1, side, side))
        for res in (2**k for k in range(3, int(log_res) + 1)):
            self.convs.append(StyledConv(ch(res // 2), ch(res), style_dim, upsample=True))
            self.convs.append(StyledConv(ch(res), ch(res), style_dim))
            self.to_rgbs.append(ToRGB(ch(res), style_dim))
        self.register_buffer("w_avg", torch.zeros(style_dim))

    def config(self) -> dict:
        return {**self.arch, **self.options(), "truncation": self.truncation, "noise": self.noise_mode}

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """z (n, style_dim) -> w (n, style_dim); W-space samples are truncated here."""
        w = self.style(z)
        return self.truncate(w) if self.latent_space == "w" else w

    def truncate(self, w: torch.Tensor) -> torch.Tensor:
        return w if self.truncation == 1 else self.w_avg + self.truncation * (w - self.w_avg)

    def synthesize(self, codes: torch.Tensor) -> torch.Tensor:
        w = codes if self.latent_space == "w" else self.truncate(self.style(codes))
        noise = [getattr(self.noises, f"noise_{i}") if self.noise_mode == "const" else None
                 for i in range(self.num_layers)]
        x = self.conv1(self.input(len(w)), w, noise[0])
        skip = self.to_rgb1(x, w)
        for k, to_rgb in enumerate(self.to_rgbs):
            x = self.convs[2 * k](x, w, noise[2 * k + 1])
            x = self.convs[2 * k + 1](x, w, noise[2 * k + 2])
            skip = to_rgb(x, w, skip)
        return skip

    def latent_weight(self) -> torch.Tensor:
        """The first linear maps of the codes, as SeFa factorises them (scaled as they run).

        W space: every StyledConv's style modulation ``w -> style`` (``conv1`` and ``convs``, the
        ToRGB layers left out as in rosinality's ``closed_form_factorization.py``), stacked:
        (sum of their input channels, style_dim). Z space: the mapping network's first EqualLinear
        (style_dim, style_dim), the first linear map ``z`` meets (after PixelNorm, which only rescales
        each code); the modulations act on ``w``, a non-linear function of ``z``.
        """
        if self.latent_space == "z":
            first = self.style[1]
            return first.weight * first.scale
        layers = [self.conv1, *self.convs]
        return torch.cat([layer.conv.modulation.weight * layer.conv.modulation.scale for layer in layers])

    @classmethod
    def from_file(cls, path: str | Path, device: torch.device, mean_samples: int, mean_seed: int,
                  **config) -> "StyleGAN2Generator":
        """Build the architecture ``config`` declares and load the checkpoint into it, checking every key and shape."""
        state, latent_avg = read_checkpoint(path)
        gen = cls(**config)
        arch = ", ".join(f"{k}={gen.arch[k]}" for k in ARCHITECTURE)
        check_state_dict(gen.checkpoint_state(), state, f"{path} does not fit a StyleGAN2 generator with {arch}")
        gen.load_state_dict(state, strict=False)
        gen = gen.to(device).eval().requires_grad_(False)
        if latent_avg is not None:
            if latent_avg.numel() != gen.latent_dim:
                raise WeightFileError(f"{path}: latent_avg has shape {tuple(latent_avg.shape)}, "
                                      f"expected ({gen.latent_dim},)")
            gen.w_avg.copy_(latent_avg.reshape(-1))
        else:
            gen.w_avg.copy_(mean_w(gen, mean_samples, mean_seed))
        return gen

    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        """The entries a rosinality ``g_ema`` state dict must hold for this architecture."""
        return {k: v for k, v in self.state_dict().items() if k != "w_avg"}


def read_checkpoint(path: str | Path) -> tuple[dict, torch.Tensor | None]:
    """A rosinality checkpoint -> (its ``g_ema`` state dict, its ``latent_avg`` or None).

    Training checkpoints also hold their argparse ``args``; that one class is allowed to unpickle.
    """
    with torch.serialization.safe_globals([argparse.Namespace]):
        ckpt = load_checkpoint(path)
    if "g_ema" not in ckpt or not isinstance(ckpt["g_ema"], dict):
        raise WeightFileError(f"{path} is not a rosinality stylegan2-pytorch checkpoint: it has no 'g_ema' "
                              f"state dict (entries: {sorted(ckpt)[:10]})")
    return ckpt["g_ema"], ckpt.get("latent_avg")


def mean_w(gen: StyleGAN2Generator, samples: int, seed: int) -> torch.Tensor:
    """(style_dim,) mean of ``samples`` mapped seeded prior draws (no truncation)."""
    z = torch.randn(samples, gen.latent_dim, generator=seeded(seed))
    with torch.no_grad():
        total = sum(gen.style(c.to(gen.device)).double().sum(0) for c in z.split(gen.batch_size * 64))
    return (total / samples).float()


GENERATOR = StyleGAN2Generator

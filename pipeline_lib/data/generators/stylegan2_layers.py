"""StyleGAN2 building blocks in plain PyTorch, named like rosinality's stylegan2-pytorch checkpoints.

Parameter and buffer names match that layout exactly, so its ``g_ema`` state dict loads as is.
No custom CUDA ops: the fused bias + leaky ReLU is ``leaky_relu(x + b, 0.2) * sqrt(2)`` and
``upfirdn2d`` is zero insertion, padding and a depthwise ``conv2d`` with the FIR kernel.
Equalised learning rate: weights are stored unscaled and multiplied by ``lr_mul / sqrt(fan_in)``
at run time (biases by ``lr_mul``).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

BLUR = (1, 3, 3, 1)


def fir_kernel(taps=BLUR, gain: float = 1.0) -> torch.Tensor:
    """Separable FIR taps (k,) -> normalised 2-D kernel (k, k) summing to ``gain``."""
    k = torch.tensor(taps, dtype=torch.float32)
    k = k[None, :] * k[:, None]
    return k / k.sum() * gain


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, pad: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """(n, c, h, w): insert ``up - 1`` zeros after every sample, pad both sides, convolve with ``kernel`` (k, k).

    Output (n, c, h * up + pad0 + pad1 - k + 1, same for w); the kernel is flipped (a true convolution).
    """
    n, c, h, w = x.shape
    if up > 1:
        x = F.pad(x.reshape(n, c, h, 1, w, 1), (0, up - 1, 0, 0, 0, up - 1)).reshape(n, c, h * up, w * up)
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    weight = torch.flip(kernel, (0, 1)).to(x.dtype).expand(c, 1, *kernel.shape)
    return F.conv2d(x, weight, groups=c)


def fused_leaky_relu(x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Bias (c,) added on dim 1, LeakyReLU(0.2), gain sqrt(2)."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return F.leaky_relu(x + bias.view(shape), 0.2) * math.sqrt(2.0)


class PixelNorm(nn.Module):
    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    """(n, in) -> (n, out); ``activate`` applies the fused leaky ReLU with the bias."""

    def __init__(self, in_dim: int, out_dim: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activate: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale, self.lr_mul, self.activate = lr_mul / math.sqrt(in_dim), lr_mul, activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.activate:
            return fused_leaky_relu(F.linear(x, self.weight * self.scale), self.bias * self.lr_mul)
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class Blur(nn.Module):
    def __init__(self, pad: tuple[int, int], gain: float = 1.0):
        super().__init__()
        self.register_buffer("kernel", fir_kernel(gain=gain))
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    """(n, c, h, w) -> (n, c, 2h, 2w) by zero insertion and the FIR filter (gain 4)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("kernel", fir_kernel(gain=4.0))
        self.pad = (2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=2, pad=self.pad)


class ModulatedConv2d(nn.Module):
    """Per-sample weights: scaled by the style (n, style_dim) -> (n, in), optionally demodulated.

    ``upsample`` doubles the resolution with a stride-2 transposed convolution and a blur.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, style_dim: int, demodulate: bool = True,
                 upsample: bool = False):
        super().__init__()
        self.in_ch, self.out_ch, self.k = in_ch, out_ch, kernel_size
        self.weight = nn.Parameter(torch.randn(1, out_ch, in_ch, kernel_size, kernel_size))
        self.modulation = EqualLinear(style_dim, in_ch, bias_init=1.0)
        self.scale = 1 / math.sqrt(in_ch * kernel_size**2)
        self.demodulate, self.upsample = demodulate, upsample
        if upsample:  # taps 4, factor 2, kernel 3: pads (1, 1) after the transposed convolution
            p = (len(BLUR) - 2) - (kernel_size - 1)
            self.blur = Blur(((p + 1) // 2 + 1, p // 2 + 1), gain=4.0)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        s = self.modulation(style).view(n, 1, self.in_ch, 1, 1)
        weight = self.scale * self.weight * s  # (n, out, in, k, k)
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.square().sum((2, 3, 4)) + 1e-8).view(n, self.out_ch, 1, 1, 1)
        x = x.reshape(1, n * self.in_ch, h, w)
        if self.upsample:
            weight = weight.transpose(1, 2).reshape(n * self.in_ch, self.out_ch, self.k, self.k)
            out = F.conv_transpose2d(x, weight, stride=2, groups=n)
            return self.blur(out.view(n, self.out_ch, *out.shape[-2:]))
        out = F.conv2d(x, weight.reshape(n * self.out_ch, self.in_ch, self.k, self.k), padding=self.k // 2, groups=n)
        return out.view(n, self.out_ch, *out.shape[-2:])


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """``noise`` (1 or n, 1, h, w); None draws fresh noise from torch's global generator."""
        if noise is None:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        return x + self.weight * noise


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_leaky_relu(x, self.bias)


class StyledConv(nn.Module):
    """Modulated 3x3 convolution, noise, bias and activation."""

    def __init__(self, in_ch: int, out_ch: int, style_dim: int, upsample: bool = False):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, 3, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_ch)

    def forward(self, x, style, noise=None):
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    """1x1 modulated convolution to RGB (no demodulation) plus the upsampled skip image."""

    def __init__(self, in_ch: int, style_dim: int, upsample: bool = True):
        super().__init__()
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, style, skip=None):
        out = self.conv(x, style) + self.bias
        return out if skip is None else out + self.upsample(skip)


class ConstantInput(nn.Module):
    def __init__(self, channels: int, size: int = 4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, n: int) -> torch.Tensor:
        return self.input.expand(n, -1, -1, -1)

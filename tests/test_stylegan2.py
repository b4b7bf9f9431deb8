"""StyleGAN2 from a rosinality-layout checkpoint: layout, Z and W codes, truncation, noise, key checks."""
import math

import pytest
import torch
from torch.nn import functional as F

from pipeline_lib.data.generators import load_generator, save_generator
from pipeline_lib.data.generators import build_generator, import_generator
from pipeline_lib.data.generators.stylegan2_layers import ModulatedConv2d, Upsample
from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.weights import WeightFileError

ARCH = dict(resolution=16, style_dim=32, n_mlp=2, channel_max=16)
CPU = torch.device("cpu")


def tiny_checkpoint(path, latent_avg: bool = True, rename: tuple[str, str] | None = None) -> dict:
    """Random weights in the rosinality layout: {'g_ema': state dict, 'latent_avg': (style_dim,)}."""
    torch.manual_seed(0)
    gen = build_generator("stylegan2", latent_space="w", **ARCH)
    with torch.no_grad():
        for name, p in gen.named_parameters():
            if name.endswith(("noise.weight", "activate.bias", "to_rgb1.bias")) or ".bias" in name:
                p.copy_(0.1 * torch.randn_like(p))  # zero at init; random here so noise and biases matter
    state = gen.checkpoint_state()
    if rename:
        state[rename[1]] = state.pop(rename[0])
    ckpt = {"g_ema": state}
    if latent_avg:
        ckpt["latent_avg"] = 0.3 * torch.randn(ARCH["style_dim"])
    torch.save(ckpt, path)
    return ckpt


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "g.pt"
    return path, tiny_checkpoint(path)


def test_checkpoint_has_the_rosinality_layout(checkpoint):
    _, ckpt = checkpoint
    keys = set(ckpt["g_ema"])
    for key in ("style.1.weight", "style.2.bias", "input.input", "conv1.conv.weight", "conv1.conv.modulation.weight",
                "conv1.conv.modulation.bias", "conv1.noise.weight", "conv1.activate.bias", "to_rgb1.conv.weight",
                "to_rgb1.bias", "convs.0.conv.blur.kernel", "convs.3.activate.bias", "to_rgbs.1.upsample.kernel",
                "noises.noise_0", "noises.noise_4"):
        assert key in keys, key
    assert "noises.noise_5" not in keys and "convs.4.conv.weight" not in keys   # 16x16: 5 noise layers, 4 convs
    assert ckpt["g_ema"]["noises.noise_4"].shape == (1, 1, 16, 16)
    assert ckpt["g_ema"]["conv1.activate.bias"].shape == (16,)


def test_generates_in_z_and_w_space(checkpoint, tmp_path):
    path, ckpt = checkpoint
    gz = import_generator("stylegan2", path, CPU, latent_space="z", **ARCH)
    gw = import_generator("stylegan2", path, CPU, latent_space="w", **ARCH)
    z, w = gz.sample(5, 1), gw.sample(5, 1)
    assert z.shape == w.shape == (5, 32)
    assert torch.equal(z, torch.randn(5, 32, generator=seeded(1)))        # Z: the seeded prior
    assert torch.allclose(w, gw.style(z), atol=1e-6)                      # W: w = mapping(z)
    assert torch.equal(gw.w_avg, ckpt["latent_avg"])
    images = gz(z)
    assert images.shape == (5, 3, 16, 16) and 0 <= images.min() and images.max() <= 1 and images.std() > 0.01
    assert torch.allclose(gw(w), images, atol=1e-5)                      # the same picture from either code
    save_generator(gw, tmp_path / "saved.pt")
    again = load_generator(tmp_path / "saved.pt")
    assert again.latent_space == "w" and torch.equal(again(w), gw(w))


def test_truncation_moves_toward_the_mean(checkpoint):
    path, _ = checkpoint
    full, half = (import_generator("stylegan2", path, CPU, latent_space="w", truncation=t, **ARCH) for t in (1.0, 0.5))
    w1, w2 = full.sample(50, 3), half.sample(50, 3)
    assert torch.allclose(w2 - half.w_avg, 0.5 * (w1 - full.w_avg), atol=1e-5)
    z_space = {t: import_generator("stylegan2", path, CPU, latent_space="z", truncation=t, **ARCH) for t in (1.0, 0.5, 0.0)}
    z = torch.randn(20, 32, generator=seeded(4))
    mean_image = z_space[0.0](z)
    assert torch.allclose(mean_image, mean_image[:1].expand_as(mean_image), atol=1e-6)  # psi 0: every code -> w_avg
    spread = {t: (z_space[t](z) - mean_image).abs().mean().item() for t in (1.0, 0.5)}
    assert spread[0.5] < spread[1.0]


def test_mean_w_is_estimated_from_seeded_samples_without_latent_avg(tmp_path):
    path = tmp_path / "g.pt"
    tiny_checkpoint(path, latent_avg=False)
    a, b = (import_generator("stylegan2", path, CPU, latent_space="w", mean_samples=400, mean_seed=7, **ARCH) for _ in range(2))
    expected = a.style(torch.randn(400, 32, generator=seeded(7))).mean(0)
    assert torch.allclose(a.w_avg, expected, atol=1e-5) and torch.equal(a.w_avg, b.w_avg)


def test_noise_modes(checkpoint):
    path, _ = checkpoint
    const = import_generator("stylegan2", path, CPU, latent_space="z", noise="const", **ARCH)
    random = import_generator("stylegan2", path, CPU, latent_space="z", noise="random", **ARCH)
    z = const.sample(4, 2)
    assert torch.equal(const(z), const(z))
    assert not torch.allclose(random(z), random(z))


def test_bf16_autocast_stays_close(checkpoint):
    path, _ = checkpoint
    exact = import_generator("stylegan2", path, CPU, latent_space="z", **ARCH)
    mixed = import_generator("stylegan2", path, CPU, latent_space="z", precision="bf16", **ARCH)
    z = exact.sample(4, 5)
    out = mixed(z)
    assert out.dtype == torch.float32 and (out - exact(z)).abs().max() < 0.05


def test_renamed_key_is_named(tmp_path):
    path = tmp_path / "g.pt"
    tiny_checkpoint(path, rename=("conv1.conv.modulation.weight", "conv1.conv.mod.weight"))
    with pytest.raises(WeightFileError, match=r"missing keys: conv1\.conv\.modulation\.weight; "
                                              r"unexpected keys: conv1\.conv\.mod\.weight"):
        import_generator("stylegan2", path, CPU, latent_space="w", **ARCH)


def test_wrong_architecture_names_the_mismatched_shapes(checkpoint):
    path, _ = checkpoint
    with pytest.raises(WeightFileError, match=r"style_dim=64.*shape mismatches: .*style\.1\.weight \(file \(32, 32\)"):
        import_generator("stylegan2", path, CPU, latent_space="w", **{**ARCH, "style_dim": 64})


def test_not_a_checkpoint_says_so(tmp_path):
    torch.save({"state_dict": {}}, tmp_path / "other.pt")
    with pytest.raises(WeightFileError, match="no 'g_ema'"):
        import_generator("stylegan2", tmp_path / "other.pt", CPU, latent_space="w", **ARCH)


@pytest.mark.parametrize("upsample", [False, True])
def test_modulated_conv_equals_modulating_each_sample(upsample):
    """The grouped (fused) convolution against a per-sample loop with its own modulated, demodulated weight."""
    torch.manual_seed(1)
    conv = ModulatedConv2d(4, 6, 3, 8, upsample=upsample)
    x, style = torch.randn(3, 4, 5, 5), torch.randn(3, 8)
    out = conv(x, style)
    for i in range(3):
        w = conv.scale * conv.weight[0] * conv.modulation(style[i:i + 1]).view(1, 4, 1, 1)  # (out, in, k, k)
        w = w / (w.square().sum((1, 2, 3), keepdim=True) + 1e-8).sqrt()
        if upsample:
            ref = conv.blur(F.conv_transpose2d(x[i:i + 1], w.transpose(0, 1), stride=2))
        else:
            ref = F.conv2d(x[i:i + 1], w, padding=1)
        assert torch.allclose(out[i:i + 1], ref, atol=1e-5)
    assert out.shape == (3, 6, 10, 10) if upsample else (3, 6, 5, 5)


def test_upsample_keeps_a_constant_image_constant():
    up = Upsample()(torch.full((1, 2, 6, 6), 0.7))
    assert up.shape == (1, 2, 12, 12)
    assert torch.allclose(up[..., 2:-2, 2:-2], torch.tensor(0.7))               # interior: gain 4 undoes the zeros
    assert math.isclose(up[0, 0, 0, 0].item(), 0.7 * 9 / 16, rel_tol=1e-5)     # corner: taps (3/4)^2 inside, zeros outside

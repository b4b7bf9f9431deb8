"""``torchscript``: any generator exported with ``torch.jit.trace`` / ``torch.jit.script``.

``forward(codes)``: (n, latent_dim) -> (n, C, R, R) with C = 1 or 3, values in the declared
``output_range``. In W space the module must also export ``mapping(z)``: (n, latent_dim) prior
draws -> (n, latent_dim) W codes (``torch.jit.trace_module`` with a ``mapping`` entry, or
``@torch.jit.export``). The archive's bytes live in the pipeline's weight file.
A scripted module is opaque: it exposes no first-layer weight (``latent_weight`` is None), so SeFa
cannot run on it.
"""
from __future__ import annotations

from pathlib import Path

import torch

from pipeline_lib.util.torchscript import load_archive, read_archive
from pipeline_lib.util.weights import WeightFileError
from pipeline_lib.data.generators.pretrained import PretrainedGenerator

ORIGIN = "imported"
SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "path": ("stage", ..., "path", "the user's archive (torch.jit.save)"),
    "latent_dim": ("model", ..., "count", "size of the codes forward() takes"),
    "latent_space": ("model", ..., ["z", "w"], "z: edit prior draws; w: edit mapping(z), which the module must export"),
    "resolution": ("model", ..., {"type": "integer", "minimum": 4}, "side of the images forward() returns"),
    "output_range": ("model", ..., "range", "the value range of forward()'s images"),
    "precision": ("model", "fp32", "precision", "autocast for the generator's forward"),
    "batch_size": ("model", 32, "count", "codes per network call"),
    "output_resolution": ("model", None, {"type": ["integer", "null"], "minimum": 4},
                          "resize the images to this side (null: keep the network's)"),
}


class TorchScriptGenerator(PretrainedGenerator):
    kind = "torchscript"

    def __init__(self, net: torch.jit.ScriptModule, archive: torch.Tensor, latent_dim: int, latent_space: str,
                 resolution: int, output_range, precision: str, batch_size: int, output_resolution: int | None):
        super().__init__(latent_dim, latent_space, resolution, output_range, precision, batch_size, output_resolution)
        self.net, self.archive = net, archive  # the archive stays on the CPU: it is what gets saved

    def config(self) -> dict:
        return {"latent_dim": self.latent_dim, "resolution": self.native_resolution, **self.options()}

    def weights(self) -> dict[str, torch.Tensor]:
        return {"archive": self.archive}

    @classmethod
    def restore(cls, config, weights, device):
        return cls(load_archive(weights["archive"], device, "the generator's TorchScript archive"),
                   weights["archive"], **config)

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        return self.net.mapping(z)

    def synthesize(self, codes: torch.Tensor) -> torch.Tensor:
        return self.net(codes)

    @classmethod
    def from_file(cls, path: str | Path, device: torch.device, **config) -> "TorchScriptGenerator":
        """Read the archive, then check one seeded batch against the declared latent space and resolution."""
        archive = read_archive(path)
        gen = cls.restore(config, {"archive": archive}, device).eval().requires_grad_(False)
        if gen.latent_space == "w" and not hasattr(gen.net, "mapping"):
            raise WeightFileError(f"{path}: latent_space w needs the module to export a mapping(z) method "
                                  "(see README, 'Run on your own GAN')")
        try:
            with torch.no_grad():
                codes = gen.sample(2, 0).to(device)
                raw = gen.synthesize(codes)
        except Exception as exc:  # a scripted module raises whatever its code raises
            raise WeightFileError(f"{path}: calling the module on codes of shape (2, {gen.latent_dim}) failed "
                                  f"({type(exc).__name__}: {exc}); check generator.latent_dim") from exc
        expected = [(2, c, gen.native_resolution, gen.native_resolution) for c in (1, 3)]
        if not isinstance(raw, torch.Tensor) or tuple(raw.shape) not in expected:
            got = tuple(raw.shape) if isinstance(raw, torch.Tensor) else type(raw).__name__
            raise WeightFileError(f"{path}: the module returned {got} for 2 codes, expected {expected[1]} "
                                  f"(or 1 channel); check generator.resolution")
        return gen


GENERATOR = TorchScriptGenerator

"""A user's attribute predictor exported to TorchScript, with its attributes declared in params.

The network maps (n, 3, R, R) images in its ``input_range`` to (n, n_attr) outputs, one per
declared attribute in order: probabilities / values in [0, 1], or logits (``logits: true``)
that get a sigmoid. Images of any size are area-resized to R first, so it measures the
generator's output as the pipeline's own predictor does.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.config.catalog import declared_schema
from pipeline_lib.util.images import resize
from pipeline_lib.util.runtime import seeded
from pipeline_lib.util.torchscript import load_archive, read_archive
from pipeline_lib.util.weights import WeightFileError, require_entries, save_checkpoint


class ScriptedPredictor(nn.Module):
    def __init__(self, net: torch.jit.ScriptModule, archive: torch.Tensor, schema: AttributeSchema,
                 resolution: int, logits: bool, input_range=(0.0, 1.0)):
        super().__init__()
        self.net, self.archive, self.schema = net, archive, schema  # the archive stays on the CPU
        self.resolution, self.logits, self.input_range = resolution, logits, tuple(input_range)
        # a buffer, so the module has a device even when the scripted network holds no tensors
        self.register_buffer("bounds", torch.tensor(self.input_range, dtype=torch.float32), persistent=False)

    def config(self) -> dict:
        return {"resolution": self.resolution, "logits": self.logits, "input_range": list(self.input_range)}

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) in [0, 1] -> (n, n_attr) in [0, 1]."""
        lo, hi = self.bounds
        out = self.net(resize(images, self.resolution) * (hi - lo) + lo).float()
        return torch.sigmoid(out) if self.logits else out


def import_scripted(path: str | Path, attributes: list[dict], resolution: int, logits: bool,
                    input_range=(0.0, 1.0), device: torch.device | str = "cpu") -> ScriptedPredictor:
    """Read the archive and check it on two seeded images: output shape, and range unless logits."""
    archive = read_archive(path)
    schema = declared_schema(attributes)
    model = ScriptedPredictor(load_archive(archive, device, str(path)), archive, schema, resolution, logits,
                              input_range).eval().requires_grad_(False)
    images = torch.rand(2, 3, resolution, resolution, generator=seeded(0)).to(device)
    try:
        with torch.no_grad():
            out = model(images)
    except Exception as exc:  # a scripted module raises whatever its code raises
        raise WeightFileError(f"{path}: calling the predictor on images (2, 3, {resolution}, {resolution}) "
                              f"failed ({type(exc).__name__}: {exc}); check predictor.resolution") from exc
    if tuple(out.shape) != (2, len(schema.names)):
        raise WeightFileError(f"{path}: the predictor returned {tuple(out.shape)} for 2 images, expected "
                              f"(2, {len(schema.names)}): one output per declared attribute {schema.names}")
    if not logits and (out.min() < 0 or out.max() > 1):
        raise WeightFileError(f"{path}: outputs outside [0, 1] ({out.min().item():.3g} .. {out.max().item():.3g}); "
                              "if the network returns logits, set predictor.logits: true")
    return model


def save_scripted(model: ScriptedPredictor, path: str | Path, **info) -> None:
    save_checkpoint({"kind": "torchscript", "schema": model.schema.to_dict(), "config": model.config(),
                     "archive": model.archive, **info}, path)


def restore_scripted(ckpt: dict, path: str | Path, device: torch.device | str) -> ScriptedPredictor:
    require_entries(ckpt, ("config", "archive"), path)
    net = load_archive(ckpt["archive"], device, f"the TorchScript archive in {path}")
    return ScriptedPredictor(net, ckpt["archive"], AttributeSchema.from_dict(ckpt["schema"]), **ckpt["config"])

"""The attribute predictor ``C``: a small CNN from images to every attribute in [0, 1].

Input (n, 3, H, W), area-resized to its R x R (R a multiple of 8); output (n, n_attr):
probabilities for binary attributes, normalised values for continuous ones (one sigmoid head each).
A predictor file may instead hold a user's TorchScript network (pipeline_lib/attributes/scripted_predictor.py).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.util.images import resize
from pipeline_lib.util.progress import progress
from pipeline_lib.attributes.scripted_predictor import restore_scripted
from pipeline_lib.util.training import guarded_step
from pipeline_lib.util.weights import WeightFileError, load_checkpoint, require_entries, save_checkpoint


FEATURES = 128
ANNEAL_FACTOR = 0.1  # the rate's drop once validation stalls (train_predictor)
ANNEAL_PATIENCE = 2  # epochs without improvement at the dropped rate before training stops


def conv_trunk(resolution: int, width: int, depth: int = 1) -> nn.Sequential:
    """Images (n, 3, R, R), R a multiple of 8 -> features (n, FEATURES).

    A 3x3 convolution, then three stride-2 stages (``width``, 2x, 4x channels); ``depth`` - 1 extra
    3x3 convolutions follow each stage (``depth`` 1: the original trunk).
    """
    if resolution % 8:
        raise ValueError(f"predictor needs a resolution divisible by 8, got {resolution}")
    if depth < 1:
        raise ValueError(f"predictor depth must be at least 1, got {depth}")
    w = width
    layers = [nn.Conv2d(3, w, 3, padding=1), nn.LeakyReLU(0.2)]
    for c_in, c_out in ((w, w), (w, 2 * w), (2 * w, 4 * w)):
        layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        layers += [m for _ in range(depth - 1) for m in (nn.Conv2d(c_out, c_out, 3, padding=1), nn.LeakyReLU(0.2))]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(4 * w * (resolution // 8) ** 2, FEATURES),
                         nn.LeakyReLU(0.2))


class AttributePredictor(nn.Module):
    def __init__(self, schema: AttributeSchema, resolution: int, width: int = 32, depth: int = 1):
        super().__init__()
        self.schema, self.resolution, self.width, self.depth = schema, resolution, width, depth
        self.features = conv_trunk(resolution, width, depth)
        self.head = nn.Linear(FEATURES, len(schema.attributes))
        binary = [a.kind == "binary" for a in schema.attributes]
        self.register_buffer("binary", torch.tensor(binary))
        # NHWC: oneDNN's convolutions run this trunk ~1.5x faster forward, ~1.2x in training (CPU, 2 threads)
        self.features.to(memory_format=torch.channels_last)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) -> (n, n_attr) pre-sigmoid scores."""
        images = resize(images, self.resolution).contiguous(memory_format=torch.channels_last)
        return self.head(self.features(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(images))

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Binary cross-entropy on the logits, averaged over entries: hard targets for binary attributes,
        soft ones (values in [0, 1]) for continuous attributes, whose gradient ``sigmoid - target`` never
        vanishes on a saturated output (MSE through the sigmoid did: a head stuck at 0 or 1 stayed there)."""
        return F.binary_cross_entropy_with_logits(self.logits(images), targets)

    @torch.no_grad()
    def errors(self, images: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        """Held-out error per attribute: error rate (binary) or mean absolute error (continuous)."""
        pred = self(images)
        out = {}
        for i, a in enumerate(self.schema.attributes):
            if a.kind == "binary":
                out[a.name] = ((pred[:, i] > 0.5) != (targets[:, i] > 0.5)).float().mean().item()
            else:
                out[a.name] = (pred[:, i] - targets[:, i]).abs().mean().item()
        return out


def train_predictor(model: nn.Module, images: torch.Tensor, targets: torch.Tensor, *, epochs: int, batch_size: int,
                    lr: float, seed: int, validation: tuple[torch.Tensor, torch.Tensor] | None = None,
                    patience: int | None = None) -> dict:
    """Adam on (N, 3, R, R) images and (N, k) targets by ``model.loss``.

    Without ``validation``: ``epochs`` epochs under a cosine schedule. With ``validation`` (images, targets):
    ``epochs`` is a cap; once the validation loss has not improved for ``patience`` epochs the model goes
    back to its best epoch's weights and the rate drops ``ANNEAL_FACTOR``-fold; training stops when it has
    not improved for ``ANNEAL_PATIENCE`` epochs at that rate, keeping the best epoch's weights (one annealing
    stage ends the long tail a constant rate leaves: half the error for the price of a few epochs). Returns
    ``{"loss": [train loss per epoch], "val_loss": [...], "best_epoch": 1-based or None, "annealed_at":
    1-based epoch or None}``.
    """
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = None if validation else torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    device = next(model.parameters()).device
    history = {"loss": [], "val_loss": [], "best_epoch": None, "annealed_at": None}
    best, best_state, waited = float("inf"), None, 0
    for epoch in progress(range(epochs), "train predictor"):
        model.train()
        order = torch.randperm(len(images), generator=gen)
        losses = []
        for start in range(0, len(images), batch_size):
            idx = order[start:start + batch_size]
            loss = model.loss(images[idx].to(device), targets[idx].to(device))
            losses.append(guarded_step(opt, loss, lambda: "predictor training produced a non-finite loss; "
                                                          "lower predictor.lr"))
        history["loss"].append(sum(losses) / len(losses))
        if sched is not None:
            sched.step()
            continue
        model.eval()
        with torch.no_grad():
            val = sum(model.loss(x.to(device), y.to(device)).item() * len(x)
                      for x, y in zip(validation[0].split(1024), validation[1].split(1024))) / len(validation[0])
        history["val_loss"].append(val)
        if val < best:
            best, waited, history["best_epoch"] = val, 0, epoch + 1
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if history["annealed_at"] is None and waited >= patience:
                model.load_state_dict(best_state)
                for group in opt.param_groups:
                    group["lr"] *= ANNEAL_FACTOR
                history["annealed_at"], waited = epoch + 1, 0
            elif history["annealed_at"] is not None and waited >= ANNEAL_PATIENCE:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


def save_predictor(model: AttributePredictor, path: str | Path) -> None:
    save_checkpoint({"kind": "cnn", "schema": model.schema.to_dict(), "resolution": model.resolution,
                     "width": model.width, "depth": model.depth, "state_dict": model.state_dict()}, path)


def load_predictor(path: str | Path, device: torch.device | str = "cpu") -> nn.Module:
    """The predictor a file holds: this CNN, or a TorchScript network (entry ``kind``); ``schema`` on both."""
    ckpt = load_checkpoint(path, required=("schema",))
    if ckpt.get("kind") == "torchscript":
        return restore_scripted(ckpt, path, device).eval().requires_grad_(False)
    require_entries(ckpt, ("resolution", "width", "state_dict"), path)
    model = AttributePredictor(AttributeSchema.from_dict(ckpt["schema"]), ckpt["resolution"], ckpt["width"],
                               ckpt.get("depth", 1))
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as exc:
        raise WeightFileError(f"weight file {path} does not fit the predictor: {exc}") from exc
    return model.to(device).eval().requires_grad_(False)

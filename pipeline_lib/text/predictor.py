"""The caption predictor ``C_text``: a CNN from images to caption embeddings, and the condition it gives.

``embed`` maps (n, 3, R, R) images to (n, 384) unit vectors, trained to match the embedding of
the image's caption (cosine loss). The condition SGF and the gradient baseline use is that
embedding centred and projected on the top ``k`` principal components of the caption
embeddings: ``c = (e - mean) @ components.T``, (n, k). The projection keeps the directions
in which captions differ and drops the rest (k = 384 keeps every direction, a rotation).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from pipeline_lib.attributes.predictor import FEATURES, conv_trunk
from pipeline_lib.util.weights import WeightFileError, load_checkpoint, save_checkpoint
from pipeline_lib.text.embedder import EMBED_DIM
from pipeline_lib.text.facts import FACTS


def principal_components(embeddings: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, D) embeddings -> their mean (D,) and top-``k`` principal directions (k, D), sign-fixed."""
    if not 1 <= k <= min(embeddings.shape):
        raise ValueError(f"pca_dim must lie in [1, {min(embeddings.shape)}], got {k}")
    mean = embeddings.mean(0)
    _, _, vh = torch.linalg.svd((embeddings - mean).double(), full_matrices=False)
    components = vh[:k]
    signs = torch.sign(components[torch.arange(k), components.abs().argmax(1)])  # largest entry positive
    return mean, (components * signs[:, None]).float()


class CaptionPredictor(nn.Module):
    def __init__(self, resolution: int, width: int, mean: torch.Tensor, components: torch.Tensor):
        super().__init__()
        self.resolution, self.width = resolution, width
        self.features = conv_trunk(resolution, width)
        self.head = nn.Linear(FEATURES, EMBED_DIM)
        self.register_buffer("mean", mean.float().clone())  # (384,)
        self.register_buffer("components", components.float().clone())  # (k, 384)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 3, R, R) -> (n, 384) unit caption embeddings."""
        return F.normalize(self.head(self.features(images)), dim=1)

    def project(self, embeddings: torch.Tensor) -> torch.Tensor:
        """(n, 384) embeddings -> (n, k) conditions."""
        return (embeddings - self.mean) @ self.components.T

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 3, R, R) -> (n, k): the condition ``c``."""
        return self.project(self.embed(images))

    def loss(self, images: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean ``1 - cos`` between predicted and (n, 384) caption embeddings."""
        return (1 - (self.embed(images) * targets).sum(1)).mean()


@torch.no_grad()
def caption_scores(model: CaptionPredictor, images: torch.Tensor, targets: torch.Tensor, prototypes: torch.Tensor,
                   facts: torch.Tensor, prototype_facts: torch.Tensor) -> dict:
    """Held-out quality: mean cosine to the (n, 384) caption embeddings, and per fact the accuracy of
    reading the facts off the nearest of the (F, 384) ``prototypes`` (one per fact tuple, (F, 5) facts)."""
    predicted = model.embed(images)
    nearest = prototype_facts[(predicted @ prototypes.T).argmax(1)]  # (n, 5)
    return {"cosine": float((predicted * targets).sum(1).mean()),
            "nearest_caption_accuracy": {f: float((nearest[:, i] == facts[:, i]).float().mean())
                                         for i, f in enumerate(FACTS)}}


def save_caption_predictor(model: CaptionPredictor, path: str | Path) -> None:
    save_checkpoint({"resolution": model.resolution, "width": model.width, "state_dict": model.state_dict()}, path)


def load_caption_predictor(path: str | Path, device: torch.device | str = "cpu") -> CaptionPredictor:
    ckpt = load_checkpoint(path, required=("resolution", "width", "state_dict"))
    state = ckpt["state_dict"]
    if "mean" not in state or "components" not in state:
        raise WeightFileError(f"weight file {path} is not a caption predictor (no projection)")
    model = CaptionPredictor(ckpt["resolution"], ckpt["width"], state["mean"], state["components"])
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise WeightFileError(f"weight file {path} does not fit the caption predictor: {exc}") from exc
    return model.to(device).eval().requires_grad_(False)

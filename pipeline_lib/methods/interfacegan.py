"""InterFaceGAN (Shen et al., CVPR 2020): one linear SVM boundary per attribute.

Per attribute: sort the fitted codes by predicted score, keep the top and bottom ``ratio``
as positives and negatives, split off ``val_fraction`` for validation, fit a linear SVM;
the boundary's unit normal is the edit direction. The conditional variant projects each
normal off the span of every other attribute's normal.
"""
from __future__ import annotations

import numpy as np
import torch

from pipeline_lib.methods.base import LinearDirections


def svm_normal(z: np.ndarray, scores: np.ndarray, ratio: float, C: float, val_fraction: float,
               seed: int) -> tuple[np.ndarray, float]:
    """``z`` (N, d), ``scores`` (N,) -> unit normal (d,) pointing to high scores, validation accuracy."""
    from sklearn.svm import SVC  # imported here: it costs every stage a second at start-up

    k = max(int(len(scores) * ratio), 2)
    order = np.argsort(scores, kind="stable")
    x = np.concatenate([z[order[-k:]], z[order[:k]]])
    y = np.concatenate([np.ones(k), np.zeros(k)])
    perm = np.random.default_rng(seed).permutation(len(y))
    n_val = int(round(len(y) * val_fraction))
    val, train = perm[:n_val], perm[n_val:]
    svm = SVC(kernel="linear", C=C).fit(x[train], y[train])
    normal = svm.coef_.ravel()
    accuracy = float((svm.predict(x[val]) == y[val]).mean()) if n_val else float("nan")
    return normal / np.linalg.norm(normal), accuracy


def project_off(normals: torch.Tensor) -> torch.Tensor:
    """(m, d) unit normals -> each projected off the span of the others, renormalised."""
    out = []
    for i in range(len(normals)):
        others = torch.cat([normals[:i], normals[i + 1:]])  # (m-1, d)
        coef = torch.linalg.lstsq(others.T, normals[i]).solution  # (m-1,)
        residual = normals[i] - others.T @ coef
        out.append(residual / residual.norm().clamp_min(1e-12))
    return torch.stack(out)


class InterFaceGAN(LinearDirections):
    name = "interfacegan"

    def __init__(self, ratio: float = 0.02, C: float = 1.0, val_fraction: float = 0.3, seed: int = 0):
        super().__init__(ratio=ratio, C=C, val_fraction=val_fraction, seed=seed)

    def fit(self, latents, labels, generator=None, predictor=None):
        z, y = latents.double().numpy(), labels.double().numpy()
        fits = [svm_normal(z, y[:, a], **self.hyper) for a in range(y.shape[1])]
        self.directions_ = torch.tensor(np.stack([n for n, _ in fits]), dtype=torch.float32)
        self.val_accuracy_ = torch.tensor([acc for _, acc in fits])
        return self

    def summary(self):
        return {"svm_validation_accuracy": self.val_accuracy_.tolist()}


class ConditionalInterFaceGAN(InterFaceGAN):
    name = "interfacegan_cond"

    def fit(self, latents, labels, generator=None, predictor=None):
        super().fit(latents, labels)
        self.primal_directions_ = self.directions_
        self.directions_ = project_off(self.directions_.double()).float()
        return self

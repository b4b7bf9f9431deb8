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

SETTINGS = {  # name: (role, default, type, doc); see pipeline_lib/config/definitions.py
    "ratio": ("fit", 0.02, {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
              "top and bottom share of the codes by predicted score: the SVM's positives and negatives"),
    "C": ("fit", 1.0, "positive", "the linear SVM's inverse regularisation strength"),
    "val_fraction": ("fit", 0.3, "fraction", "share of positives and negatives held out for the SVM's accuracy"),
    "conditional": ("fit", False, "flag", "project each normal off the span of the other attributes' normals"),
    "seed": ("fit", 21, "seed", "the validation split's draw"),
}


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
    kind = "interfacegan"

    def fit(self, latents, labels, generator=None, predictor=None):
        h = self.hyper
        z, y = latents.double().numpy(), labels.double().numpy()
        fits = [svm_normal(z, y[:, a], h["ratio"], h["C"], h["val_fraction"], h["seed"]) for a in range(y.shape[1])]
        self.directions_ = torch.tensor(np.stack([n for n, _ in fits]), dtype=torch.float32)
        self.val_accuracy_ = torch.tensor([acc for _, acc in fits])
        if h["conditional"]:
            self.primal_directions_ = self.directions_
            self.directions_ = project_off(self.directions_.double()).float()
        return self

    def summary(self):
        return {"svm_validation_accuracy": self.val_accuracy_.tolist()}


METHOD = InterFaceGAN

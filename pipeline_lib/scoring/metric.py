"""The Manipulation Disentanglement Curve (MDC) and Score (MDS), as docs/metric.md defines.

Shapes: ``n`` source codes, ``P`` strengths, ``m`` kept attributes, ``B`` bootstrap draws.
"""
from __future__ import annotations

import numpy as np


def success(kind: str, values: np.ndarray, target: np.ndarray, direction: np.ndarray,
            tol: float) -> np.ndarray:
    """(n, P, k) target-attribute values, (n, k) target and direction -> (n, P) bool.

    binary: the label equals the target; continuous: within ``tol`` of the target or past it
    in the asked direction; vector: Euclidean distance to the target point within ``tol``.
    """
    if kind == "binary":
        return (values[..., 0] > 0.5) == (target[:, None, 0] > 0.5)
    if kind == "continuous":
        gap = values[..., 0] - target[:, None, 0]
        return (np.abs(gap) <= tol) | (gap * direction[:, None, 0] >= 0)
    if kind == "vector":
        return np.linalg.norm(values - target[:, None, :], axis=-1) <= tol
    raise ValueError(f"unknown task kind {kind!r}")


def kept(values: np.ndarray, binary: np.ndarray, tols: np.ndarray) -> np.ndarray:
    """(n, P, m) values of the other attributes, (m,) binary mask and tolerances -> (n, P, m) bool."""
    start = values[:, :1]
    same_label = (values > 0.5) == (start > 0.5)
    close = np.abs(values - start) <= tols
    return np.where(binary, same_label, close)


def envelope_area(accuracy: np.ndarray, disentanglement: np.ndarray) -> np.ndarray:
    """MDS: the exact area under E(a) = max{D_j : A_j >= a} on [0, 1]; (..., P) -> (...)."""
    order = np.argsort(-accuracy, axis=-1, kind="stable")
    a = np.clip(np.take_along_axis(accuracy, order, -1), 0.0, 1.0)
    best = np.maximum.accumulate(np.take_along_axis(disentanglement, order, -1), axis=-1)
    widths = a - np.concatenate([a[..., 1:], np.zeros_like(a[..., :1])], -1)
    return (widths * best).sum(-1)


def bootstrap_interval(hit: np.ndarray, keep: np.ndarray, n_boot: int, seed: int,
                       level: float = 0.95) -> tuple[float, float]:
    """(n, P) success and (n, P) per-code kept fraction -> percentile interval of the MDS."""
    idx = np.random.default_rng(seed).integers(0, len(hit), size=(n_boot, len(hit)))
    scores = envelope_area(hit[idx].mean(1), keep[idx].mean(1))  # (B,)
    lo, hi = np.quantile(scores, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)

"""The Manipulation Disentanglement Curve (MDC), its Score (MDS) and the arrival score, as docs/metric.md defines.

Shapes: ``n`` source codes, ``P`` strengths, ``m`` kept attributes, ``k`` target entries, ``B`` bootstrap draws.
"""
from __future__ import annotations

import numpy as np


def success(kind: str, values: np.ndarray, target: np.ndarray, direction: np.ndarray,
            tol: float) -> np.ndarray:
    """(n, P, k) target-attribute values, (n, k) target and direction -> (n, P) bool.

    binary: the label equals the target; continuous: within ``tol`` of the target or past it
    in the asked direction; vector: within ``tol`` of the target point or passed it (``passed``).
    """
    if kind == "binary":
        return (values[..., 0] > 0.5) == (target[:, None, 0] > 0.5)
    if kind == "continuous":
        gap = values[..., 0] - target[:, None, 0]
        return (np.abs(gap) <= tol) | (gap * direction[:, None, 0] >= 0)
    if kind == "vector":
        return (np.linalg.norm(values - target[:, None, :], axis=-1) <= tol) | passed(values, target, tol)
    raise ValueError(f"unknown task kind {kind!r}")


def passed(values: np.ndarray, target: np.ndarray, tol: float) -> np.ndarray:
    """(n, P, k) values, (n, k) target point -> (n, P) bool: the vector analogue of "past the target".

    On the line from the start ``values[:, 0]`` to the target, the displacement's projection has
    reached the target's distance ``L`` and its distance from the line (lateral error) is within ``tol``.
    """
    line = target - values[:, 0]  # (n, k)
    length = np.linalg.norm(line, axis=-1)  # (n,)
    unit = line / np.maximum(length, 1e-12)[:, None]
    moved = values - values[:, :1]  # (n, P, k)
    along = (moved * unit[:, None, :]).sum(-1)  # (n, P)
    lateral = np.linalg.norm(moved - along[..., None] * unit[:, None, :], axis=-1)
    return (along >= length[:, None]) & (lateral <= tol)


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


def arrival(hit: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, P) success and per-code kept fraction -> (n,) reached and (n,) kept fraction at arrival.

    A code arrives at its first successful strength; an unreached code keeps 0 (it counts as a failure).
    """
    reached = hit.any(-1)
    first = hit.argmax(-1)
    return reached, np.where(reached, np.take_along_axis(keep, first[:, None], -1)[:, 0], 0.0)


def arrival_score(hit: np.ndarray, keep: np.ndarray) -> dict[str, float]:
    """(n, P) success and kept fraction -> the arrival score and its parts.

    ``arrival`` = mean over codes of reached_i * D_i(arrival) = ``reached`` (the share of codes that
    arrive) * ``kept_at_arrival`` (the mean kept fraction of those that do; NaN when none does).
    """
    reached, at = arrival(hit, keep)
    return {"arrival": float(at.mean()), "reached": float(reached.mean()),
            "kept_at_arrival": float(at[reached].mean()) if reached.any() else float("nan")}


def bootstrap_arrival(hit: np.ndarray, keep: np.ndarray, n_boot: int, seed: int,
                      level: float = 0.95) -> tuple[float, float]:
    """(n, P) success and kept fraction -> percentile interval of the arrival score over codes
    (the same resamples as :func:`bootstrap_interval` at the same seed)."""
    idx = np.random.default_rng(seed).integers(0, len(hit), size=(n_boot, len(hit)))
    scores = arrival(hit, keep)[1][idx].mean(1)  # (B,)
    lo, hi = np.quantile(scores, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)

"""Statistics over replicates (the benchmark rerun with every trained model reseeded, the edited codes fixed).

Shapes: ``R`` replicates, ``n`` source codes, ``P`` strengths, ``B`` bootstrap draws, ``M`` methods.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from pipeline_lib.scoring.metric import envelope_area


def hierarchical_draws(n_replicates: int, n_codes: int, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a two-level bootstrap: replicates (B, R) drawn with replacement, then codes (B, R, n)
    drawn with replacement within each drawn replicate."""
    rng = np.random.default_rng(seed)
    reps = rng.integers(0, n_replicates, size=(n_boot, n_replicates))
    codes = rng.integers(0, n_codes, size=(n_boot, n_replicates, n_codes))
    return reps, codes


def hierarchical_mds_interval(hit: np.ndarray, keep: np.ndarray, n_boot: int, seed: int,
                              level: float = 0.95) -> tuple[float, float]:
    """(R, n, P) success and per-code kept fraction -> percentile interval of the MDS, resampling
    replicates and then codes, so it covers the spread of retrained models as well as of codes."""
    reps, codes = hierarchical_draws(hit.shape[0], hit.shape[1], n_boot, seed)
    pick = lambda a: a[reps[..., None], codes].mean(axis=(1, 2))  # noqa: E731  (B, R, n, P) -> (B, P)
    scores = envelope_area(pick(hit), pick(keep))
    lo, hi = np.quantile(scores, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def rank_stability(scores: pd.DataFrame) -> tuple[pd.Series, float, float]:
    """``scores`` (R replicates x M methods) -> how often each method ranks first (shares summing to 1,
    ties split), and the mean and minimum Kendall tau between the method orders of two replicates
    (1: every replicate ranks the methods alike; nan with fewer than 2 replicates)."""
    values = scores.to_numpy(dtype=float)
    best = values == values.max(axis=1, keepdims=True)
    first = pd.Series((best / best.sum(axis=1, keepdims=True)).mean(axis=0), index=scores.columns)
    taus = [kendalltau(values[a], values[b]).statistic for a, b in itertools.combinations(range(len(values)), 2)]
    return first, float(np.mean(taus)) if taus else float("nan"), float(np.min(taus)) if taus else float("nan")

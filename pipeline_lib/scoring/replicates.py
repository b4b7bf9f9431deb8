"""Statistics over replicates (the benchmark rerun with every trained model reseeded, the edited codes fixed).

Shapes: ``R`` replicates, ``n`` source codes, ``P`` strengths, ``B`` bootstrap draws, ``M`` methods.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from pipeline_lib.scoring.mds import outcomes
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
    taus = [t for t in taus if np.isfinite(t)]  # a replicate whose methods all tie has no order
    return first, float(np.mean(taus)) if taus else float("nan"), float(np.min(taus)) if taus else float("nan")


def replicate_scores(runs: dict[int, dict[tuple[str, str], pd.DataFrame]], schema, sources: list[str], *,
                     delta: float, tolerances: dict[str, float], n_boot: int, seed: int) -> pd.DataFrame:
    """{replicate r: {(method, task): judged edit table}} -> one row per (method, task, source): the MDS of
    each replicate (``mds_r<r>``), their mean and standard deviation, and the two-level bootstrap interval."""
    rows = []
    for method, task in sorted(set.intersection(*(set(tables) for tables in runs.values()))):
        for source in sources:
            hit, keep = zip(*(outcomes(runs[r][method, task].sort_values(["code", "step"]), schema, task, source,
                                       delta=delta, tolerances=tolerances) for r in sorted(runs)))
            per_run = [float(envelope_area(h.mean(0), k.mean(0))) for h, k in zip(hit, keep)]
            lo, hi = hierarchical_mds_interval(np.stack(hit).astype(float), np.stack(keep), n_boot, seed)
            rows.append({"method": method, "attribute": task, "source": source,
                         **{f"mds_r{r}": v for r, v in zip(sorted(runs), per_run)},
                         "mean": float(np.mean(per_run)), "sd": float(np.std(per_run, ddof=1)) if len(per_run) > 1
                         else float("nan"), "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def stability_markdown(scores: pd.DataFrame, bounds: set[str], source: str = "judge") -> str:
    """The replicates' summary as markdown: per method the mean over tasks in each replicate, their mean and
    standard deviation, how often it ranks first; Kendall tau between the replicates' method orders (bounds
    listed, never ranked)."""
    part = scores[scores["source"] == source]
    runs = [c for c in part if c.startswith("mds_r")]
    per_run = part.groupby("method")[runs].mean()  # (M, R): mean over tasks
    methods = per_run.drop(index=[m for m in per_run.index if m in bounds])
    first, mean_tau, min_tau = rank_stability(methods.T)
    lines = [f"| method | {' | '.join(r.replace('mds_', '') for r in runs)} | mean | sd | ranks first |",
             "|---" * (len(runs) + 4) + "|"]
    for method in [*methods.mean(axis=1).sort_values(ascending=False).index, *sorted(bounds & set(per_run.index))]:
        row = per_run.loc[method]
        share = "bound" if method in bounds else f"{first[method]:.2f}"
        lines.append(f"| {method} | " + " | ".join(f"{v:.3f}" for v in row) +
                     f" | {row.mean():.3f} | {row.std(ddof=1):.3f} | {share} |")
    lines.append(f"\n{source} MDS, mean over tasks, per replicate (every trained model reseeded, the edited codes "
                 f"fixed). Kendall tau between replicates' method orders: mean {mean_tau:.3f}, min {min_tau:.3f}.")
    return "\n".join(lines) + "\n"

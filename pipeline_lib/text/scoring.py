"""Oracle scores of text edits: the MDC and MDS of docs/metric.md with facts in place of attributes.

success: every fact the target caption changed now holds; kept: the fraction of the other
facts that still hold their source value. Both per item and step, (m, P).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline_lib.scoring.metric import bootstrap_interval, envelope_area
from pipeline_lib.text.facts import FACTS


def hits_and_kept(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """An edit table sorted by (item, step) -> success (m, P) bool and kept fraction (m, P)."""
    m, p = table["item"].nunique(), table["step"].nunique()
    at = table[[f"fact_{f}" for f in FACTS]].to_numpy().reshape(m, p, len(FACTS))
    first = table[table["step"] == 0]
    source = first[[f"src_{f}" for f in FACTS]].to_numpy()[:, None, :]
    target = first[[f"tgt_{f}" for f in FACTS]].to_numpy()[:, None, :]
    named = source != target  # (m, 1, 5)
    hit = np.where(named, at == target, True).all(-1)
    kept = np.where(named, 0, at == source).sum(-1) / (~named).sum(-1)
    return hit, kept


def text_scores(tables: dict[str, pd.DataFrame], n_boot: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """{method: edit table} -> MDS rows and MDC points per (method, edit kind), kind ``all`` pooling every item."""
    scores, curves = [], []
    for method, table in sorted(tables.items()):
        table = table.sort_values(["item", "step"])
        hit, kept = hits_and_kept(table)
        kinds = table.loc[table["step"] == 0, "edit"].to_numpy()
        strengths = table.loc[table["item"] == table["item"].iloc[0], "strength"].to_numpy()
        for kind in ["all", *dict.fromkeys(kinds)]:
            rows = np.ones(len(kinds), bool) if kind == "all" else kinds == kind
            accuracy, disentanglement = hit[rows].mean(0), kept[rows].mean(0)
            lo, hi = bootstrap_interval(hit[rows].astype(np.float64), kept[rows], n_boot, seed)
            scores.append({"method": method, "edit": kind, "n_items": int(rows.sum()),
                           "mds": float(envelope_area(accuracy, disentanglement)), "ci_low": lo, "ci_high": hi,
                           "best_accuracy": float(accuracy.max())})
            curves.append(pd.DataFrame({"method": method, "edit": kind, "step": np.arange(len(strengths)),
                                        "strength": strengths, "accuracy": accuracy,
                                        "disentanglement": disentanglement}))
    return pd.DataFrame(scores), pd.concat(curves, ignore_index=True)

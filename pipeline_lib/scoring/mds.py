"""From an edit table to MDC points and an MDS with its bootstrap interval, per source.

A source is ``judge`` (the reader only scoring sees, the headline), ``oracle`` (the generator's
true attributes, where it has them) or ``guide`` (the reader methods see, a diagnostic). A row
that holds NaN (a judge that could not read the image) fails the edit on every attribute: the
target is not reached and no other attribute counts as kept; so does every row of a code whose
source image (step 0) holds NaN.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.scoring.metric import bootstrap_interval, envelope_area, kept, success
from pipeline_lib.attributes.tasks import scalar_target


def source_values(table: pd.DataFrame, source: str, names: list[str]) -> np.ndarray:
    """Edit table sorted by (code, step) -> (n, P, n_attr) values of ``source``."""
    n, p = table["code"].nunique(), table["step"].nunique()
    return table[[f"{source}_{a}" for a in names]].to_numpy(np.float64).reshape(n, p, len(names))


def tolerance_map(schema: AttributeSchema, default: float, overrides: dict[str, float]) -> dict[str, float]:
    """Tolerance of every attribute and group: the default unless ``overrides`` names it."""
    return {name: overrides.get(name, default) for name in [*schema.names, *schema.groups]}


def score(table: pd.DataFrame, schema: AttributeSchema, task_name: str, source: str, *, delta: float,
          tolerances: dict[str, float], n_boot: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """One (method, task) edit table -> MDC points (P rows) and {mds, ci_low, ci_high}."""
    table = table.sort_values(["code", "step"])
    names = schema.names
    members = list(schema.groups.get(task_name, (task_name,)))
    cols = [names.index(m) for m in members]
    values = source_values(table, source, names)  # (n, P, n_attr)
    first = table[table["step"] == 0]
    direction = first[[f"task_direction_{m}" for m in members]].to_numpy(np.float64)  # (n, k)
    if task_name in schema.groups:
        kind = "vector"
        target = first[[f"task_target_{m}" for m in members]].to_numpy(np.float64)
    else:
        kind = schema.kind(task_name)
        target = scalar_target(kind, torch.from_numpy(values[:, 0, cols]), torch.from_numpy(direction),
                               delta).numpy()
    unread = np.isnan(values).any(-1)  # (n, P): rows the reader could not read count as failed edits,
    unread |= unread[:, :1]            # every row of a code whose source image it could not read
    hit = success(kind, values[:, :, cols], target, direction, tolerances[task_name]) & ~unread  # (n, P)
    others = [i for i in range(len(names)) if i not in cols]
    binary = np.array([schema.attributes[i].kind == "binary" for i in others])
    tols = np.array([tolerances[names[i]] for i in others])
    keep = np.where(unread, 0.0, kept(values[:, :, others], binary, tols).mean(-1))  # (n, P)
    accuracy, disentanglement = hit.mean(0), keep.mean(0)
    lo, hi = bootstrap_interval(hit.astype(np.float64), keep, n_boot, seed)
    curve = pd.DataFrame({
        "step": np.arange(values.shape[1]),
        "strength": table.loc[table["code"] == table["code"].iloc[0], "strength"].to_numpy(),
        "accuracy": accuracy, "disentanglement": disentanglement,
    })
    return curve, {"mds": float(envelope_area(accuracy, disentanglement)), "ci_low": lo, "ci_high": hi}


def score_runs(tables: dict[tuple[str, str], pd.DataFrame], schema: AttributeSchema, sources: list[str], *,
               delta: float, tolerances: dict[str, float], n_boot: int, seed: int
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """{(method, task): edit table} -> MDC points and MDS rows for every source."""
    curves, scores = [], []
    for (method, task), table in sorted(tables.items()):
        for source in sources:
            curve, result = score(table, schema, task, source, delta=delta, tolerances=tolerances,
                                  n_boot=n_boot, seed=seed)
            keys = {"method": method, "attribute": task, "source": source}
            curves.append(curve.assign(**keys))
            scores.append({**keys, **result})
    key_cols = ["method", "attribute", "source"]
    curves_frame = pd.concat(curves, ignore_index=True)
    return curves_frame[key_cols + [c for c in curves_frame if c not in key_cols]], pd.DataFrame(scores)


def metrics_json(scores: pd.DataFrame, judge_error: dict[str, float], guide_error: dict[str, float]) -> dict:
    """DVC metrics: the judge's MDS per method and attribute and their mean; the oracle's and the guide's
    counterparts prefixed ``oracle_`` and ``guide_``; both readers' held-out errors."""
    out: dict = {"judge_held_out_error": judge_error, "guide_held_out_error": guide_error}
    for method, rows in scores.groupby("method", sort=True):
        entry = {}
        for source, part in rows.groupby("source", sort=True):
            prefix = "" if source == "judge" else f"{source}_"
            entry[f"{prefix}mean"] = round(float(part["mds"].mean()), 6)
            entry.update({f"{prefix}{a}": round(float(v), 6) for a, v in zip(part["attribute"], part["mds"])})
        out[method] = entry
    return out

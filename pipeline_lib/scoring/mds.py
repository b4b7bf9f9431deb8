"""From an edit table to MDC points, an MDS and an arrival score with bootstrap intervals, per source.

A source is ``judge`` (the reader only scoring sees, the headline), ``oracle`` (the generator's
true attributes, where it has them) or ``guide`` (the reader methods see, a diagnostic). A row
that holds NaN (a judge that could not read the image) fails the edit on every attribute: the
target is not reached and no other attribute counts as kept; so does every row of a code whose
source image (step 0) holds NaN. Scoring reads only the ``<source>_<attribute>`` columns of a table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.scoring.metric import (arrival_score, bootstrap_arrival, bootstrap_interval, envelope_area, kept,
                                         success)
from pipeline_lib.attributes.tasks import scalar_target
from pipeline_lib.scoring.rows import summary_rows, task_rows


def source_values(table: pd.DataFrame, source: str, names: list[str]) -> np.ndarray:
    """Edit table sorted by (code, step) -> (n, P, n_attr) values of ``source``."""
    n, p = table["code"].nunique(), table["step"].nunique()
    return table[[f"{source}_{a}" for a in names]].to_numpy(np.float64).reshape(n, p, len(names))


def path_lengths(table: pd.DataFrame, hit: np.ndarray) -> dict:
    """Edit table sorted by (code, step), (n, P) success -> median and 90th percentile over codes of the
    path length travelled (under the budget), of the traced path's full length, and the median length
    travelled at arrival (codes that arrive). Empty for a table without path lengths."""
    if "path_length" not in table:
        return {}
    travelled = table["path_length"].to_numpy(np.float64).reshape(hit.shape)
    full = travelled[:, -1], table["traced_length"].to_numpy(np.float64).reshape(hit.shape)[:, 0]
    reached, first = hit.any(1), hit.argmax(1)
    at_arrival = travelled[np.arange(len(hit)), first][reached]
    out = {}
    for name, lengths in zip(["path_length", "traced_length"], full):
        out[f"{name}_median"], out[f"{name}_p90"] = (float(q) for q in np.quantile(lengths, [0.5, 0.9]))
    out["arrival_length_median"] = float(np.median(at_arrival)) if len(at_arrival) else float("nan")
    return out


def outcomes(table: pd.DataFrame, schema: AttributeSchema, task_name: str, source: str, *, delta: float,
             tolerances: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Edit table sorted by (code, step) -> (n, P) success and (n, P) fraction of the other attributes kept,
    per code and strength, as ``source`` reads them."""
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
    return hit, keep


def score(table: pd.DataFrame, schema: AttributeSchema, task_name: str, source: str, *, delta: float,
          tolerances: dict[str, float], n_boot: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """One (method, task) edit table -> MDC points (P rows) and {mds, ci_low, ci_high, arrival, its interval
    and parts, the share of codes ``source`` counts as reached at the start, targets redrawn, path lengths}."""
    table = table.sort_values(["code", "step"])
    hit, keep = outcomes(table, schema, task_name, source, delta=delta, tolerances=tolerances)
    first = table[table["step"] == 0]
    accuracy, disentanglement = hit.mean(0), keep.mean(0)
    lo, hi = bootstrap_interval(hit.astype(np.float64), keep, n_boot, seed)
    arrival_lo, arrival_hi = bootstrap_arrival(hit, keep, n_boot, seed)
    curve = pd.DataFrame({
        "step": np.arange(hit.shape[1]),
        "strength": table.loc[table["code"] == table["code"].iloc[0], "strength"].to_numpy(),
        "accuracy": accuracy, "disentanglement": disentanglement,
    })
    redrawn = int(first["task_redrawn"].sum()) if "task_redrawn" in first else 0
    return curve, {"mds": float(envelope_area(accuracy, disentanglement)), "ci_low": lo, "ci_high": hi,
                   **arrival_score(hit, keep), "arrival_ci_low": arrival_lo, "arrival_ci_high": arrival_hi,
                   "start_reached": float(hit[:, 0].mean()), "redrawn": redrawn, **path_lengths(table, hit)}


def score_runs(tables: dict[tuple[str, str], pd.DataFrame], schema: AttributeSchema, sources: list[str], *,
               delta: float, tolerances: dict[str, float], n_boot: int, seed: int
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """{(method, task): edit table} -> MDC points, and score rows for every source followed by the summary rows."""
    curves, scores = [], []
    for (method, task), table in sorted(tables.items()):
        for source in sources:
            curve, result = score(table, schema, task, source, delta=delta, tolerances=tolerances,
                                  n_boot=n_boot, seed=seed)
            keys = {"method": method, "attribute": task, "source": source}
            curves.append(curve.assign(**keys))
            scores.append({**keys, "task_type": "group" if task in schema.groups else "single", **result})
    key_cols = ["method", "attribute", "source"]
    curves_frame = pd.concat(curves, ignore_index=True)
    scores_frame = pd.DataFrame(scores)
    return (curves_frame[key_cols + [c for c in curves_frame if c not in key_cols]],
            pd.concat([scores_frame, summary_rows(scores_frame)], ignore_index=True))


def metrics_json(scores: pd.DataFrame, judge_error: dict[str, float], guide_error: dict[str, float]) -> dict:
    """DVC metrics: the judge's MDS per method and task, their mean (and over single attributes and group
    tasks apart), the mean arrival score; the oracle's and the guide's counterparts prefixed ``oracle_`` and
    ``guide_``; both readers' held-out errors."""
    out: dict = {"judge_held_out_error": judge_error, "guide_held_out_error": guide_error}
    for method, rows in scores.groupby("method", sort=True):
        entry = {}
        for source, part in rows.groupby("source", sort=True):
            prefix = "" if source == "judge" else f"{source}_"
            tasks = task_rows(part)
            entry[f"{prefix}mean"] = round(float(tasks["mds"].mean()), 6)
            entry[f"{prefix}arrival_mean"] = round(float(tasks["arrival"].mean()), 6)
            entry.update({f"{prefix}{a}": round(float(v), 6) for a, v in zip(part["attribute"], part["mds"])})
        out[method] = entry
    return out

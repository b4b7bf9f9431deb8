"""Rows of a score table (mds.parquet): one per (method, task, source) with ``task_type`` ``single`` (an
attribute) or ``group`` (a vector task), then the summary rows, ``task_type`` ``summary``."""
from __future__ import annotations

import pandas as pd

SUMMARIES = {"mean_single": "single", "mean_group": "group"}  # summary row -> the task type it averages


def summary_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """Score rows with ``task_type`` -> per (method, source) the mean MDS and arrival score over single
    attributes (``mean_single``) and over group tasks (``mean_group``), ``task_type`` ``summary``."""
    rows = []
    for (method, source), part in scores.groupby(["method", "source"], sort=True):
        for name, task_type in SUMMARIES.items():
            chosen = part[part["task_type"] == task_type]
            if len(chosen):
                rows.append({"method": method, "attribute": name, "source": source, "task_type": "summary",
                             "mds": float(chosen["mds"].mean()), "arrival": float(chosen["arrival"].mean())})
    return pd.DataFrame(rows)


def is_summary(scores: pd.DataFrame) -> pd.Series:
    """(rows,) bool: the summary rows (none in a table without ``task_type``)."""
    return scores["task_type"] == "summary" if "task_type" in scores else pd.Series(False, index=scores.index)


def task_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """The rows of single attributes and group tasks, without the summary rows."""
    return scores[~is_summary(scores)]

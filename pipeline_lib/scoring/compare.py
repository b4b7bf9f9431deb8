"""Comparing two result folders: MDS differences against their bootstrap intervals."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

KEYS = ["dataset", "method", "attribute", "source"]


def load_scores(folder: str | Path) -> pd.DataFrame:
    """Every ``<folder>/<dataset>/mds.parquet`` stacked; an error names a folder with none."""
    files = sorted(Path(folder).glob("*/mds.parquet"))
    if not files:
        raise FileNotFoundError(f"{folder} holds no <dataset>/mds.parquet")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def compare_scores(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per score in both: old, new, difference, and ``significant`` when the intervals do not overlap."""
    cols = KEYS + ["mds", "ci_low", "ci_high"]
    both = old[cols].merge(new[cols], on=KEYS, suffixes=("_old", "_new"))
    both["diff"] = both["mds_new"] - both["mds_old"]
    both["significant"] = (both["ci_low_new"] > both["ci_high_old"]) | (both["ci_high_new"] < both["ci_low_old"])
    return both[KEYS + ["mds_old", "mds_new", "diff", "ci_low_old", "ci_high_old", "ci_low_new", "ci_high_new",
                        "significant"]].sort_values(KEYS, ignore_index=True)

"""Upper bounds in score tables: scored like methods, marked in every table and figure, never ranked.

A bound (``benchmark.bounds``, a method kind that reads the oracle, e.g. ``sgf_bound``) has
``bound = True`` in ``mds.parquet``. Readers show it under :func:`label` and order it after every
method (:func:`ranked`), so no best-method mark or ranking ever counts it.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

MARK = " [bound: reads the oracle]"


def bound_methods(scores: pd.DataFrame) -> set[str]:
    """The methods of an MDS table (``mds.parquet`` rows) that are upper bounds (none in a table without the flag)."""
    if "bound" not in scores:
        return set()
    return set(scores.loc[scores["bound"].astype(bool), "method"])


def label(method: str, bounds: Iterable[str]) -> str:
    """The name to show: a bound carries :data:`MARK`."""
    return method + MARK if method in set(bounds) else method


def ranked(scores: pd.Series, bounds: Iterable[str]) -> list[str]:
    """Methods (the index of ``scores``, a score per method) best first, then the bounds, by name."""
    bounds = set(bounds)
    methods = scores[[m not in bounds for m in scores.index]].sort_values(ascending=False, kind="stable")
    return [*methods.index, *sorted(m for m in scores.index if m in bounds)]

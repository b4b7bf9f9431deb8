"""The MDS regression gate behind ``latentbench check``.

A baseline file holds tolerances and the expected metrics, keyed ``<dataset>/<method>/<metric>``::

    {"tolerance": {"default": {"abs": 0.02, "rel": 0.05}, "sgf": {"abs": 0.05}, "sgf.size": {"rel": 0.1}},
     "metrics": {"shapes/sgf/mean": 0.76, "shapes/sgf/oracle_mean": 0.8}}

A tolerance entry may give ``abs``, ``rel`` or both; a full key ``dataset/method/metric`` overrides
``method.metric``, which overrides ``method``, which overrides ``default`` (a missing field falls back
to the less specific entry, then to 0). A metric fails when ``new < old - max(abs, rel * |old|)``:
only drops fail. A baseline metric missing from the current run fails too.

:func:`derived_tolerances` sets each metric's ``abs`` from measured spread: reruns that should not
count as a regression (the replicates, which reseed every model; a run on another CPU kernel path).
"""
from __future__ import annotations

import glob
import json
import math
import re
from pathlib import Path

import numpy as np

NOT_GATED = {"judge_held_out_error", "guide_held_out_error"}
DEFAULT_TOLERANCE = {"default": {"abs": 0.02, "rel": 0.05}}


class GateError(Exception):
    """A missing or malformed baseline or metrics file."""


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise GateError(f"{path}: file not found") from None
    except OSError as exc:
        raise GateError(f"{path}: cannot read it ({exc})") from None
    except ValueError as exc:
        raise GateError(f"{path}: not valid JSON ({exc})") from None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_metrics(pattern: str) -> dict[str, float]:
    """Every MDS metric of the metrics.json files matching ``pattern``, keyed dataset/method/metric."""
    files = sorted(glob.glob(pattern))
    if not files:
        raise GateError(f"no metrics file matches {pattern!r}")
    metrics = {}
    for file in map(Path, files):
        data = _read_json(file)
        if not isinstance(data, dict):
            raise GateError(f"{file}: expected a JSON object of methods")
        for method, entry in data.items():
            if method in NOT_GATED:
                continue
            if not isinstance(entry, dict) or not all(map(_is_number, entry.values())):
                raise GateError(f"{file}: {method!r} is not an object of numbers")
            metrics.update({f"{file.parent.name}/{method}/{name}": float(v) for name, v in entry.items()})
    return metrics


def load_baseline(path: Path) -> dict:
    """The baseline file, checked: ``tolerance`` entries of non-negative abs/rel, numeric ``metrics``."""
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise GateError(f"{path}: expected an object with a 'metrics' object")
    if not all(key.count("/") == 2 and _is_number(v) for key, v in data["metrics"].items()):
        raise GateError(f"{path}: 'metrics' must map '<dataset>/<method>/<metric>' to numbers")
    tolerance = data.setdefault("tolerance", {})
    if not isinstance(tolerance, dict):
        raise GateError(f"{path}: 'tolerance' must be an object")
    for key, entry in tolerance.items():
        if not (isinstance(entry, dict) and entry and set(entry) <= {"abs", "rel"}
                and all(_is_number(v) and v >= 0 for v in entry.values())):
            raise GateError(f"{path}: tolerance {key!r} must be an object of non-negative 'abs' and/or 'rel'")
    return data


def tolerance_for(tolerance: dict, key: str) -> dict[str, float]:
    """abs and rel for ``dataset/method/metric``: default, then method, then method.metric, then the key."""
    _, method, name = key.split("/", 2)
    merged = {"abs": 0.0, "rel": 0.0}
    for level in ("default", method, f"{method}.{name}", key):
        merged.update(tolerance.get(level, {}))
    return merged


def compare(baseline: dict, current: dict[str, float]) -> list[dict]:
    """One row per metric (baseline's and new ones): old, new, diff, status ok/FAIL/missing/new."""
    rows = []
    for key in sorted({*baseline["metrics"], *current}):
        old, new = baseline["metrics"].get(key), current.get(key)
        if old is None:
            status = "new"
        elif new is None:
            status = "missing"
        else:
            tol = tolerance_for(baseline["tolerance"], key)
            status = "ok" if new >= old - max(tol["abs"], tol["rel"] * abs(old)) else "FAIL"  # NaN fails
        diff = None if old is None or new is None else new - old
        rows.append({"metric": key, "old": old, "new": new, "diff": diff, "status": status})
    return rows


def failures(rows: list[dict]) -> list[str]:
    return [r["metric"] for r in rows if r["status"] in ("FAIL", "missing")]


def format_table(rows: list[dict]) -> str:
    num = lambda v, sign="": "-" if v is None else f"{v:{sign}.4f}"  # noqa: E731
    width = max([len("metric"), *(len(r["metric"]) for r in rows)])
    lines = [f"{'metric':<{width}}  {'old':>7}  {'new':>7}  {'diff':>8}  status"]
    lines += [f"{r['metric']:<{width}}  {num(r['old']):>7}  {num(r['new']):>7}  {num(r['diff'], '+'):>8}  {r['status']}"
              for r in rows]
    return "\n".join(lines)


def write_baseline(path: Path, tolerance: dict, metrics: dict[str, float]) -> None:
    document = {"tolerance": tolerance, "metrics": dict(sorted(metrics.items()))}
    path.write_text(json.dumps(document, indent=2) + "\n")


def run_metrics(patterns: list[str]) -> list[dict[str, float]]:
    """One metrics dict per file matching any of ``patterns``; a replicate's dataset (``shapes_rep2``)
    counts as its base (``shapes``), so its metrics line up with the baseline's."""
    files = sorted({f for pattern in patterns for f in glob.glob(pattern)})
    if not files:
        raise GateError(f"no metrics file matches {patterns}")
    return [{re.sub(r"^(\w+?)_rep\d+/", r"\1/", key): v for key, v in load_metrics(f).items()} for f in files]


def derived_tolerances(reference: dict[str, float], runs: list[dict[str, float]], k: float, floor: float,
                       margin: float) -> dict[str, dict[str, float]]:
    """Per metric of ``reference`` that some run measured: ``abs`` = the largest of ``floor``, ``k`` times
    the standard deviation of the reference and the runs' values, and ``margin`` times the largest drop
    of a run below the reference; rounded up to 0.001. Metrics no run measured keep the default."""
    tolerance = {}
    for key, old in sorted(reference.items()):
        values = [run[key] for run in runs if math.isfinite(run.get(key, math.nan))]
        if not values:
            continue
        spread = float(np.std([old, *values], ddof=1))
        drop = max(0.0, *(old - v for v in values))
        tolerance[key] = {"abs": math.ceil(max(floor, k * spread, margin * drop) * 1000) / 1000}
    return tolerance

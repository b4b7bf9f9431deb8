"""A sweep over a generator knob at several seeds: per-seed means, their spread, and a verdict from the data.

A point of the sweep is one dataset: a knob value and a seed index (generator, readers and method fits all
reseeded). Scores are the mean over a dataset's tasks of the MDS and of the arrival score, per source.
"""
from __future__ import annotations

import pandas as pd

from pipeline_lib.scoring.rows import task_rows

SCORES = ("mds", "arrival")
SPREAD_MULTIPLE = 2.0  # a difference is decided when it exceeds this many standard deviations over seeds


def point_means(scores: pd.DataFrame, knob: str, value: float, seed: int) -> pd.DataFrame:
    """One dataset's score table -> per (method, source) the mean over its tasks of each score, tagged with the
    knob value and the seed index."""
    rows = task_rows(scores)
    means = rows.groupby(["method", "source", "bound"], as_index=False)[list(SCORES)].mean()
    return means.assign(**{knob: float(value), "seed": int(seed)})


def spread(points: pd.DataFrame, knob: str) -> pd.DataFrame:
    """Per-seed means -> per (method, source, knob value, score) the mean over seeds, the standard deviation
    (ddof 1; nan for one seed) and the number of seeds."""
    long = points.melt(id_vars=["method", "source", "bound", knob, "seed"], value_vars=list(SCORES),
                       var_name="score", value_name="value")
    return long.groupby(["method", "source", "bound", "score", knob], as_index=False)["value"].agg(
        mean="mean", sd="std", seeds="count")  # pandas' std: ddof 1, nan for one seed


def verdicts(points: pd.DataFrame, knob: str, method: str, against: list[str]) -> pd.DataFrame:
    """Per (source, score, knob value): ``method`` against the best of ``against`` there (highest mean over
    seeds). The difference is taken seed by seed (both ran on the same generator), then its mean and standard
    deviation over seeds; ``ahead`` where the mean exceeds ``SPREAD_MULTIPLE`` deviations, ``behind`` where it
    is below minus that, ``undecided`` otherwise (and with fewer than two seeds)."""
    rows = []
    for (source, value), part in points.groupby(["source", knob], sort=True):
        for score in SCORES:
            table = part.pivot(index="seed", columns="method", values=score)
            if method not in table or not set(against) & set(table):
                continue
            best = table[[m for m in against if m in table]].mean().idxmax()
            diff = (table[method] - table[best]).dropna()
            mean, sd = float(diff.mean()), float(diff.std())  # nan for one seed
            decided = len(diff) > 1 and abs(mean) > SPREAD_MULTIPLE * sd
            rows.append({"source": source, "score": score, knob: value, "method": method, "best_other": best,
                         "difference": mean, "sd": sd, "seeds": len(diff),
                         "verdict": ("ahead" if mean > 0 else "behind") if decided else "undecided"})
    return pd.DataFrame(rows)


def sweep_markdown(summary: pd.DataFrame, decided: pd.DataFrame, knob: str) -> str:
    """The sweep as markdown: per source and score a table of mean +- sd over seeds (methods x knob values),
    then the verdict table."""
    parts = []
    for (source, score), part in summary.groupby(["source", "score"], sort=False):
        values = sorted(part[knob].unique())
        lines = [f"### {source} {score}", "", f"| method | {' | '.join(f'{knob} {v:g}' for v in values)} |",
                 "|---" * (len(values) + 1) + "|"]
        for method, rows in part.groupby("method", sort=True):
            cells = rows.set_index(knob).reindex(values)
            label = f"{method} [bound]" if rows["bound"].any() else method
            lines.append(f"| {label} | " + " | ".join(f"{m:.3f} ± {s:.3f}" for m, s in zip(cells["mean"], cells["sd"]))
                         + " |")
        parts.append("\n".join(lines))
    lines = ["### verdict", "", f"| source | score | {knob} | method | best other | difference | sd | seeds | "
             "verdict |", "|---" * 9 + "|"]
    for r in decided.itertuples(index=False):
        row = r._asdict()
        lines.append(f"| {row['source']} | {row['score']} | {row[knob]:g} | {row['method']} | {row['best_other']} | "
                     f"{row['difference']:+.3f} | {row['sd']:.3f} | {row['seeds']} | {row['verdict']} |")
    parts.append("\n".join(lines) + f"\n\nThe difference is taken seed by seed; decided when its mean exceeds "
                 f"{SPREAD_MULTIPLE:g} standard deviations over seeds.")
    return "\n\n".join(parts) + "\n"

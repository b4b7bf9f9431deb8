"""Self-contained HTML pages for the report: the MDS table, and the params a run used.

Snakemake's report shows an HTML output inline (a markdown one only as a download).
"""
from __future__ import annotations

import html

import pandas as pd
import yaml

from pipeline_lib.report.plots import mds_summary
from pipeline_lib.scoring.bounds import label, ranked

STYLE = """
body { font-family: sans-serif; font-size: 14px; margin: 1.5em; color: #1e293b; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; border-bottom: 1px solid #cbd5e1; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
tr.error td { color: #64748b; font-style: italic; }
pre { background: #f1f5f9; padding: 1em; }
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body><h2>{html.escape(title)}</h2>\n{body}\n</body></html>\n")


def mds_html(scores: pd.DataFrame) -> str:
    """The MDS table of one dataset's scores (``mds.parquet``) as an HTML page; cells as in :func:`mds_summary`."""
    dataset = scores["dataset"].iloc[0]
    table = mds_summary(scores).to_html(index=False, border=0, classes="mds")
    for _ in range(2):  # the last two rows: the judge's and the guide's held-out errors
        head, tail = table.rsplit("<tr>", 1)
        table = head + '<tr class="error">' + tail
    note = ("<p>MDS with 95% bootstrap intervals over source codes, read by the judge (a reader no method saw); "
            "the oracle's and the guide's means beside it, the means over single attributes and over group tasks apart, "
            "and the arrival score (each code scored where it first reaches its target, docs/metric.md). judge - oracle is the noise penalty (what an imperfect "
            "reader costs), guide - judge what a method gains from reading the guide. The last rows are the "
            "judge's and the guide's held-out error per attribute.</p>")
    return _page(f"MDS on {dataset}", table + note)


def cross_dataset_html(means: pd.DataFrame, bounds: set[str] = frozenset()) -> str:
    """Mean MDS (methods x datasets) as an HTML page, methods ordered by their mean over datasets, then the
    ``bounds`` (marked, unranked)."""
    table = means.assign(**{"mean over datasets": means.mean(axis=1)})
    table = table.loc[ranked(table["mean over datasets"], bounds)].rename(index=lambda m: label(m, bounds))
    # unnamed columns: a columns name ("dataset") would add a header cell over an empty column
    body = table.reset_index().rename_axis(columns=None).to_html(index=False, border=0,
                                                                 float_format="{:.3f}".format)
    return _page("Mean MDS per method and dataset", body + "<p>Mean over each dataset's targets (judge).</p>")


def params_html(params: dict) -> str:
    """The params a run used, as YAML in an HTML page."""
    text = yaml.safe_dump(params, sort_keys=False, default_flow_style=None, width=100)
    return _page("Params of this run", f'<pre id="params">{html.escape(text)}</pre>')

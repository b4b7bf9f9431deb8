"""Wall time per rule and dataset of a finished Snakemake run, from its log.

    python -m bench.stage_times [.snakemake/log/<run>.snakemake.log]   (default: the newest)

Prints one row per (dataset, rule): jobs, seconds summed over them, and the run's span. A job's time runs
from its start line to its "Finished jobid" line, so jobs that ran side by side both count in full.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import click

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def job_spans(lines: list[str]) -> list[tuple[str, str, float]]:
    """(rule, dataset, seconds) per finished job of a Snakemake log's lines."""
    started, spans, stamp, current = {}, [], None, None
    for line in lines:
        found = STAMP.match(line.strip())
        if found:
            stamp = datetime.strptime(" ".join(found.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif m := re.match(r"^(?:local)?rule (\w+):$", line):
            current = {"rule": m.group(1), "dataset": "", "start": stamp}
        elif current and (m := re.match(r"^\s+wildcards: .*dataset=([\w]+)", line)):
            current["dataset"] = m.group(1)
        elif current and (m := re.match(r"^\s+jobid: (\d+)$", line)):
            started[m.group(1)] = current
        elif (m := re.match(r"^Finished jobid: (\d+)", line)) and m.group(1) in started:
            job = started.pop(m.group(1))
            spans.append((job["rule"], job["dataset"], (stamp - job["start"]).total_seconds()))
    return spans


@click.command()
@click.argument("log", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def main(log):
    log = log or max(Path(".snakemake/log").glob("*.snakemake.log"), key=lambda p: p.stat().st_mtime)
    lines = log.read_text().splitlines()
    totals = defaultdict(lambda: [0, 0.0])
    for rule, dataset, seconds in job_spans(lines):
        totals[dataset, rule][0] += 1
        totals[dataset, rule][1] += seconds
    stamps = [datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
              for m in map(STAMP.match, (x.strip() for x in lines)) if m]
    print(f"{log}: span {(stamps[-1] - stamps[0]).total_seconds() / 60:.1f} min" if stamps else f"{log}: no jobs")
    print("| dataset | rule | jobs | seconds |\n|---|---|---|---|")
    for (dataset, rule), (jobs, seconds) in sorted(totals.items()):
        print(f"| {dataset or '-'} | {rule} | {jobs} | {seconds:.0f} |")


if __name__ == "__main__":
    main()

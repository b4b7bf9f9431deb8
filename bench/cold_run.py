"""Cold default run: wall time and peak memory of the README's run command in a fresh folder.

Copies the workflow and params.yaml (nothing computed) to a scratch folder, runs
`latentbench run --cores N` there and samples the RSS of its whole process tree every 0.5 s.
Targets on 2 cores: under 10 minutes and under 2 GiB.

    python -m bench.cold_run [--workspace .] [--cores 2] [--dataset shapes ...]
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import psutil

from pipeline_lib.workflow.workspace import copy_workflow


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of ``proc`` and all its descendants (0 for those that ended meanwhile)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


@click.command()
@click.option("--workspace", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--cores", default="2", show_default=True)
@click.option("--dataset", "datasets", multiple=True, help="Only these datasets (default: params.yaml's).")
def main(workspace, cores, datasets):
    with tempfile.TemporaryDirectory() as tmp:
        copy_workflow(workspace, Path(tmp), extra=("params.yaml",))
        cmd = [sys.executable, "-m", "pipeline_lib.workflow.cli", "run", "--cores", cores,
               *[arg for d in datasets for arg in ("--dataset", d)]]
        log = Path(tmp) / "run.log"  # not a pipe: nobody reads it during the run, and a full pipe blocks the run
        start, peak = time.perf_counter(), 0
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
            watched = psutil.Process(proc.pid)
            while proc.poll() is None:
                peak = max(peak, tree_rss(watched))
                time.sleep(0.5)
        seconds = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"the run failed:\n{log.read_text()[-2000:]}")
    print(f"| cold run ({', '.join(datasets) or 'default'}, {cores} cores) | {seconds / 60:.1f} min "
          f"(target < 10) | peak RSS {peak / 2**30:.2f} GiB (target < 2) |")


if __name__ == "__main__":
    main()

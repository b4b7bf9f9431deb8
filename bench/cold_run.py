"""Cold default run: wall time and peak memory of the README's run command in a fresh folder.

Copies the workflow and params.yaml (nothing computed) to a scratch folder (or ``--keep DIR``, left in place
with its outputs), runs `latentbench run --cores N` there and samples the memory of its whole process tree
every second: the proportional set size (PSS: a page shared by k processes counts 1/k to each, so torch's
libraries, mapped by every job, count once) and, for comparison, the resident sizes summed (which count
them once per process). Targets on 2 cores: under 12 minutes and under 2 GiB (PSS).

    python -m bench.cold_run [--workspace .] [--cores 2] [--dataset shapes ...] [--keep DIR]
"""
from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import psutil

from pipeline_lib.workflow.workspace import copy_workflow


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """(PSS, RSS) bytes of ``proc`` and all its descendants, summed (0 for those that ended meanwhile)."""
    pss = rss = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            info = p.memory_full_info()
        except psutil.Error:
            continue
        pss, rss = pss + info.pss, rss + info.rss
    return pss, rss


@click.command()
@click.option("--workspace", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--cores", default="2", show_default=True)
@click.option("--dataset", "datasets", multiple=True, help="Only these datasets (default: params.yaml's).")
@click.option("--keep", type=click.Path(exists=False, file_okay=False, path_type=Path),
              help="Run in this new folder and keep it (outputs, Snakemake log) instead of a scratch folder.")
def main(workspace, cores, datasets, keep):
    if keep is not None and keep.exists():
        raise click.UsageError(f"--keep {keep} exists; give a new folder")
    with (contextlib.nullcontext(str(keep)) if keep else tempfile.TemporaryDirectory()) as tmp:
        copy_workflow(workspace, Path(tmp), extra=("params.yaml",))
        cmd = [sys.executable, "-m", "pipeline_lib.workflow.cli", "run", "--cores", cores,
               *[arg for d in datasets for arg in ("--dataset", d)]]
        log = Path(tmp) / "run.log"  # not a pipe: nobody reads it during the run, and a full pipe blocks the run
        start, peak_pss, peak_rss = time.perf_counter(), 0, 0
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
            watched = psutil.Process(proc.pid)
            while proc.poll() is None:
                pss, rss = tree_memory(watched)
                peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
                time.sleep(1.0)
        seconds = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"the run failed:\n{log.read_text()[-2000:]}")
    print(f"| cold run ({', '.join(datasets) or 'default'}, {cores} cores) | {seconds / 60:.1f} min "
          f"(target < 12) | peak PSS {peak_pss / 2**30:.2f} GiB (target < 2); summed RSS {peak_rss / 2**30:.2f} GiB |")


if __name__ == "__main__":
    main()

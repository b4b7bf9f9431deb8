"""A workspace is a folder holding a copy of the workflow: what tests and benchmarks run Snakemake in.

``copy_workflow`` makes one; ``planned_jobs`` reads what a dry run there would execute.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

WORKFLOW_FILES = ("Snakefile", "rules", "envs", "reports/captions", "pipeline_lib", "stages")


def tool_env() -> dict:
    """This environment with this interpreter's bin folder (python, snakemake, dvc) first on PATH."""
    return dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def copy_workflow(src: Path, dst: Path, extra: tuple[str, ...] = ()) -> None:
    """Copy the workflow's files (and ``extra`` paths) from ``src`` into the folder ``dst``."""
    for name in (*WORKFLOW_FILES, *extra):
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src / name, dst / name)


def planned_jobs(workspace: Path, *args: str) -> dict[str, int]:
    """Rule -> job count that a dry run of ``snakemake <args>`` in ``workspace`` would run ({} when none)."""
    done = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", *args], cwd=workspace,
                          env=tool_env(), capture_output=True, text=True)
    out = done.stdout + done.stderr
    if done.returncode:
        raise RuntimeError(f"snakemake -n {' '.join(args)} failed in {workspace}:\n{out[-1500:]}")
    if "Job stats:" not in out:
        return {}
    table = out.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}

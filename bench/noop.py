"""No-op rerun cost on a complete workspace: `snakemake -n` and `dvc status` (target: under 3 s each).

    python -m bench.noop [--workspace .]
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from bench.common import require_only, wall


@click.command()
@click.option("--workspace", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--repeats", default=3, show_default=True)
@click.option("--tool", "tools", multiple=True, type=click.Choice(["snakemake", "dvc"]), default=("snakemake", "dvc"),
              show_default=True, help="Which no-op commands to time (dvc needs a DVC repository).")
def main(workspace, repeats, tools):
    commands = {"snakemake -n": [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--quiet"],
                "dvc status": [sys.executable, "-m", "dvc", "status"]}
    require_only(workspace, set())
    for name, cmd in commands.items():
        if name.split()[0] not in tools:
            continue
        best = min(wall(cmd, workspace) for _ in range(repeats))
        print(f"| no-op `{name}` | {best:.2f} s (best of {repeats}) | target < 3 s |")


if __name__ == "__main__":
    main()

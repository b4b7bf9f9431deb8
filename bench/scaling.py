"""Scaling of the sample -> label -> edit -> score path with the number of edited codes.

Copies the workspace's workflow and trained networks into a scratch folder, then times
Snakemake on that path for one dataset and one method at 1x, 4x and 16x the default
`n_edit` (fitting excluded: the method's weights are copied too). Growth should be linear: the
marginal cost per added code, printed between consecutive factors, should stay the same (the
ratios time(kx) / time(1x) approach k only once the fixed costs, start-up and labeling the fit
codes, are small beside the edits).

    python -m bench.scaling [--workspace .] [--dataset shapes] [--method interfacegan] [--factors 1 --factors 4 --factors 16]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click
import yaml

from bench.common import wall
from pipeline_lib.workflow.workspace import copy_workflow


def scratch_workspace(src: Path, dst: Path, dataset: str, method: str, params: dict) -> None:
    copy_workflow(src, dst)
    data = dst / "data" / dataset
    (data / "methods").mkdir(parents=True)
    for name in ("generator.pt", "guide.pt", "guide_eval.json", "judge.pt", "judge_eval.json"):
        shutil.copy(src / "data" / dataset / name, data / name)
    shutil.copy(src / "data" / dataset / "methods" / f"{method}.pt", data / "methods" / f"{method}.pt")
    (dst / "params.yaml").write_text(yaml.safe_dump(params))


@click.command()
@click.option("--workspace", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dataset", default="shapes")
@click.option("--method", default="interfacegan")
@click.option("--factors", multiple=True, type=int, default=(1, 4, 16), show_default=True)
def main(workspace, dataset, method, factors):
    base = yaml.safe_load((workspace / "params.yaml").read_text())
    base["benchmark"].update(datasets=[dataset], methods=[method])
    base.pop("sweeps", None)
    n_edit = base["datasets"][dataset]["sampling"]["n_edit"]
    times = {}
    for k in factors:
        params = yaml.safe_load(yaml.safe_dump(base))
        params["datasets"][dataset]["sampling"]["n_edit"] = k * n_edit
        with tempfile.TemporaryDirectory() as tmp:
            scratch_workspace(workspace, Path(tmp), dataset, method, params)
            # only these rules run: the copied networks and method weights stand as they are
            times[k] = wall([sys.executable, "-m", "snakemake", "--cores", str(base.get("threads", 1)), "--quiet",
                             "all", "--forceall", "--allowed-rules", "sample_latents", "label_latents", "edit",
                             "score", "--", f"reports/{dataset}/mds.parquet"], Path(tmp))
        row = (f"| scaling {k}x ({k * n_edit} codes) | {times[k]:.1f} s "
               f"| ratio to 1x {times[k] / times[factors[0]]:.2f} |")
        if len(times) > 1:  # linear growth: the cost of each added code stays the same from step to step
            (j, tj), (_, tk) = list(times.items())[-2:]
            row += f" marginal {1000 * (tk - tj) / ((k - j) * n_edit):.1f} s per 1000 codes |"
        print(row)


if __name__ == "__main__":
    main()

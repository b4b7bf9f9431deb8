"""How close the edit, judge and score stages come to the floor set by G, the guide and the judge.

Floor: the G + guide forwards the edit stage must do and the G + judge forwards of judge_edits
(each: methods x targets x edited codes x strengths), timed in a tight batched loop. Measured: the
wall time of rerunning every edit, judge_edits and score job of the dataset through Snakemake (process start-up, loading, the methods' own work, parquet
I/O included) in a scratch copy of the complete workspace (its workflow, params.yaml,
data/<dataset> and reports/<dataset>), so the workspace's own results stay as they were. Prints
the ratio (the target is at most 1.5), then each method's edit job from its log, without process
start-up: linear methods can reach 1, the gradient baseline pays a backward pass per step.

    python -m bench.floor [--workspace .] [--dataset shapes]
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import click

from bench.common import edited_images, forward_seconds_per_image, networks, require_only, wall
from pipeline_lib.attributes.judge import load_judge
from pipeline_lib.config.params import edited_methods
from pipeline_lib.workflow.workspace import copy_workflow


def stage_seconds(log: Path) -> float:
    """The wall time a stage logged for its own work (``done in X s``: after imports, before exit)."""
    return float(re.findall(r"done in ([0-9.]+) s", log.read_text())[-1])


@click.command()
@click.option("--workspace", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dataset", default="shapes")
def main(workspace, dataset):
    rerun = ["--forcerun", "edit", "judge_edits", "score", "--", f"reports/{dataset}/mds.parquet"]
    require_only(workspace, {"edit", "judge_edits", "score"}, *rerun)
    params, gen, pred = networks(workspace, dataset)
    judge = load_judge(workspace / "data" / dataset / "judge.pt")
    images = edited_images(params, dataset)
    batch = params["edit"]["batch_size"]
    edit_floor = images * forward_seconds_per_image(gen, pred, batch)
    floor = edit_floor + images * forward_seconds_per_image(gen, judge, batch)
    cores = str(params.get("threads", 1))
    methods = edited_methods(params, dataset)
    with tempfile.TemporaryDirectory(prefix="latentbench-floor-") as scratch:
        scratch = Path(scratch)
        copy_workflow(workspace, scratch, ("params.yaml", f"data/{dataset}", f"reports/{dataset}"))
        measured = wall([sys.executable, "-m", "snakemake", "--cores", cores, "--quiet", "all", *rerun], scratch)
        edits = {m: stage_seconds(scratch / "logs" / dataset / "edit" / f"{m}.log") for m in methods}
    print(f"| floor ratio ({dataset}) | {images} images | floor {floor:.1f} s (edit {edit_floor:.1f} s) "
          f"| edit+judge+score {measured:.1f} s "
          f"| ratio {measured / floor:.2f} (target <= 1.5) |")
    share = edit_floor / len(methods)
    for method, seconds in edits.items():  # inside each edit process: its own work over its edit floor share
        print(f"|   {method} (in-process) | edit {seconds:.1f} s | floor {share:.1f} s | ratio {seconds / share:.2f} |")


if __name__ == "__main__":
    main()

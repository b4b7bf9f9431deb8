"""What the bench scripts share: timing, the workspace's params, loading a dataset's networks."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from pipeline_lib.generators import load_generator
from pipeline_lib.params import benchmark_targets, load_params
from pipeline_lib.predictor import load_predictor


WORKFLOW = ("Snakefile", "envs", "reports/captions", "pipeline_lib", "stages")


def copy_workflow(src: Path, dst: Path, extra: tuple[str, ...] = ()) -> None:
    """Copy the workflow's files (and ``extra`` paths) from ``src`` into the folder ``dst``."""
    for name in (*WORKFLOW, *extra):
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (src / name).is_dir() else shutil.copy)(src / name, dst / name)


def best_time(fn, repeats: int = 3) -> float:
    """Minimum wall time of ``fn()`` over ``repeats`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def tool_env() -> dict:
    """This environment with this interpreter's bin folder (python, snakemake, dvc) first on PATH."""
    return dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))


def wall(cmd: list[str], cwd: Path) -> float:
    """Seconds ``cmd`` takes in ``cwd``, with this interpreter's tools on PATH; fails loudly."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=tool_env(), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def planned_jobs(workspace: Path, *args: str) -> dict[str, int]:
    """Rule -> job count that a dry run of ``snakemake <args>`` in ``workspace`` would run ({} when none)."""
    done = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", *args], cwd=workspace,
                          env=tool_env(), capture_output=True, text=True)
    out = done.stdout + done.stderr
    if done.returncode:
        raise SystemExit(f"snakemake -n {' '.join(args)} failed in {workspace}:\n{out[-1500:]}")
    if "Job stats:" not in out:
        return {}
    table = out.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def require_only(workspace: Path, allowed: set[str], *args: str) -> None:
    """Exit when ``snakemake <args>`` would run rules beyond ``allowed``: a bench times only what it means to."""
    extra = set(planned_jobs(workspace, *args)) - allowed - {"all"}
    if extra:
        raise SystemExit(f"{workspace} is not complete: this bench would also run {sorted(extra)}; "
                         f"run `latentbench run` there first")


def networks(workspace: Path, dataset: str):
    """The dataset's generator and predictor from the workspace, on the CPU, with params' thread count."""
    params = load_params(workspace / "params.yaml")
    torch.set_num_threads(params.get("threads", 1))
    data = workspace / "data" / dataset
    return params, load_generator(data / "generator.pt"), load_predictor(data / "predictor.pt")


def edited_images(params: dict, dataset: str) -> int:
    """Images the edit stages must generate and measure: methods x targets x codes x strengths."""
    per_path = params["datasets"][dataset]["sampling"]["n_edit"] * (params["edit"]["steps"] + 1)
    return len(params["benchmark"]["methods"]) * len(benchmark_targets(params, dataset)) * per_path


def forward_seconds_per_image(gen, pred, batch: int, repeats: int = 3) -> float:
    """G + C on one batch of ``batch`` codes in a tight no-grad loop, per image."""
    z = gen.sample(batch, 0)
    with torch.no_grad():
        return best_time(lambda: pred(gen(z)), repeats) / batch

"""What the bench scripts share: timing, the workspace's params, loading a dataset's networks."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import torch

from pipeline_lib.data.generators import load_generator
from pipeline_lib.config.params import benchmark_targets, edited_methods, load_params
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.workflow.workspace import planned_jobs, tool_env


def best_time(fn, repeats: int = 3) -> float:
    """Minimum wall time of ``fn()`` over ``repeats`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def wall(cmd: list[str], cwd: Path) -> float:
    """Seconds ``cmd`` takes in ``cwd``, with this interpreter's tools on PATH; fails loudly."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=tool_env(), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def require_only(workspace: Path, allowed: set[str], *args: str) -> None:
    """Exit when ``snakemake <args>`` would run rules beyond ``allowed``: a bench times only what it means to."""
    try:
        extra = set(planned_jobs(workspace, *args)) - allowed - {"all"}
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    if extra:
        raise SystemExit(f"{workspace} is not complete: this bench would also run {sorted(extra)}; "
                         f"run `latentbench run` there first")


def networks(workspace: Path, dataset: str):
    """The dataset's generator and guide from the workspace, on the CPU, with params' thread count."""
    params = load_params(workspace / "params.yaml")
    torch.set_num_threads(params.get("threads", 1))
    data = workspace / "data" / dataset
    return params, load_generator(data / "generator.pt"), load_predictor(data / "guide.pt")


def edited_images(params: dict, dataset: str) -> int:
    """Images the edit stages must generate and measure: methods (and bounds) x targets x codes x strengths."""
    per_path = params["datasets"][dataset]["sampling"]["n_edit"] * (params["edit"]["steps"] + 1)
    return len(edited_methods(params, dataset)) * len(benchmark_targets(params, dataset)) * per_path


def forward_seconds_per_image(gen, pred, batch: int, repeats: int = 3) -> float:
    """G + C on one batch of ``batch`` codes in a tight no-grad loop, per image."""
    z = gen.sample(batch, 0)
    with torch.no_grad():
        return best_time(lambda: pred(gen(z)), repeats) / batch

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_lib.config.params import benchmark_targets, edited_methods
from pipeline_lib.workflow.workspace import copy_workflow, tool_env

ROOT = Path(__file__).resolve().parents[1]
PINS = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS")


def run(cmd: list[str], cwd: Path, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=tool_env(), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def make_workspace(path: Path) -> Path:
    """A fresh copy of the workflow with the tiny config as its params.yaml."""
    copy_workflow(ROOT, path)
    shutil.copy(ROOT / "tests" / "tiny_params.yaml", path / "params.yaml")
    return path


def edit_grids(params: dict) -> set[str]:
    """The edit grids a run of ``params`` draws, under reports/: one per dataset, method (or bound) and target."""
    return {f"{dataset}/grids/{method}/{target}.png" for dataset in params["benchmark"]["datasets"]
            for method in edited_methods(params, dataset) for target in benchmark_targets(params, dataset)}


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tests run torch on one intra-op thread. Their tensors are small: on two cores shared with other jobs a
    second thread mostly waits for a core (a test training a predictor took 13 s on two threads, 3.3 s on one),
    and one thread keeps the numerics the learned-quality thresholds were measured with. Stages started in
    subprocesses keep the thread count their params give."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def pytest_report_header(config):
    """Which CPU kernels torch runs here: learned-quality thresholds must hold on every path (README, Tests)."""
    import torch

    pins = [f"{k}={os.environ[k]}" for k in PINS if k in os.environ]
    return f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}" + \
        (f" ({', '.join(pins)})" if pins else "")


def pytest_collection_modifyitems(config, items):
    """The unit tier (`-m "not workflow"`) must never start the whole DAG: a test that asks for tiny_run, or is
    marked slow, without the workflow mark is an error at collection, not a silent several-minute run."""
    unmarked = [item.nodeid for item in items if item.get_closest_marker("workflow") is None and (
        "tiny_run" in getattr(item, "fixturenames", ()) or item.get_closest_marker("slow"))]
    if unmarked:
        raise pytest.UsageError("tests using tiny_run or marked slow must be marked workflow: " + ", ".join(unmarked))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The whole DAG (the benchmark and the text-editing target) run once by Snakemake on the tiny config."""
    ws = make_workspace(tmp_path_factory.mktemp("tiny"))
    run([sys.executable, "-m", "snakemake", "--cores", "2", "all", "text"], ws)
    return ws

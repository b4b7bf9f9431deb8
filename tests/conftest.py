import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_lib.workflow.workspace import copy_workflow, tool_env

ROOT = Path(__file__).resolve().parents[1]


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


def pytest_collection_modifyitems(config, items):
    """The unit tier (`-m "not workflow"`) must never start the whole DAG: a test that asks for tiny_run
    without the workflow mark is an error at collection, not a silent several-minute run."""
    unmarked = [item.nodeid for item in items
                if "tiny_run" in getattr(item, "fixturenames", ()) and item.get_closest_marker("workflow") is None]
    if unmarked:
        raise pytest.UsageError("tests using tiny_run must be marked workflow: " + ", ".join(unmarked))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The whole DAG (the benchmark and the text-editing target) run once by Snakemake on the tiny config."""
    ws = make_workspace(tmp_path_factory.mktemp("tiny"))
    run([sys.executable, "-m", "snakemake", "--cores", "2", "all", "text"], ws)
    return ws

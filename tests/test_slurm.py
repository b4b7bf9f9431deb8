"""A slice of the tiny DAG on a one-node Slurm cluster (scripts/slurm_cluster.sh) through profiles/slurm."""
import os
import re
import subprocess
import sys
import threading

import pandas as pd
import pytest

from conftest import ROOT, make_workspace, run

pytestmark = pytest.mark.workflow

CLUSTER = ROOT / "scripts" / "slurm_cluster.sh"
# one dataset, two methods, two targets: every kind of job, few of each (each Slurm job costs seconds)
METHODS, TARGETS = ["interfacegan", "gradient"], ["shape", "size"]
SLICE = ["--dataset", "shapes", *(a for m in METHODS for a in ("--method", m)),
         *(a for t in TARGETS for a in ("--attribute", t))]


def _cluster(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CLUSTER), command], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def slurm_cluster():
    """The local cluster, up for this module's tests and always taken down after."""
    try:
        started = _cluster("up")
        if started.returncode:
            pytest.fail(f"the Slurm test cluster did not start:\n{started.stdout}{started.stderr}")
        yield
    finally:
        _cluster("down")


def _squeue(*args: str) -> list[str]:
    return subprocess.run(["squeue", "-h", *args], capture_output=True, text=True, check=True).stdout.split()


class RunningJobs(threading.Thread):
    """Polls squeue twice a second; `most` is the largest number of jobs seen running at once."""

    def __init__(self):
        super().__init__(daemon=True)
        self.most, self.done = 0, threading.Event()

    def run(self):
        while not self.done.wait(0.5):
            self.most = max(self.most, len(_squeue("--states=RUNNING", "--format=%i")))


def _slice(scores: pd.DataFrame) -> pd.DataFrame:
    """The task rows of the sliced methods and targets."""
    return scores[scores["method"].isin(METHODS) & scores["attribute"].isin(TARGETS)].reset_index(drop=True)


@pytest.mark.slow
def test_dag_through_slurm_matches_the_local_run(slurm_cluster, tiny_run, tmp_path):
    ws = make_workspace(tmp_path / "ws")
    watcher = RunningJobs()
    watcher.start()
    try:
        done = run([sys.executable, "-m", "pipeline_lib.workflow.cli", "run", "--profile", str(ROOT / "profiles" / "slurm"), *SLICE], ws,
                   timeout=1200)
    finally:
        watcher.done.set()
        watcher.join()
    log = done.stdout + done.stderr
    job_ids = re.findall(r"submitted with SLURM jobid (\d+)", log)
    local_jobs = len(re.findall(r"^localrule ", log, flags=re.MULTILINE))
    finished = int(re.search(r"(\d+) of \1 steps \(100%\) done", log).group(1))
    assert len(job_ids) == finished - local_jobs >= 10, log[-3000:]
    # every job ran in Slurm, finished there, and left its Slurm log named by its job id
    states = dict(line.split("|") for line in _squeue("--states=all", "--format=%i|%T"))
    assert {states.get(i) for i in job_ids} == {"COMPLETED"}, states
    slurm_logs = {p.stem for p in (ws / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert set(job_ids) <= slurm_logs
    # jobs ran side by side on the node's CPUs (one thread each in the tiny config)
    assert watcher.most >= min(2, os.cpu_count())
    # each table is scored on its own: the slice's task rows equal the whole run's (the bound and the summary
    # rows over the slice's tasks left out)
    local, remote = (_slice(pd.read_parquet(w / "reports" / "shapes" / "mds.parquet")) for w in (tiny_run, ws))
    pd.testing.assert_frame_equal(remote, local, check_exact=False, rtol=0, atol=1e-9)

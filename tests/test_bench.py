"""The bench scripts run on a complete workspace and print their table rows (figures not asserted)."""
import shutil
import sys

import pytest
import yaml

from conftest import ROOT, run

pytestmark = pytest.mark.workflow  # the benches run on the tiny run's workspace


def test_labeling_and_noop_benches_print_their_rows(tiny_run):
    bench = [sys.executable, "-m"]
    out = run(bench + ["bench.labeling", "--workspace", str(tiny_run), "--codes", "256"], ROOT).stdout
    assert out.startswith("| labeling throughput (shapes) |") and "ratio" in out
    out = run(bench + ["bench.noop", "--workspace", str(tiny_run), "--repeats", "1", "--tool", "snakemake"],
              ROOT).stdout
    assert out.startswith("| no-op `snakemake -n` |")


def test_floor_bench_prints_the_total_then_each_method(tiny_run, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(tiny_run, ws, symlinks=True)  # the bench reruns edit and score jobs
    methods = yaml.safe_load((ws / "params.yaml").read_text())["benchmark"]["methods"]
    out = run([sys.executable, "-m", "bench.floor", "--workspace", str(ws)], ROOT).stdout.splitlines()
    assert out[0].startswith("| floor ratio (shapes) |")
    assert [line.split("|")[1].split()[0] for line in out[1:]] == methods
    (ws / "data/shapes/labels.parquet").unlink()  # a stale workspace would time more than edit and score
    refused = run([sys.executable, "-m", "bench.floor", "--workspace", str(ws)], ROOT, check=False)
    assert refused.returncode != 0 and "is not complete" in refused.stderr

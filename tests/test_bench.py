"""The bench scripts run on a complete workspace and print their table rows (figures not asserted)."""
import shutil
import sys
from pathlib import Path

import yaml

from conftest import ROOT, run


def test_labeling_and_noop_benches_print_their_rows(tiny_run):
    bench = [sys.executable, "-m"]
    out = run(bench + ["bench.labeling", "--workspace", str(tiny_run), "--codes", "256"], ROOT).stdout
    assert out.startswith("| labeling throughput (shapes) |") and "ratio" in out
    out = run(bench + ["bench.noop", "--workspace", str(tiny_run), "--repeats", "1", "--tool", "snakemake"],
              ROOT).stdout
    assert out.startswith("| no-op `snakemake -n` |")


def _files(folder: Path) -> dict[Path, tuple[int, bytes]]:
    """Each file below ``folder`` but Snakemake's own (its dry runs cache what they saw): mtime (ns) and bytes."""
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*")
            if p.is_file() and ".snakemake" not in p.relative_to(folder).parts}


def test_floor_bench_prints_the_total_then_each_method_and_leaves_the_workspace_as_it_was(tiny_run, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(tiny_run, ws, symlinks=True)  # a workspace of its own to break below
    methods = yaml.safe_load((ws / "params.yaml").read_text())["benchmark"]["methods"]
    before = _files(ws)
    out = run([sys.executable, "-m", "bench.floor", "--workspace", str(ws)], ROOT).stdout.splitlines()
    assert out[0].startswith("| floor ratio (shapes) |")
    assert [line.split("|")[1].split()[0] for line in out[1:]] == methods
    after = _files(ws)  # the reruns happened in a scratch copy: no result, log or file time changed here
    assert sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p)) == []
    (ws / "data/shapes/labels.parquet").unlink()  # a stale workspace would time more than edit and score
    refused = run([sys.executable, "-m", "bench.floor", "--workspace", str(ws)], ROOT, check=False)
    assert refused.returncode != 0 and "is not complete" in refused.stderr

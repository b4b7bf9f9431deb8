"""The bench scripts run on a complete workspace and print their table rows: each figure parses, is finite and
sane, and every printed ratio is the one its printed figures give (the machine's speed is not asserted)."""
import math
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run
from pipeline_lib.config.params import benchmark_targets, edited_methods, load_params

pytestmark = pytest.mark.workflow  # the benches run on the tiny run's workspace

NUMBER = r"(-?\d+(?:\.\d+)?|nan|-?inf)"


def figures(pattern: str, line: str) -> list[float]:
    """The numbers of ``line``, which must match ``pattern`` whole ({n} stands for a number); all finite."""
    match = re.fullmatch(pattern.replace("{n}", NUMBER), line)
    assert match, f"{line!r} does not match {pattern!r}"
    values = [float(v) for v in match.groups()]
    assert all(map(math.isfinite, values)), line
    return values


def assert_ratio(ratio: float, num: float, den: float, half_unit: float) -> None:
    """``ratio`` (printed to 2 decimals) is ``num / den``, both printed to the unit ``2 * half_unit``."""
    low = (num - half_unit) / (den + half_unit) - 0.005
    high = (num + half_unit) / (den - half_unit) + 0.005 if den > half_unit else math.inf
    assert low <= ratio <= high, (ratio, num, den)


def test_labeling_and_noop_benches_print_their_rows(tiny_run):
    bench = [sys.executable, "-m"]
    out = run(bench + ["bench.labeling", "--workspace", str(tiny_run), "--codes", "256"], ROOT).stdout
    labeling, raw, ratio = figures(r"\| labeling throughput \(shapes\) \| {n} codes/s \| raw loop {n} codes/s "
                                   r"\| ratio {n} \(target >= 0\.9\) \|", out.strip())
    assert labeling > 0 and raw > 0 and 0.1 < ratio < 10  # the same forwards: about 1 on any machine
    assert_ratio(ratio, labeling, raw, half_unit=0.5)
    out = run(bench + ["bench.noop", "--workspace", str(tiny_run), "--repeats", "1", "--tool", "snakemake"],
              ROOT).stdout
    (seconds,) = figures(r"\| no-op `snakemake -n` \| {n} s \(best of 1\) \| target < 3 s \|", out.strip())
    assert 0 < seconds < 120


def _files(folder: Path) -> dict[Path, tuple[int, bytes]]:
    """Each file below ``folder`` but Snakemake's own (its dry runs cache what they saw): mtime (ns) and bytes."""
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*")
            if p.is_file() and ".snakemake" not in p.relative_to(folder).parts}


@pytest.mark.slow  # reruns the edit and score jobs
def test_floor_bench_prints_the_total_then_each_method_and_leaves_the_workspace_as_it_was(tiny_run, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(tiny_run, ws, symlinks=True)  # a workspace of its own to check below
    params = load_params(ws / "params.yaml")
    methods = edited_methods(params, "shapes")  # the bound's edits run too
    before = _files(ws)
    out = run([sys.executable, "-m", "bench.floor", "--workspace", str(ws)], ROOT).stdout.splitlines()
    assert len(out) == 1 + len(methods), out
    images, floor, edit_floor, measured, ratio = figures(
        r"\| floor ratio \(shapes\) \| {n} images \| floor {n} s \(edit {n} s\) "
        r"\| edit\+judge\+score {n} s \| ratio {n} \(target <= 1\.5\) \|", out[0])
    # every method edits every target's codes at every strength
    per_path = params["datasets"]["shapes"]["sampling"]["n_edit"] * (params["edit"]["steps"] + 1)
    assert images == len(methods) * len(benchmark_targets(params, "shapes")) * per_path
    assert floor > edit_floor > 0 and measured > 0 and 0 < ratio < 100
    assert_ratio(ratio, measured, floor, half_unit=0.05)
    for method, line in zip(methods, out[1:]):
        seconds, share, own = figures(rf"\|   {method} \(in-process\) \| edit {{n}} s \| floor {{n}} s "
                                      r"\| ratio {n} \|", line)
        assert seconds > 0 and 0 < own < 100
        assert share == pytest.approx(edit_floor / len(methods), abs=0.05 + 0.05 / len(methods))  # an equal share
        assert_ratio(own, seconds, share, half_unit=0.05)
    after = _files(ws)  # the reruns happened in a scratch copy: no result, log or file time changed here
    assert sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p)) == []
    (ws / "data/shapes/labels.parquet").unlink()  # a stale workspace would time more than edit, judge and score
    refused = run([sys.executable, "-m", "bench.floor", "--workspace", str(ws)], ROOT, check=False)
    assert refused.returncode != 0 and "is not complete" in refused.stderr

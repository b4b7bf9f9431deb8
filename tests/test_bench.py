"""The bench scripts run on a complete workspace and print their table rows (figures not asserted)."""
import sys

from conftest import ROOT, run


def test_labeling_and_noop_benches_print_their_rows(tiny_run):
    bench = [sys.executable, "-m"]
    out = run(bench + ["bench.labeling", "--workspace", str(tiny_run), "--codes", "256"], ROOT).stdout
    assert out.startswith("| labeling throughput (shapes) |") and "ratio" in out
    out = run(bench + ["bench.noop", "--workspace", str(tiny_run), "--repeats", "1", "--tool", "snakemake"],
              ROOT).stdout
    assert out.startswith("| no-op `snakemake -n` |")

"""`latentbench check`: the MDS regression gate against a baseline file."""
import json

import pytest
import yaml
from click.testing import CliRunner

from pipeline_lib.workflow.cli import main

from conftest import ROOT

CURRENT = {
    "judge_held_out_error": {"shape": 0.1}, "guide_held_out_error": {"shape": 0.2},
    "sgf": {"mean": 0.8, "size": 0.9, "oracle_mean": 0.85},
    "ganspace": {"mean": 0.6, "size": 0.7, "oracle_mean": 0.65},
}
BASELINE_METRICS = {f"shapes/{m}/{k}": v for m, entry in CURRENT.items() if not m.endswith("_held_out_error")
                    for k, v in entry.items()}


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports/shapes").mkdir(parents=True)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["benchmark"]["datasets"] = ["shapes"]  # what check gates by default
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    return tmp_path


def write(ws, metrics=CURRENT, tolerance=None, baseline_metrics=BASELINE_METRICS):
    (ws / "reports/shapes/metrics.json").write_text(json.dumps(metrics))
    tolerance = tolerance or {"default": {"abs": 0.02, "rel": 0.0}}
    (ws / "baseline.json").write_text(json.dumps({"tolerance": tolerance, "metrics": baseline_metrics}))


def check(*args):
    return CliRunner().invoke(main, ["check", "--baseline", "baseline.json", *args])


def with_value(method, name, value):
    return {**CURRENT, method: {**CURRENT[method], name: value}}


def test_identical_metrics_pass_and_reader_errors_are_not_gated(ws):
    write(ws)
    result = check()
    assert result.exit_code == 0, result.output
    assert "shapes/sgf/oracle_mean" in result.output and "held_out_error" not in result.output


def test_a_drop_below_tolerance_fails_naming_the_metric(ws):
    write(ws, metrics=with_value("sgf", "size", 0.85))
    result = check()
    assert result.exit_code == 1
    failed = result.output.split("fell below")[1]
    assert "shapes/sgf/size" in failed and "shapes/sgf/mean" not in failed


def test_an_oracle_drop_fails_too(ws):
    write(ws, metrics=with_value("ganspace", "oracle_mean", 0.5))
    result = check()
    assert result.exit_code == 1 and "shapes/ganspace/oracle_mean" in result.output.split("fell below")[1]


def test_a_nan_fails(ws):
    write(ws, metrics=with_value("sgf", "mean", float("nan")))
    assert check().exit_code == 1


def test_a_drop_within_tolerance_and_a_rise_pass(ws):
    write(ws, metrics={**with_value("sgf", "size", 0.885), "ganspace": {**CURRENT["ganspace"], "mean": 0.99}})
    assert check().exit_code == 0


def test_relative_tolerance_counts_when_larger(ws):
    write(ws, metrics=with_value("sgf", "size", 0.85), tolerance={"default": {"abs": 0.02, "rel": 0.1}})
    assert check().exit_code == 0


def test_per_method_and_per_metric_overrides(ws):
    dropped = {**with_value("sgf", "size", 0.85), "ganspace": {**CURRENT["ganspace"], "size": 0.69}}
    loose_sgf = {"default": {"abs": 0.02}, "sgf": {"abs": 0.1}}
    write(ws, metrics=dropped, tolerance=loose_sgf)
    assert check().exit_code == 0
    write(ws, metrics=dropped, tolerance={**loose_sgf, "sgf.size": {"abs": 0.01}, "ganspace": {"abs": 0.001}})
    result = check()
    assert result.exit_code == 1
    failed = result.output.split("fell below")[1]
    assert "shapes/sgf/size" in failed and "shapes/ganspace/size" in failed


def test_a_baseline_metric_missing_from_the_run_fails(ws):
    metrics = {**CURRENT, "sgf": {k: v for k, v in CURRENT["sgf"].items() if k != "size"}}
    write(ws, metrics=metrics)
    result = check()
    assert result.exit_code == 1 and "missing" in result.output
    assert "shapes/sgf/size" in result.output.split("fell below")[1]


def test_missing_baseline_exits_2_naming_it(ws):
    write(ws)
    (ws / "baseline.json").unlink()
    result = check()
    assert result.exit_code == 2 and "baseline.json" in result.output and "not found" in result.output


@pytest.mark.parametrize("text", [
    "{not json", '{"metrics": [1]}', '{"metrics": {"a/b/c": "x"}}', '{"metrics": {"a": 1}}',
    '{"metrics": {}, "tolerance": {"sgf": {"ab": 1}}}', '{"metrics": {}, "tolerance": {"default": {"abs": -1}}}'])
def test_malformed_baseline_exits_2(ws, text):
    write(ws)
    (ws / "baseline.json").write_text(text)
    result = check()
    assert result.exit_code == 2 and "baseline.json" in result.output


def test_malformed_or_absent_metrics_exit_2(ws):
    write(ws)
    (ws / "reports/shapes/metrics.json").write_text('{"sgf": {"mean": "high"}}')
    result = check()
    assert result.exit_code == 2 and "reports/shapes/metrics.json" in result.output
    result = check("--metrics", "nowhere/*/metrics.json")
    assert result.exit_code == 2 and "nowhere/*/metrics.json" in result.output


def test_update_writes_the_current_values_and_keeps_tolerances(ws):
    tolerance = {"default": {"abs": 0.05}, "sgf.size": {"rel": 0.2}}
    write(ws, metrics=with_value("sgf", "size", 0.5), tolerance=tolerance, baseline_metrics={"old/x/mean": 1.0})
    assert check("--update").exit_code == 0
    written = json.loads((ws / "baseline.json").read_text())
    assert written["tolerance"] == tolerance
    assert written["metrics"] == {**BASELINE_METRICS, "shapes/sgf/size": 0.5}
    assert check().exit_code == 0


def test_replicates_are_neither_gated_nor_written_by_update(ws):
    write(ws)
    (ws / "reports/shapes_rep1").mkdir()
    (ws / "reports/shapes_rep1/metrics.json").write_text(json.dumps(with_value("sgf", "mean", 0.1)))  # a drop
    assert check().exit_code == 0
    assert check("--update").exit_code == 0
    assert json.loads((ws / "baseline.json").read_text())["metrics"] == BASELINE_METRICS
    assert check("--metrics", "reports/*/metrics.json").exit_code == 0  # other files when asked: its keys are its own
    (ws / "params.yaml").unlink()
    result = check()
    assert result.exit_code == 2 and "params.yaml" in result.output


def test_update_creates_a_missing_baseline_with_default_tolerance(ws):
    write(ws)
    (ws / "baseline.json").unlink()
    assert check("--update").exit_code == 0
    assert json.loads((ws / "baseline.json").read_text())["tolerance"]["default"] == {"abs": 0.02, "rel": 0.05}


def test_tolerances_from_spread_pass_a_reseed_and_fail_a_planted_drop(tmp_path):
    from pipeline_lib.scoring import gate

    reference = {"shapes/sgf/mean": 0.80, "shapes/gradient/mean": 0.70, "digits/sgf/mean": 0.60}
    reseeds = [{"shapes/sgf/mean": 0.78, "shapes/gradient/mean": 0.71}, {"shapes/sgf/mean": 0.83}]
    tolerance = gate.derived_tolerances(reference, reseeds, k=3.0, floor=0.02, margin=1.5)
    assert set(tolerance) == {"shapes/sgf/mean", "shapes/gradient/mean"}  # digits: no rerun, the default
    assert tolerance["shapes/sgf/mean"]["abs"] >= 3 * 0.025 and 0.02 <= tolerance["shapes/gradient/mean"]["abs"] < 0.03
    baseline = {"tolerance": {**gate.DEFAULT_TOLERANCE, **tolerance}, "metrics": reference}
    another_reseed = {"shapes/sgf/mean": 0.76, "shapes/gradient/mean": 0.69, "digits/sgf/mean": 0.60}
    assert not gate.failures(gate.compare(baseline, another_reseed))
    planted = {**another_reseed, "shapes/gradient/mean": 0.60}
    assert gate.failures(gate.compare(baseline, planted)) == ["shapes/gradient/mean"]


def test_tolerances_command_reads_replicates_as_their_base(ws):
    rep = ws / "reports" / "shapes_rep1"
    rep.mkdir(parents=True)
    (rep / "metrics.json").write_text(json.dumps({"sgf": {"mean": 0.5}}))
    baseline = ws / "b.json"
    baseline.write_text(json.dumps({"tolerance": {"default": {"abs": 0.02}}, "metrics": {"shapes/sgf/mean": 0.8}}))
    out = CliRunner().invoke(main, ["tolerances", "--baseline", str(baseline), "--run", str(rep / "metrics.json")])
    assert out.exit_code == 0, out.output
    written = json.loads(baseline.read_text())
    assert written["tolerance"]["shapes/sgf/mean"]["abs"] == 0.637 and written["tolerance"]["default"] == {"abs": 0.02}


def _passes_and_a_planted_drop_fails(baseline: dict, rerun: dict[str, float], key: str) -> None:
    """Every metric of ``rerun`` passes ``baseline``; the same with ``key`` lowered by 0.1 fails on it alone."""
    from pipeline_lib.scoring import gate

    assert not gate.failures(gate.compare(baseline, rerun))
    assert gate.failures(gate.compare(baseline, {**rerun, key: rerun[key] - 0.1})) == [key]


def test_the_tiny_run_on_the_baseline_kernels_passes_the_committed_tiny_baseline():
    """tests/kernel_path_run/: the tiny DAG's metrics rerun with ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41
    MKL_CBWR=COMPATIBLE (another CPU's code path), whose spread set the tiny baseline's tolerances
    (`latentbench tolerances --run 'tests/kernel_path_run/*/metrics.json'`); a planted drop still fails."""
    from pipeline_lib.scoring import gate

    baseline = gate.load_baseline(ROOT / "tests" / "tiny_baseline.json")
    other = gate.load_metrics(str(ROOT / "tests" / "kernel_path_run" / "*" / "metrics.json"))
    _passes_and_a_planted_drop_fails(baseline, other, "shapes/interfacegan/oracle_mean")


def test_the_replicates_pass_the_committed_baseline():
    """reports/<d>_rep<r>/metrics.json, each read as its base dataset (the other datasets' metrics from the
    default run itself, so that only the replicate's own cells differ)."""
    from pipeline_lib.scoring import gate

    baseline = gate.load_baseline(ROOT / "mds-baseline.json")
    others = {k: v for d in ("shapes", "digits", "faces")
              for k, v in gate.load_metrics(str(ROOT / "reports" / d / "metrics.json")).items()}
    replicates = gate.run_metrics([str(ROOT / "reports" / "*_rep*" / "metrics.json")])
    assert len(replicates) == 6  # r1 and r2 of each dataset
    for replicate in replicates:
        assert not gate.failures(gate.compare(baseline, {**others, **replicate}))


def test_the_default_run_on_the_baseline_kernels_passes_the_committed_baseline():
    """tests/default_kernel_path_run/: the default run's metrics on torch's baseline CPU kernels
    (ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 MKL_CBWR=COMPATIBLE), a rerun whose spread, with the
    replicates', set mds-baseline.json's tolerances (README, Regression gate)."""
    from pipeline_lib.scoring import gate

    other = gate.load_metrics(str(ROOT / "tests" / "default_kernel_path_run" / "*" / "metrics.json"))
    assert {k.split("/")[0] for k in other} == {"shapes", "digits", "faces"}
    _passes_and_a_planted_drop_fails(gate.load_baseline(ROOT / "mds-baseline.json"), other, "shapes/sgf/mean")

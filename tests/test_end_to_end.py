"""The full DAG on the tiny config: outputs, reruns, locality of change, DVC."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import matplotlib.image
import pandas as pd
import pytest
import torch
import yaml

from pipeline_lib.workflow.workspace import planned_jobs
from pipeline_lib.workflow.dag import snakemake_jobs
from pipeline_lib.config.params import benchmark_targets, bounds_of, edited_methods, load_params
from pipeline_lib.scoring.bounds import label
from pipeline_lib.scoring.rows import is_summary, task_rows

from conftest import edit_grids, make_workspace, run, tool_env

pytestmark = pytest.mark.workflow  # every test reads the tiny run or runs the DAG again

TABLES = [f"reports/{d}/{t}" for d in ("shapes", "digits") for t in ("mds.parquet", "mdc.parquet", "metrics.json")]
SLICE = ["interfacegan", "gradient"]  # the slow tests rerun these methods on digits: an unguided and a guided one


def _slice(scores: pd.DataFrame) -> pd.DataFrame:
    """The task rows of the sliced methods."""
    return task_rows(scores)[lambda t: t["method"].isin(SLICE)].reset_index(drop=True)


def _parse(path):
    suffix = path.suffix
    if suffix == ".parquet":
        assert len(pd.read_parquet(path)) > 0
    elif suffix == ".json":
        json.loads(path.read_text())
    elif suffix == ".png":
        assert matplotlib.image.imread(path).ndim == 3
    elif suffix == ".pt":
        assert isinstance(torch.load(path, weights_only=True), dict)
    elif suffix == ".md":
        assert path.read_text().count("|") > 10
    elif suffix == ".html":
        page = path.read_text()
        assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
        assert "<table" in page or "<pre" in page
    else:
        raise AssertionError(f"no parser for {path}")


def test_every_declared_output_exists_and_parses(tiny_run):
    jobs = snakemake_jobs(tiny_run)
    outputs = [o for job in jobs for o in job["outputs"]]
    assert {j["rule"] for j in jobs} >= {"train_guide", "train_judge", "fit_method", "edit", "judge_edits", "score", "plot"}
    for out in outputs:
        path = tiny_run / out
        for file in sorted(path.rglob("*.png")) if path.is_dir() else [path]:
            _parse(file)
    grids = {p.relative_to(tiny_run / "reports").as_posix() for p in tiny_run.rglob("grids/*/*.png")}
    assert grids == edit_grids(load_params(tiny_run / "params.yaml"))
    gan = next(j for j in jobs if j["rule"] == "train_generator")
    assert gan["outputs"] == ["data/digits/generator.pt", "data/digits/generator_eval.json"]
    drawn = next(j for j in jobs if j["rule"] == "plot_generator")  # a plotting change never retrains the GAN
    assert drawn["outputs"] == ["reports/digits/generator.png"] and "data/digits/generator.pt" in drawn["inputs"]


@pytest.mark.parametrize("dataset, sources", [("shapes", {"judge", "oracle", "guide"}), ("digits", {"judge", "guide"})])
def test_scores_are_in_range_with_intervals(tiny_run, dataset, sources):
    table = pd.read_parquet(tiny_run / f"reports/{dataset}/mds.parquet")
    scores, summaries = task_rows(table), table[is_summary(table)]
    assert set(scores["source"]) == sources  # a trained GAN has no oracle
    params = load_params(tiny_run / "params.yaml")
    assert set(scores["method"]) == set(edited_methods(params, dataset))  # the bound too, where an oracle is
    assert set(scores.loc[scores["bound"], "method"]) == set(bounds_of(params, dataset))
    assert set(scores["attribute"]) == set(benchmark_targets(params, dataset))
    assert scores["mds"].between(0, 1).all() and scores["arrival"].between(0, 1).all()
    assert (scores["ci_low"] <= scores["ci_high"]).all()
    assert (scores["arrival_ci_low"] <= scores["arrival"] + 1e-9).all()
    assert (scores["path_length_p90"] <= params["edit"]["max_strength"] + 1e-4).all()  # the budget holds
    groups = {"group" if t == "position" else "single" for t in benchmark_targets(params, dataset)}
    assert set(summaries["attribute"]) == {f"mean_{g}" for g in groups}
    metrics = json.loads((tiny_run / f"reports/{dataset}/metrics.json").read_text())
    assert 0 <= metrics["ganspace"]["mean"] <= 1


def test_cross_dataset_table_has_every_method_and_dataset(tiny_run):
    params = load_params(tiny_run / "params.yaml")
    bench = params["benchmark"]
    table = (tiny_run / "reports/benchmark/mds.md").read_text().splitlines()
    assert table[0] == f"| method | {' | '.join(sorted(bench['datasets']))} | mean over datasets |"
    bounds = sorted({b for d in bench["datasets"] for b in bounds_of(params, d)})
    rows = [row.split("|")[1].strip() for row in table[2:]]
    assert rows[len(rows) - len(bounds):] == [label(b, bounds) for b in bounds]  # a row each, the bounds last
    assert sorted(rows[:len(rows) - len(bounds)]) == sorted(bench["methods"])
    gan = json.loads((tiny_run / "data/digits/generator_eval.json").read_text())
    assert gan["class_kl"] >= 0 and len(gan["generated_class_histogram"]) == 10


def test_rerun_does_nothing_and_a_ganspace_change_reruns_only_ganspace(tiny_run, tmp_path):
    assert planned_jobs(tiny_run) == {}
    ws = tmp_path / "ws"
    shutil.copytree(tiny_run, ws, symlinks=True)
    params = yaml.safe_load((ws / "params.yaml").read_text())
    params["methods"]["ganspace"]["probe"] += 1
    (ws / "params.yaml").write_text(yaml.safe_dump(params))
    per_dataset = len(params["benchmark"]["datasets"])  # one ganspace fit and edit job per dataset, all targets
    assert planned_jobs(ws) == {"fit_method": per_dataset, "edit": per_dataset, "judge_edits": per_dataset,
                                "score": per_dataset,
                                "plot": per_dataset, "summarize": 1, "all": 1,
                                "record_params": 1}  # the report's params page records every section


@pytest.mark.slow
def test_dvc_repro_reproduces_the_snakemake_tables(tiny_run, tmp_path):
    ws = make_workspace(tmp_path / "dvc")
    run(["git", "init", "-q"], ws)
    run([sys.executable, "-m", "dvc", "init", "-q"], ws)
    run([sys.executable, "-m", "pipeline_lib.workflow.cli", "dvc-sync"], ws)
    # two methods' chains on digits (images, GAN, guide, judge, labels, fits, edits, judged tables): each DVC stage
    # starts Snakemake, so every chain would cost minutes of start-up alone
    run([sys.executable, "-m", "dvc", "repro", "--quiet", *(f"judge_edits-digits-judged-{m}" for m in SLICE)], ws)
    for method in SLICE:
        # a second clean run of the same params, by the other tool: byte-identical tables
        judged = sorted(p.relative_to(tiny_run) for p in (tiny_run / "data/digits/judged" / method).iterdir())
        assert judged and [(ws / p).read_bytes() for p in judged] == [(tiny_run / p).read_bytes() for p in judged]
    assert "dvc.lock" in {p.name for p in ws.iterdir()}


def test_show_prints_the_mds_table(tiny_run):
    out = run([sys.executable, "-m", "pipeline_lib.workflow.cli", "show", "--format", "json"], tiny_run).stdout
    rows = json.loads(out)
    params = load_params(tiny_run / "params.yaml")
    assert {(r["dataset"], r["method"]) for r in rows} == {
        (d, label(m, bounds_of(params, d))) for d in params["benchmark"]["datasets"] for m in edited_methods(params, d)}
    assert all(0 <= r["mean"] <= 1 for r in rows)


@pytest.fixture
def tiny_baseline(request) -> str:
    """The committed MDS baseline of the tiny config (`latentbench check --update` wrote it)."""
    return str(request.path.parent / "tiny_baseline.json")


def test_check_passes_against_the_tiny_baseline(tiny_run, tiny_baseline):
    # per-metric tolerances derived from the tiny run on the baseline CPU kernels (tests/kernel_path_run,
    # `latentbench tolerances`): the floor 0.02 for 300 of 331 metrics, at most 0.392 (interfacegan_cond/shape:
    # the tiny config's few codes make a flipped code a large step)
    out = run([sys.executable, "-m", "pipeline_lib.workflow.cli", "check", "--baseline", tiny_baseline], tiny_run).stdout
    assert "shapes/sgf/oracle_mean" in out and "digits/sgf/loop" in out and "FAIL" not in out


@pytest.mark.slow
def test_dvc_push_then_pull_in_a_clone_leaves_nothing_to_run(tiny_run, tiny_baseline, tmp_path):
    dvc, cli = [sys.executable, "-m", "dvc"], [sys.executable, "-m", "pipeline_lib.workflow.cli"]
    ws = make_workspace(tmp_path / "ws")
    (ws / ".gitignore").write_text("__pycache__/\n.snakemake/\n")
    run(["git", "init", "-q"], ws)
    run(dvc + ["init", "-q"], ws)
    run(dvc + ["remote", "add", "-d", "local", "../remote"], ws)  # stored relative to .dvc/: the clone finds it too
    run(cli + ["dvc-sync"], ws)
    for folder in ("data", "reports"):  # the tiny run's outputs stand in for a slow `dvc repro`
        shutil.copytree(tiny_run / folder, ws / folder, dirs_exist_ok=True)
    run(dvc + ["commit", "-f", "-q"], ws)
    assert "interfacegan" in run(dvc + ["metrics", "show", "--json"], ws).stdout  # the metrics dvc.yaml declares
    run(dvc + ["push", "-q"], ws)
    run(["git", "add", "-A"], ws)
    run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "tiny run"], ws)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(ws), str(clone)], tmp_path)
    run(cli + ["pull"], clone)
    assert planned_jobs(clone) == {}
    run(cli + ["check", "--baseline", tiny_baseline], clone)


@pytest.mark.slow
def test_a_run_killed_mid_stage_finishes_with_the_same_tables(tiny_run, tmp_path):
    ws = make_workspace(tmp_path / "killed")
    digits = [sys.executable, "-m", "pipeline_lib.workflow.cli", "run", "--cores", "2", "--dataset", "digits",
              *(a for m in SLICE for a in ("--method", m))]
    job = subprocess.Popen(digits, cwd=ws, env=tool_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    deadline = time.monotonic() + 600
    while not list((ws / "data/digits/methods").glob("*.pt")) and time.monotonic() < deadline:
        time.sleep(0.2)  # wait until the run is inside the fitting stages
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    assert not (ws / "reports/digits/mds.parquet").exists()
    run(digits, ws)
    # the slice's task rows equal the whole run's
    local, resumed = (_slice(pd.read_parquet(w / "reports/digits/mds.parquet")) for w in (tiny_run, ws))
    assert len(resumed) and set(resumed["method"]) == set(SLICE)
    pd.testing.assert_frame_equal(resumed, local, check_exact=False, rtol=0, atol=1e-9)

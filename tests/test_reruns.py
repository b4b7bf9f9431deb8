"""What must rerun: a code change reruns the jobs that run that code, an edit setting only the edits,
a new method is one module plus its params entry, and DVC agrees with Snakemake after a run."""
import shutil
import sys

import pandas as pd
import pytest
import yaml

from conftest import run
from pipeline_lib.config.definitions import kind_of
from pipeline_lib.config.params import edited_methods, load_params
from pipeline_lib.workflow.workspace import planned_jobs

pytestmark = pytest.mark.workflow

LEAST_SQUARES = '''"""Least-squares directions: each attribute's direction is its ridge regression on the codes."""
import torch

from pipeline_lib.methods.base import LinearDirections

SETTINGS = {"ridge": ("fit", 0.001, "weight", "ridge penalty, per code")}


class LeastSquares(LinearDirections):
    kind = "least_squares"

    def fit(self, latents, labels, generator=None, predictor=None):
        """``latents`` (N, d), ``labels`` (N, n_attr) -> ``directions_`` (n_attr, d), unit rows."""
        z, y = latents.double() - latents.double().mean(0), labels.double() - labels.double().mean(0)
        gram = z.T @ z + self.hyper["ridge"] * len(z) * torch.eye(z.shape[1], dtype=z.dtype)
        w = torch.linalg.solve(gram, z.T @ y)  # (d, n_attr)
        self.directions_ = (w / w.norm(dim=0)).T.float()
        return self


METHOD = LeastSquares
'''


def _copy(tiny_run, path):
    shutil.copytree(tiny_run, path, symlinks=True)
    return path


def _set_params(ws, change) -> dict:
    params = yaml.safe_load((ws / "params.yaml").read_text())
    change(params)
    (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return params  # checked by the workspace's own Snakefile parse (this process knows the repository's kinds)


def _downstream(params, *per_dataset: str) -> dict[str, int]:
    """The plan when ``per_dataset`` rules (edit among them) rerun once per dataset: then the judge's reading
    of the new edits, score, plot, the summary."""
    n = len(params["benchmark"]["datasets"])
    return {**{rule: n for rule in (*per_dataset, "judge_edits", "score", "plot")}, "summarize": 1, "all": 1}


def test_editing_a_method_module_reruns_exactly_its_jobs(tiny_run, tmp_path):
    ws = _copy(tiny_run, tmp_path / "ws")
    with open(ws / "pipeline_lib/methods/sgf.py", "a") as module:
        module.write("\n# a change to SGF's code\n")
    params = load_params(ws / "params.yaml")
    runs_sgf = sum(kind_of(m, params["methods"][m]) in ("sgf", "sgf_bound")  # the bound runs SGF's loop
                   for d in params["benchmark"]["datasets"] for m in edited_methods(params, d))
    rejudged = {"fit_method": runs_sgf, "edit": runs_sgf, "judge_edits": runs_sgf}
    assert planned_jobs(ws) == {**_downstream(params), **rejudged}
    assert planned_jobs(ws, "text") == {"fit_text_sgf": 1, "text_edit": 1, "text_score": 1, "text_plot": 1,
                                        "text": 1}  # SGF's text edit, not the gradient's


def test_changing_an_edit_setting_reruns_the_edits_and_not_the_fit(tiny_run, tmp_path):
    ws = _copy(tiny_run, tmp_path / "ws")
    params = _set_params(ws, lambda p: p["methods"]["sgf"].update(neumann_terms=2))
    assert planned_jobs(ws) == {**_downstream(params, "edit"), "record_params": 1}


def test_changing_sgf_noise_std_refits_sgf_on_each_dataset_and_nothing_else(tiny_run, tmp_path):
    ws = _copy(tiny_run, tmp_path / "ws")
    params = _set_params(ws, lambda p: p["methods"]["sgf"].update(noise_std=0.5))  # a fit setting: F retrains
    assert planned_jobs(ws) == {**_downstream(params, "fit_method", "edit"), "record_params": 1}


def test_a_new_method_is_one_module_and_a_params_entry(tiny_run, tmp_path):
    ws = _copy(tiny_run, tmp_path / "ws")
    (ws / "pipeline_lib/methods/least_squares.py").write_text(LEAST_SQUARES)

    def add(p):
        p["methods"]["least_squares"] = {"ridge": 0.01}
        p["benchmark"]["methods"].append("least_squares")
    params = _set_params(ws, add)
    assert planned_jobs(ws) == {**_downstream(params, "fit_method", "edit"), "record_params": 1}
    run([sys.executable, "-m", "snakemake", "--cores", "2", "reports/shapes/mds.parquet"], ws)
    scores = pd.read_parquet(ws / "reports/shapes/mds.parquet")
    ours, theirs = (scores[scores["method"] == m].set_index(["attribute", "source"]).sort_index()
                    for m in ("least_squares", "interfacegan"))
    assert ours.index.equals(theirs.index) and ours["mds"].between(0, 1).all()  # every task, every source


@pytest.mark.slow  # reruns SeFa's fits and what follows them, then commits every stage to DVC
def test_dvc_status_agrees_with_snakemake_after_a_run(tiny_run, tmp_path):
    ws = _copy(tiny_run, tmp_path / "ws")
    run(["git", "init", "-q"], ws)
    run([sys.executable, "-m", "dvc", "init", "-q"], ws)
    with open(ws / "pipeline_lib/methods/sefa.py", "a") as module:  # one method's code: few jobs rerun
        module.write("\n# a change to SeFa's code\n")
    out = run([sys.executable, "-m", "pipeline_lib.workflow.cli", "run", "--cores", "2", "--", "all", "text"], ws)
    assert "recorded" in out.stderr
    assert planned_jobs(ws, "all", "text") == {}  # the commit kept what Snakemake reads
    status = run([sys.executable, "-m", "dvc", "status"], ws).stdout
    assert "up to date" in status, status

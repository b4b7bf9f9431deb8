"""Method definitions: one module per kind; params entries, schema and rule slices derive from it."""
import json
from pathlib import Path

import pytest
import yaml

from pipeline_lib.config.definitions import DefinitionError, given_keys, method_kinds, read_settings, resolve
from pipeline_lib.config.params import ParamsError, validate_params
from pipeline_lib.workflow.code import code_digest, job_code
from pipeline_lib.workflow.dag import MethodSettings, stage_cfg

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def params():
    return yaml.safe_load((ROOT / "params.yaml").read_text())


class _Wildcards(dict):
    """Snakemake's wildcards of a job of method ``method``, as stage_cfg reads them."""

    def __init__(self, method):
        super().__init__(method=method)


def test_fit_and_edit_jobs_get_only_their_settings_with_defaults_filled(params):
    params["methods"]["sgf"] = {"neumann_terms": 5, "width": 128}
    fit = json.loads(stage_cfg(params, method=MethodSettings("methods.{method}", "fit"))(_Wildcards("sgf")))
    edit = json.loads(stage_cfg(params, method=MethodSettings("methods.{method}", "edit"))(_Wildcards("sgf")))
    assert fit["method"]["width"] == 128 and fit["method"]["epochs"] == method_kinds()["sgf"]["epochs"].default
    assert "neumann_terms" not in fit["method"] and edit["method"] == {
        "kind": "sgf", "neumann_terms": 5, "t_max": 1.5, "closed_loop": True, "solver": "neumann", "krylov_dim": 32,
        "krylov_tol": 1e-4}
    assert "methods.sgf.width" in fit["_params"] and "methods.sgf.neumann_terms" not in fit["_params"]
    assert "methods.sgf.neumann_terms" in edit["_params"] and "methods.sgf.width" not in edit["_params"]


def test_a_variant_is_a_params_entry_naming_its_kind(params):
    entry = params["methods"]["voynov_linear"]
    assert resolve("voynov_linear", entry)["kind"] == "manifold"
    assert resolve("voynov_linear", entry, "fit")["mapper"] == "linear"
    assert given_keys("voynov_linear", entry, "edit") == ["kind"]


@pytest.mark.parametrize("entry, fragment", [
    ({"kind": "warp_drive"}, "methods.sgf: unknown method kind 'warp_drive'"),
    ({"wdth": 3}, "methods.sgf: Additional properties"),
    ({"neumann_terms": -1}, "methods.sgf.neumann_terms"),
    ({"closed_loop": "yes"}, "methods.sgf.closed_loop"),
])
def test_a_bad_method_entry_names_the_key(params, entry, fragment):
    params["methods"]["sgf"] = entry
    with pytest.raises(ParamsError, match=fragment):
        validate_params(params)


def test_text_sgf_is_checked_against_sgf(params):
    params["text"]["sgf"]["t_max"] = 0
    with pytest.raises(ParamsError, match="text.sgf.t_max"):
        validate_params(params)


@pytest.mark.parametrize("body, fragment", [
    ("SETTINGS = {'a': ('train', 1, 'count', 'x')}", "role in"),
    ("SETTINGS = {'a': ('fit', 1, 'integer', 'x')}", "has type 'integer'"),
    ("SETTINGS = {'kind': ('fit', 1, 'count', 'x')}", "reserved"),
    ("SETTINGS = dict(a=1)", "must be a literal"),
])
def test_a_malformed_definition_is_named(tmp_path, body, fragment):
    path = tmp_path / "broken.py"
    path.write_text(body + "\n")
    with pytest.raises(DefinitionError, match=fragment):
        read_settings(path)


def test_a_module_without_settings_is_no_kind(tmp_path):
    (tmp_path / "helpers.py").write_text("X = 1\n")
    assert read_settings(tmp_path / "helpers.py") is None


def test_an_edit_job_runs_its_method_module_and_not_the_others(params):
    interfacegan = job_code(ROOT, params, "edit", {"method": "interfacegan_cond"})
    voynov = job_code(ROOT, params, "fit_method", {"method": "voynov_linear"})
    assert "pipeline_lib/methods/interfacegan.py" in interfacegan and "stages/edit.py" in interfacegan
    assert not {"pipeline_lib/methods/sgf.py", "pipeline_lib/methods/manifold.py"} & set(interfacegan)
    assert {"pipeline_lib/methods/manifold.py", "pipeline_lib/methods/manifold_nets.py"} <= set(voynov)
    assert "pipeline_lib/workflow/cli.py" not in voynov


def test_the_code_digest_follows_the_content(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    before = code_digest(tmp_path, ["a.py"])
    (tmp_path / "a.py").write_text("x = 2\n")
    assert code_digest(tmp_path, ["a.py"]) != before


def test_a_job_runs_its_datasets_generator_module_and_the_gan_trains_without_the_plots(params):
    label = job_code(ROOT, params, "label_latents", {"dataset": "shapes"})
    assert "pipeline_lib/data/generators/shapes.py" in label and "pipeline_lib/data/generators/conv_gan.py" not in label
    train = job_code(ROOT, params, "train_generator", {"dataset": "digits"})
    assert "pipeline_lib/data/imagesets/digits.py" in train and "pipeline_lib/data/generators/conv_gan.py" in train
    assert "pipeline_lib/report/plots.py" not in train  # a figure change redraws, never retrains
    assert "pipeline_lib/report/plots.py" in job_code(ROOT, params, "plot_generator", {"dataset": "digits"})

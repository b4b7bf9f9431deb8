import copy
from pathlib import Path

import pytest
import yaml

from pipeline_lib.config.params import (ParamsError, benchmark_targets, bounds_of, edited_methods, load_params,
                                        validate_params)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def params():
    return yaml.safe_load((ROOT / "params.yaml").read_text())


def test_shipped_params_are_valid(params):
    assert validate_params(copy.deepcopy(params)) == params
    load_params(ROOT / "tests" / "tiny_params.yaml")


@pytest.mark.parametrize("mutate, fragment", [
    (lambda p: p.update(surprise=1), "surprise"),
    (lambda p: p["edit"].update(steps="many"), "edit.steps"),
    (lambda p: p["datasets"]["shapes"]["sampling"].update(n_edit=-5), "datasets.shapes.sampling.n_edit"),
    (lambda p: p["benchmark"].update(methods=["warp_drive"]), "warp_drive"),
    (lambda p: p["benchmark"].update(datasets=["mnist"]), "mnist"),
    (lambda p: p["benchmark"].update(attributes=["smile"]), "smile"),
    (lambda p: p["methods"]["ganspace"].update(layer="pixels"), "methods.ganspace.layer"),
    (lambda p: p["metric"]["tolerances"].update(smile=0.1), "smile"),
    (lambda p: p["datasets"]["digits"]["generator"].update(curvature=1.0), "datasets.digits.generator"),
    (lambda p: p["datasets"]["digits"]["images"].update(kind="mnist"), "datasets.digits.images.kind"),
    (lambda p: p["datasets"]["digits"]["images"].update(held_out=1.5), "datasets.digits.images.held_out"),
    (lambda p: p["datasets"]["shapes"]["generator"].update(kind="biggan"), "datasets.shapes.generator.kind: unknown"),
    (lambda p: p["datasets"]["shapes"]["generator"].update(curvature=-1), "datasets.shapes.generator.curvature"),
    (lambda p: p["datasets"]["digits"]["generator"].pop("iterations"), "'iterations' is a required property"),
    (lambda p: p["datasets"]["digits"].pop("images"), "add an images: section"),
    (lambda p: p["datasets"]["shapes"]["guide"].pop("held_out"), "datasets.shapes.guide"),
    (lambda p: p["benchmark"].update(attributes=["size"]), "none of them is measured on dataset 'digits'"),
    (lambda p: p["text"].update(dataset="faces"), "text.dataset"),
    (lambda p: p["text"]["edit"].update(kinds=["colour+colour"]), "same fact twice"),
    (lambda p: p["text"]["edit"].update(kinds=["mood"]), "text.edit.kinds"),
    (lambda p: p["text"]["predictor"].update(pca_dim=0), "text.predictor.pca_dim"),
    (lambda p: p["benchmark"]["methods"].append("sgf_bound"), "benchmark.methods: 'sgf_bound' reads the oracle"),
    (lambda p: p["benchmark"].update(bounds=["sgf"]), "is a method, not a bound"),
    (lambda p: p["benchmark"].update(bounds=["oracle_magic"]), "benchmark.bounds: unknown entry 'oracle_magic'"),
    (lambda p: p["methods"]["sgf"].update(noise_std="some"), "methods.sgf.noise_std"),
])
def test_bad_params_are_rejected_with_the_key_named(params, mutate, fragment):
    mutate(params)
    with pytest.raises(ParamsError, match=fragment.replace(".", r"\.")):
        validate_params(params)


def test_unknown_method_lists_the_allowed_ones(params):
    params["benchmark"]["methods"] = ["warp_drive"]
    with pytest.raises(ParamsError, match="interfacegan"):
        validate_params(params)


def test_malformed_yaml_is_named(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("benchmark: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(path)


def test_a_run_of_one_dataset_may_keep_attributes_of_the_others(params):
    params["benchmark"].update(datasets=["digits"], attributes=["size", "loop"])  # size: a shapes attribute
    assert validate_params(params) is params
    assert benchmark_targets(params, "digits") == ["loop"]     # the run edits what its dataset measures
    assert benchmark_targets(params, "shapes") == ["size"]     # the other dataset keeps its choice


def test_bounds_run_only_where_the_generator_has_an_oracle(params):
    assert bounds_of(params, "shapes") == ["sgf_bound"] and bounds_of(params, "digits") == []
    assert edited_methods(params, "shapes") == [*params["benchmark"]["methods"], "sgf_bound"]
    del params["benchmark"]["bounds"]  # optional: no bounds anywhere
    assert bounds_of(validate_params(params), "shapes") == []

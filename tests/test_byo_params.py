"""Params for generators and readers (guide, judge) from users' files: each combination's schema, errors naming the key,
and the shipped StyleGAN2 config planned as a GPU DAG."""
import copy
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from conftest import make_workspace, run
from pipeline_lib.config.params import ParamsError, dataset_schema, validate_params

ROOT = Path(__file__).resolve().parents[1]
FFHQ = ROOT / "configs" / "stylegan2_ffhq.yaml"
SCRIPTED = {"kind": "torchscript", "path": "external/guide.pt", "resolution": 224, "logits": True,
            "attributes": [{"name": "Smiling", "kind": "binary"}, {"name": "Age", "kind": "continuous"}]}


@pytest.fixture()
def params():
    return yaml.safe_load(FFHQ.read_text())


def scripted_readers(dataset):
    """A user's guide and a user's judge (another file) reading the same attributes."""
    dataset.update(guide=copy.deepcopy(SCRIPTED), judge={**copy.deepcopy(SCRIPTED), "path": "external/judge.pt"})


def with_scripted_readers(p):
    scripted_readers(p["datasets"]["ffhq"])
    del p["datasets"]["ffhq"]["images"]


def test_each_combination_has_its_schema(params):
    validate_params(params)
    assert dataset_schema(params, "ffhq").names == ["Smiling", "Eyeglasses", "Male", "Young", "Bald", "Blond_Hair"]
    with_scripted_readers(params)
    params["datasets"]["ffhq"]["generator"] = {"kind": "torchscript", "path": "external/g.pt", "latent_dim": 512,
                                               "latent_space": "z", "resolution": 256, "output_range": [0, 1]}
    validate_params(params)
    schema = dataset_schema(params, "ffhq")
    assert schema.names == ["Smiling", "Age"] and schema.kind("Age") == "continuous"
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text())
    scripted_readers(shipped["datasets"]["digits"])                        # a trained GAN, a user's readers
    validate_params(shipped)
    assert dataset_schema(shipped, "digits").names == ["Smiling", "Age"]


@pytest.mark.parametrize("mutate, fragment", [
    (lambda p: p["datasets"]["ffhq"].pop("images"), "datasets.ffhq.guide: a cnn guide trains on labeled"),
    (lambda p: scripted_readers(p["datasets"]["ffhq"]), "datasets.ffhq.images: nothing trains"),
    (lambda p: p["datasets"]["ffhq"].update(guide=copy.deepcopy(SCRIPTED)), r"datasets.ffhq.judge: measures \['Smiling', 'Eye"),
    (lambda p: p["datasets"]["ffhq"]["generator"].pop("path"), "datasets.ffhq.generator: 'path' is a required"),
    (lambda p: p["datasets"]["ffhq"]["generator"].update(latent_space="s"), "datasets.ffhq.generator.latent_space"),
    (lambda p: p["datasets"]["ffhq"]["generator"].update(resolution=1000), "datasets.ffhq.generator.resolution"),
    (lambda p: p["datasets"]["ffhq"]["generator"].update(precision="fp8"), "datasets.ffhq.generator.precision"),
    (lambda p: p["datasets"]["ffhq"]["images"].update(attributes=["Big Nose"]), "datasets.ffhq.images.attributes.0"),
    (lambda p: p["datasets"]["ffhq"]["images"].pop("folder"), "datasets.ffhq.images: 'folder' is a required"),
    (lambda p: (with_scripted_readers(p), p["datasets"]["ffhq"]["guide"].pop("logits")),
     "datasets.ffhq.guide: 'logits' is a required"),
    (lambda p: (with_scripted_readers(p), p["datasets"]["ffhq"]["judge"]["attributes"].append(
        {"name": "Age", "kind": "binary"})), "datasets.ffhq.judge.attributes: names repeat"),
])
def test_bad_combinations_name_the_key(params, mutate, fragment):
    mutate(params)
    with pytest.raises(ParamsError, match=fragment.replace(".", r"\.")):
        validate_params(params)


def test_a_procedural_generator_keeps_its_trained_guide():
    shipped = yaml.safe_load((ROOT / "params.yaml").read_text())
    shipped["datasets"]["shapes"]["guide"]["kind"] = "torchscript"
    with pytest.raises(ParamsError, match=r"datasets\.shapes\.guide"):
        validate_params(shipped)


@pytest.mark.workflow
def test_stylegan2_config_plans_a_gpu_dag(tmp_path):
    ws = make_workspace(tmp_path)
    shutil.copytree(ROOT / "configs", ws / "configs")
    (ws / "external" / "celeba" / "img_align_celeba").mkdir(parents=True)
    (ws / "external" / "celeba" / "list_attr_celeba.txt").write_text("0\nSmiling\n")
    (ws / "external" / "stylegan2-ffhq-config-f.pt").write_bytes(b"")
    plan = run([sys.executable, "-m", "snakemake", "--dry-run", "--configfile", "configs/stylegan2_ffhq.yaml",
                "--cores", "1"], ws).stdout
    for rule in ("import_generator", "prepare_images", "train_guide", "train_judge", "sample_latents", "fit_method",
                 "edit", "judge_edits"):
        assert f"rule {rule}:" in plan
    assert "rule build_generator:" not in plan and "rule import_guide:" not in plan
    assert "gpu=1" in plan and "reports/ffhq/mds.md" in plan

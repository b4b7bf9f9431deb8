"""The judge: separate from the guide (params, samples, architecture), never an input of a method's jobs,
a NaN row scored as a failed edit, and a reader above its max_error failing its stage naming the attribute."""
import copy
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from click.testing import CliRunner
from torch import nn

from pipeline_lib.attributes.judge import judge_table, load_judge, register_judge
from pipeline_lib.attributes.predictor import AttributePredictor, save_predictor
from pipeline_lib.attributes.readers import ReaderError, check_errors, image_rows
from pipeline_lib.config.attribute_schema import Attribute, AttributeSchema
from pipeline_lib.config.params import ParamsError, validate_params
from pipeline_lib.data.generators import build_generator, load_generator, save_generator
from pipeline_lib.data.tables import codes_frame
from pipeline_lib.scoring.mds import score
from pipeline_lib.util.weights import WeightFileError, save_checkpoint
from pipeline_lib.workflow.code import job_code

from conftest import make_workspace, run

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = AttributeSchema((Attribute("flag", "binary"), Attribute("level", "continuous")))


@pytest.fixture()
def params():
    return yaml.safe_load((ROOT / "params.yaml").read_text())


@pytest.mark.parametrize("mutate, fragment", [
    (lambda p: p["datasets"]["shapes"].pop("judge"), "'judge' is a required"),
    (lambda p: p["datasets"]["shapes"]["judge"].update(seed=p["datasets"]["shapes"]["guide"]["seed"]),
     "datasets.shapes.judge.seed: equals the guide's"),
    (lambda p: p["datasets"]["shapes"]["judge"].update(width=32, depth=1), "the same architecture as the guide"),
    (lambda p: p["datasets"]["shapes"]["judge"].pop("patience"), "datasets.shapes.judge: 'patience'"),
    (lambda p: p["datasets"]["shapes"]["judge"].update(max_error=0), "datasets.shapes.judge.max_error"),
    (lambda p: p["datasets"]["shapes"]["judge"].update(share=0.5), "datasets.shapes.judge.share: only a judge"),
    (lambda p: p["datasets"]["digits"]["guide"].update(share=0.5), "datasets.digits.guide.share: only a judge"),
    (lambda p: p["datasets"]["digits"]["judge"].pop("share"), "datasets.digits.judge.share: required"),
    (lambda p: p["datasets"]["digits"]["judge"].update(share=1.0), "datasets.digits.judge.share"),
    (lambda p: p["datasets"]["shapes"].update(judge={"kind": "torchscript", "path": "j.pt", "resolution": 32,
                                                     "logits": True, "attributes": [{"name": "x", "kind": "binary"}]}),
     "datasets.shapes.judge.kind: a 'shapes' generator's judge is trained on its renders"),
])
def test_judge_params_are_checked(params, mutate, fragment):
    mutate(params)
    with pytest.raises(ParamsError, match=fragment.replace(".", r"\.")):
        validate_params(params)


def test_an_imported_judge_must_read_the_guides_attributes_from_another_file(params):
    scripted = {"kind": "torchscript", "path": "external/p.pt", "resolution": 64, "logits": True,
                "attributes": [{"name": "Smiling", "kind": "binary"}, {"name": "Young", "kind": "binary"}]}
    params["datasets"]["digits"]["judge"] = scripted
    with pytest.raises(ParamsError, match=r"datasets\.digits\.judge: measures \['Smiling', 'Young'\]"):
        validate_params(params)
    params["datasets"]["digits"]["guide"] = copy.deepcopy(scripted)
    with pytest.raises(ParamsError, match=r"datasets\.digits\.judge\.path: the guide's file"):
        validate_params(params)


def test_the_readers_image_rows_are_disjoint_and_cover_the_training_split():
    held_out = torch.zeros(100, dtype=torch.bool)
    held_out[:20] = True
    guide, judge = (image_rows(held_out, role, 0.4, seed=7) for role in ("guide", "judge"))
    assert not (guide & judge).any() and not ((guide | judge) & held_out).any()
    assert (guide | judge | held_out).all() and judge.sum() == 32
    assert torch.equal(judge, image_rows(held_out, "judge", 0.4, seed=7))


def toy_table(values: np.ndarray) -> pd.DataFrame:
    """An edit table of a binary-flip task on ``flag``: (n codes, P steps, 2 attributes) judge values."""
    n, p, _ = values.shape
    return pd.DataFrame({
        "code": np.repeat(np.arange(n), p), "step": np.tile(np.arange(p), n), "strength": np.tile(np.arange(p), n),
        "task_direction_flag": 1.0, "task_target_flag": 1.0,
        "judge_flag": values[..., 0].ravel(), "judge_level": values[..., 1].ravel()})


def test_a_row_the_judge_cannot_read_is_a_failed_edit_on_every_attribute():
    # two codes, three steps; both flip flag at step 2 and keep level
    values = np.array([[[0.1, 0.5], [0.2, 0.5], [0.9, 0.5]], [[0.1, 0.3], [0.2, 0.3], [0.9, 0.3]]])
    kwargs = dict(delta=0.3, tolerances={"flag": 0.1, "level": 0.1}, n_boot=10, seed=0)
    curve, result = score(toy_table(values), SCHEMA, "flag", "judge", **kwargs)
    assert curve["accuracy"].tolist() == [0, 0, 1] and curve["disentanglement"].tolist() == [1, 1, 1]
    unread = values.copy()
    unread[0, 2] = np.nan            # code 0's landing: not reached, nothing kept
    unread[1, 0, 1] = np.nan         # code 1's source image (one NaN attribute): every step of it fails
    curve, result = score(toy_table(unread), SCHEMA, "flag", "judge", **kwargs)
    assert curve["accuracy"].tolist() == [0, 0, 0]
    assert curve["disentanglement"].tolist() == [0.5, 0.5, 0]
    assert result["mds"] == 0


class Toy(nn.Module):
    """A judge of SCHEMA over 'images' (n, 3, H, W): flag = mean red, level = mean green; NaN where blue > 0.5."""

    def __init__(self):
        super().__init__()
        self.schema = SCHEMA

    def forward(self, images):
        out = images[:, :2].mean((2, 3))
        return out.masked_fill((images[:, 2].mean((1, 2)) > 0.5)[:, None], float("nan"))


class ToyGenerator(nn.Module):
    """Codes (n, 3) -> constant 4x4 images of those colours."""

    def forward(self, z):
        return z[:, :, None, None].expand(-1, -1, 4, 4)


def test_load_judge_dispatches_on_the_files_kind_and_judge_table_adds_judge_columns(tmp_path):
    register_judge("toy")(lambda path, device: Toy())
    save_checkpoint({"kind": "toy", "schema": SCHEMA.to_dict()}, tmp_path / "toy.pt")
    judge = load_judge(tmp_path / "toy.pt")
    z = torch.tensor([[0.2, 0.7, 0.0], [0.9, 0.1, 1.0]])
    table = pd.concat([pd.DataFrame({"code": [0, 1]}), codes_frame(z)], axis=1)
    judged = judge_table(table, ToyGenerator(), judge, batch_size=1)
    assert judged["judge_flag"].iloc[0] == pytest.approx(0.2) and judged["judge_level"].iloc[0] == pytest.approx(0.7)
    assert judged.iloc[1][["judge_flag", "judge_level"]].isna().all()
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        judge_table(table.assign(z_000=[3.0, 0.0]), ToyGenerator(), judge, batch_size=8)
    save_checkpoint({"kind": "oracle_peek", "schema": SCHEMA.to_dict()}, tmp_path / "bad.pt")
    with pytest.raises(WeightFileError, match="unknown kind 'oracle_peek'"):
        load_judge(tmp_path / "bad.pt")
    model = AttributePredictor(SCHEMA, 8, width=4, depth=2)
    save_predictor(model, tmp_path / "cnn.pt")
    loaded = load_judge(tmp_path / "cnn.pt")
    assert (loaded.width, loaded.depth) == (4, 2)


def test_check_errors_names_each_attribute_above_max_error():
    check_errors("judge", {"shape": 0.05, "size": None}, 0.1)  # None: an imported reader, not checked
    with pytest.raises(ReaderError, match=r"judge's held-out error exceeds max_error 0.1 on: shape 0.490, hue 0.200"):
        check_errors("judge", {"shape": 0.49, "size": 0.02, "hue": 0.2}, 0.1)


def test_a_judge_above_its_max_error_fails_its_stage_naming_the_attribute(tmp_path):
    from stages.train_judge import main

    save_generator(build_generator("shapes", latent_dim=8, curvature=0.0, resolution=8, seed=0), tmp_path / "g.pt")
    reader = {"train_samples": 64, "held_out": 64, "epochs": 1, "patience": 1, "batch_size": 32, "lr": 1e-3,
              "width": 2, "depth": 2, "seed": 5, "max_error": 0.001}
    args = ["--generator", str(tmp_path / "g.pt"), "--out", str(tmp_path / "judge.pt"),
            "--out-eval", str(tmp_path / "judge_eval.json")]
    result = CliRunner().invoke(main, ["--cfg", json.dumps({"reader": reader, "runtime": {"threads": 1}}), *args])
    assert isinstance(result.exception, ReaderError)
    assert "judge's held-out error exceeds max_error 0.001 on: shape" in str(result.exception)
    assert not (tmp_path / "judge.pt").exists()
    result = CliRunner().invoke(main, ["--cfg", json.dumps({"reader": {**reader, "max_error": 1.0},
                                                            "runtime": {"threads": 1}}), *args])
    assert result.exit_code == 0, result.output
    evaluation = json.loads((tmp_path / "judge_eval.json").read_text())
    assert evaluation["architecture"] == {"kind": "cnn", "width": 2, "depth": 2}
    assert evaluation["samples"] == {"kind": "renders", "seed": 5, "count": 64}


def test_no_job_that_runs_a_method_reads_the_judge():
    """Structural: the fit and edit rules' inputs name no judge file, their code imports no judge module."""
    config = yaml.safe_load((ROOT / "params.yaml").read_text())
    rules = re.sub(r"#.*", "", (ROOT / "rules" / "methods.smk").read_text())
    assert "judge" not in rules
    for rule in ("fit_method", "edit", "label_latents"):
        for method in config["benchmark"]["methods"]:
            files = job_code(ROOT, config, rule, {"method": method})
            assert not [f for f in files if "judge" in f], (rule, method)


@pytest.mark.workflow
def test_the_dag_gives_methods_the_guide_and_only_scoring_the_judge(tmp_path):
    from pipeline_lib.workflow.dag import snakemake_jobs

    jobs = snakemake_jobs(make_workspace(tmp_path / "ws"))
    readers = {rule: {Path(i).name for j in jobs if j["rule"] == rule for i in j["inputs"]} for rule in
               ("fit_method", "edit", "judge_edits", "score", "label_latents")}
    for rule in ("fit_method", "edit", "label_latents"):
        assert "guide.pt" in readers[rule] and "judge.pt" not in readers[rule], rule
    assert "judge.pt" in readers["judge_edits"] and "guide.pt" not in readers["judge_edits"]


@pytest.mark.workflow
def test_judge_and_guide_differ_in_architecture_seed_and_samples(tiny_run):
    params = yaml.safe_load((tiny_run / "params.yaml").read_text())
    for dataset in params["benchmark"]["datasets"]:
        data = tiny_run / "data" / dataset
        guide, judge = (json.loads((data / f"{role}_eval.json").read_text()) for role in ("guide", "judge"))
        assert guide["architecture"] != judge["architecture"]
        if guide["samples"]["kind"] == "images":
            assert guide["samples"]["rows"] and judge["samples"]["rows"]
            assert not set(guide["samples"]["rows"]) & set(judge["samples"]["rows"])
        else:
            assert guide["samples"]["seed"] != judge["samples"]["seed"]
            gen = load_generator(data / "generator.pt")
            codes = [gen.sample(s["count"], s["seed"]) for s in (guide["samples"], judge["samples"])]
            assert not torch.isin(codes[0][:, 0], codes[1][:, 0]).any()
        for role in ("guide", "judge"):
            assert load_judge(data / f"{role}.pt").width == params["datasets"][dataset][role]["width"]
        judged = pd.read_parquet(next((data / "judged").glob("*/*.parquet")))
        assert any(c.startswith("judge_") for c in judged) and any(c.startswith("guide_") for c in judged)
        assert not any(c.startswith("judge_") for c in pd.read_parquet(next((data / "edits").glob("*/*.parquet"))))


def test_a_stalled_reader_drops_its_rate_once_then_stops_at_its_best_epoch():
    """Unlearnable validation targets stall at once: the rate drops after `patience` epochs, training stops
    ANNEAL_PATIENCE epochs later, and the model returned is the best epoch's (its validation loss the minimum)."""
    from pipeline_lib.attributes.predictor import ANNEAL_PATIENCE, train_predictor
    gen = torch.Generator().manual_seed(0)
    images, targets = torch.rand(64, 3, 8, 8, generator=gen), torch.rand(64, 2, generator=gen).round()
    val = (torch.rand(32, 3, 8, 8, generator=gen), torch.rand(32, 2, generator=gen).round())
    torch.manual_seed(0)
    model = AttributePredictor(SCHEMA, 8, width=4)
    history = train_predictor(model, images, targets, epochs=50, batch_size=16, lr=0.05, seed=0, validation=val,
                              patience=2)
    assert history["annealed_at"] is not None
    assert history["annealed_at"] < len(history["loss"]) < 50
    assert len(history["loss"]) - max(history["best_epoch"], history["annealed_at"]) == ANNEAL_PATIENCE
    assert model.loss(*val).item() == pytest.approx(min(history["val_loss"]), abs=1e-6)

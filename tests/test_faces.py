"""faces: the packaged face DCGAN and the MTCNN judge, offline (sockets blocked for every test here)."""
import json
import socket
from pathlib import Path

import pytest
import torch
import yaml

from pipeline_lib.attributes import mtcnn
from pipeline_lib.attributes.face_judge import build_judge, calibrate, load_face_judge, raw_measures, save_judge
from pipeline_lib.attributes.judge import judge_table, load_judge
from pipeline_lib.config.catalog import MTCNN_MEASURES, MTCNN_SCHEMA
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.config.params import ParamsError, bounds_of, dataset_schema, validate_params
from pipeline_lib.data.generators import load_generator, save_generator
from pipeline_lib.data.generators.face_dcgan import (FILE, PACKAGE, FaceDCGAN, checked_sha256, packaged_file,
                                                     read_packaged_weights)
from pipeline_lib.util.weights import WeightFileError


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every test here runs with outgoing connections refused: nothing may reach the network."""
    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)


@pytest.fixture(scope="module")
def faces():
    """The packaged generator and 48 of its images, seed 0."""
    gen, _ = FaceDCGAN.from_package()
    with torch.no_grad():
        return gen, gen(gen.sample(48, 0))


@pytest.fixture(scope="module")
def judge(faces):
    """The default judge calibrated on those images."""
    j = build_judge()
    calibrate(j, faces[1])
    return j


def test_generator_loads_from_the_wheel_with_its_pinned_hash(faces, tmp_path):
    gen, images = faces
    assert images.shape == (48, 3, 64, 64) and 0 <= images.min() and images.max() <= 1
    assert gen.latent_weight().shape == (512 * 16, 100)
    with torch.no_grad():
        assert gen.features(gen.sample(2, 1), "hidden").shape == (2, 512 * 16)  # GANSpace's layer
    gen2, source = FaceDCGAN.from_package()
    assert source["sha256"] == checked_sha256(packaged_file(PACKAGE, FILE), source["sha256"])
    save_generator(gen2, tmp_path / "g.pt", source=source)
    with torch.no_grad():
        assert torch.equal(load_generator(tmp_path / "g.pt")(gen.sample(2, 1)), gen(gen.sample(2, 1)))
    with pytest.raises(WeightFileError, match="expected the pinned 0{64}"):
        checked_sha256(packaged_file(PACKAGE, FILE), "0" * 64)


def test_a_renamed_or_misshaped_key_fails_naming_it(tmp_path):
    state = torch.load(packaged_file(PACKAGE, FILE), map_location="cpu", weights_only=True)["netG_state_dict"]
    renamed = dict(state)
    renamed["main.3.weights"] = renamed.pop("main.3.weight")
    torch.save({"netG_state_dict": renamed}, tmp_path / "renamed.tar")
    with pytest.raises(WeightFileError, match=r"missing keys: main\.3\.weight; unexpected keys: main\.3\.weights"):
        read_packaged_weights(tmp_path / "renamed.tar")
    torch.save({"netG_state_dict": {**state, "main.4.bias": torch.zeros(3)}}, tmp_path / "shape.tar")
    with pytest.raises(WeightFileError, match=r"shape mismatches: main\.4\.bias \(file \(3,\), model \(256,\)\)"):
        read_packaged_weights(tmp_path / "shape.tar")
    torch.save({"G": state}, tmp_path / "entry.tar")
    with pytest.raises(WeightFileError, match="lacks the entry 'netG_state_dict'"):
        read_packaged_weights(tmp_path / "entry.tar")


def test_judge_finds_faces_and_is_deterministic(faces, judge):
    images = faces[1]
    first = judge(images)
    assert first.shape == (48, len(MTCNN_SCHEMA.attributes))
    found = ~first.isnan().any(1)
    assert found.float().mean() >= 0.85  # 191 of 200 at seed 0 (bench.face_judge); 46 of these 48
    assert 0 <= first[found].min() and first[found].max() <= 1
    assert torch.equal(first.nan_to_num(-1), judge(images).nan_to_num(-1))
    again = build_judge()
    again.cdf = judge.cdf
    assert torch.equal(first.nan_to_num(-1), again(images.flip(0)).flip(0).nan_to_num(-1))  # batch order is moot


def test_a_face_pushed_to_the_edge_reads_inside_0_1(faces, judge, monkeypatch):
    """ONet can regress a landmark just outside the frame (1.01 in a default run); the judge clamps it."""
    real = judge.detect

    def shifted(images):
        prob, box, marks = real(images)
        return prob, box, marks + torch.tensor([images.shape[-1] * 0.9, -images.shape[-1] * 0.9])

    monkeypatch.setattr(judge, "detect", shifted)
    values = judge(faces[1][:8])
    found = ~values.isnan().any(1)
    assert found.any()
    marks = values[found][:, -10:]
    assert marks.min() == 0 and marks.max() == 1


def test_mirroring_flips_yaw_and_roll(faces, judge):
    images = faces[1]
    (prob, box, marks), (prob_m, box_m, marks_m) = judge.detect(images), judge.detect(images.flip(-1))
    both = (prob > 0.7) & (prob_m > 0.7)
    raw, mirrored = raw_measures(images, box, marks)[both], raw_measures(images.flip(-1), box_m, marks_m)[both]
    # measured at seeds 0 (48 faces) and 5 (200): yaw corr -0.968, -0.968, clear half flipped 1.00, 0.99; roll (faces
    # within a few degrees of upright, spread 0.04-0.06 rad, near the landmarks' noise) -0.590, -0.594 and 0.91, 0.88
    for name, corr, flipped in (("yaw", -0.9, 0.95), ("roll", -0.4, 0.75)):
        i = MTCNN_MEASURES.index(name)
        clear = raw[:, i].abs() > raw[:, i].abs().median()  # the clearer half: a sign to flip
        assert (raw[clear, i].sign() != mirrored[clear, i].sign()).float().mean() >= flipped, name
        assert torch.corrcoef(torch.stack([raw[:, i], mirrored[:, i]]))[0, 1] < corr, name
    mouth = MTCNN_MEASURES.index("mouth")  # a symmetric measure keeps its value (0.90, 0.89)
    assert torch.corrcoef(torch.stack([raw[:, mouth], mirrored[:, mouth]]))[0, 1] > 0.7


def test_mirrored_landmarks_negate_yaw_and_roll_exactly(faces):
    """The geometry alone: mirror the landmarks (and swap left and right) and yaw and roll change sign."""
    images = faces[1][:4]
    marks = torch.tensor([[20.0, 25], [42, 22], [35, 35], [24, 46], [40, 45]]).expand(4, 5, 2)
    box = torch.tensor([12.0, 10, 52, 56]).expand(4, 4)
    mirror = torch.stack([64 - marks[..., 0], marks[..., 1]], -1)[:, [1, 0, 2, 4, 3]]
    box_m = torch.stack([64 - box[:, 2], box[:, 1], 64 - box[:, 0], box[:, 3]], 1)
    raw, mirrored = raw_measures(images, box, marks), raw_measures(images.flip(-1), box_m, mirror)
    for name in ("yaw", "roll"):
        i = MTCNN_MEASURES.index(name)
        assert raw[0, i].abs() > 0.05 and torch.allclose(mirrored[:, i], -raw[:, i], atol=1e-6), name
    for name in ("pitch", "mouth", "scale", "centre_y", "face_brightness", "background_brightness"):
        i = MTCNN_MEASURES.index(name)
        assert torch.allclose(mirrored[:, i], raw[:, i], atol=1e-5), name


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_a_blank_image_has_no_face(judge, value):
    assert judge(torch.full((2, 3, 64, 64), value)).isnan().all()


def test_judge_file_round_trip_and_errors(faces, judge, tmp_path):
    save_judge(judge, tmp_path / "judge.pt")
    loaded = load_judge(tmp_path / "judge.pt")
    assert loaded.schema == MTCNN_SCHEMA
    assert torch.equal(loaded(faces[1][:8]).nan_to_num(-1), judge(faces[1][:8]).nan_to_num(-1))
    ckpt = torch.load(tmp_path / "judge.pt", weights_only=True)
    ckpt["state_dict"]["onet.dense6_3.weights"] = ckpt["state_dict"].pop("onet.dense6_3.weight")
    torch.save(ckpt, tmp_path / "renamed.pt")
    with pytest.raises(WeightFileError, match=r"missing keys: onet\.dense6_3\.weight"):
        load_judge(tmp_path / "renamed.pt")
    torch.save({**ckpt, "kind": "arcface"}, tmp_path / "kind.pt")
    with pytest.raises(WeightFileError, match="holds kind 'arcface', expected 'mtcnn'"):
        load_face_judge(tmp_path / "kind.pt")
    with pytest.raises(WeightFileError, match="unknown kind 'arcface'"):
        load_judge(tmp_path / "kind.pt")


def test_nms_keeps_the_best_of_overlapping_boxes_per_image():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10.0]])
    scores = torch.tensor([0.8, 0.9, 0.5, 0.7])
    index = torch.tensor([0, 0, 0, 1])
    assert mtcnn.nms(boxes, scores, index, 0.5).tolist() == [1, 3, 2]


def test_cascade_agrees_with_the_output_net_on_faces(faces):
    images = faces[1][:16]
    prob, _, marks = build_judge("cascade").detect(images)
    prob_o, _, marks_o = build_judge("onet").detect(images)
    both = (prob > 0.7) & (prob_o > 0.7)
    assert both.sum() >= 13
    eye = (marks[:, 1] - marks[:, 0]).norm(dim=1)
    nme = ((marks - marks_o).norm(dim=2).mean(1) / eye)[both]
    assert nme.median() < 0.1  # 0.053 mean over 200 faces (bench.face_judge)


def _faces_params(params: dict) -> dict:
    params["datasets"]["faces"] = {
        "generator": {"kind": "face_dcgan"},
        "judge": {"kind": "mtcnn", "samples": 500, "seed": 1},
        "guide": {"train_samples": 100, "held_out": 20, "epochs": 1, "patience": 1, "batch_size": 32, "lr": 0.002,
                  "width": 8, "resolution": 32, "seed": 2},
        "sampling": {"n_fit": 100, "n_edit": 10, "seed": 3},
    }
    return params


def test_params_accept_faces_and_name_a_misplaced_judge():
    params = _faces_params(yaml.safe_load((Path(__file__).parent / "tiny_params.yaml").read_text()))
    validate_params(params)
    assert dataset_schema(params, "faces") == MTCNN_SCHEMA
    assert bounds_of(params, "faces") == []  # no oracle: no bound
    shapes_judge = params["datasets"]["shapes"]["judge"]
    params["datasets"]["shapes"]["judge"] = params["datasets"]["faces"]["judge"]
    with pytest.raises(ParamsError, match=r"datasets\.shapes\.judge\.kind: 'mtcnn' reads a packaged face generator"):
        validate_params(params)
    params["datasets"]["shapes"]["judge"] = shapes_judge
    params["datasets"]["faces"]["judge"] = {**shapes_judge, "kind": "cnn"}
    with pytest.raises(ParamsError, match=r"datasets\.faces\.judge\.kind: a 'face_dcgan' generator has no labels"):
        validate_params(params)
    params["datasets"]["faces"]["judge"] = {"kind": "mtcnn", "samples": 500, "seed": 1}
    del params["datasets"]["faces"]["guide"]["held_out"]
    with pytest.raises(ParamsError, match=r"datasets\.faces\.guide: trains on the judge's labels"):
        validate_params(params)


def test_stages_calibrate_the_judge_and_train_the_guide_on_its_labels(faces, tmp_path):
    """calibrate_judge and train_guide --judge on a handful of samples; images with no face are left out."""
    from click.testing import CliRunner

    from stages.calibrate_judge import main as calibrate_main
    from stages.train_guide import main as guide_main

    save_generator(faces[0], tmp_path / "g.pt")
    runtime = {"runtime": {"threads": 1}}
    result = CliRunner().invoke(calibrate_main, [
        "--cfg", json.dumps({"judge": {"kind": "mtcnn", "samples": 24, "seed": 1}, **runtime}),
        "--generator", str(tmp_path / "g.pt"), "--out", str(tmp_path / "judge.pt"),
        "--out-eval", str(tmp_path / "judge_eval.json"), "--log", str(tmp_path / "j.log")])
    assert result.exit_code == 0, result.output
    evaluation = json.loads((tmp_path / "judge_eval.json").read_text())
    assert evaluation["detection_rate"] >= 0.8 and evaluation["architecture"]["kind"] == "mtcnn"
    assert list(evaluation["held_out_error"]) == list(MTCNN_SCHEMA.names)
    judge = load_judge(tmp_path / "judge.pt")
    assert judge.schema == MTCNN_SCHEMA
    guide = {"train_samples": 24, "held_out": 8, "epochs": 1, "patience": 1, "batch_size": 8, "lr": 0.002,
             "width": 4, "resolution": 16, "seed": 2, "max_error": 1.0}
    result = CliRunner().invoke(guide_main, [
        "--cfg", json.dumps({"reader": guide, **runtime}), "--generator", str(tmp_path / "g.pt"),
        "--judge", str(tmp_path / "judge.pt"), "--out", str(tmp_path / "guide.pt"),
        "--out-eval", str(tmp_path / "guide_eval.json"), "--log", str(tmp_path / "g.log")])
    assert result.exit_code == 0, result.output
    samples = json.loads((tmp_path / "guide_eval.json").read_text())["samples"]
    assert samples["kind"] == "judged renders" and 18 <= samples["count"] <= 24
    assert load_predictor(tmp_path / "guide.pt").resolution == 16


def test_judge_table_reads_the_faces_with_the_mtcnn_judge(faces, judge, tmp_path):
    """judge_edits' table through load_judge's dispatch: one judge_<attr> column per attribute, the judge's readings."""
    import pandas as pd

    from pipeline_lib.data.tables import attributes_frame

    save_judge(judge, tmp_path / "judge.pt")
    z = faces[0].sample(6, 0)
    table = pd.concat([pd.DataFrame({"code": range(6)}), attributes_frame(z, [str(i) for i in range(100)], "z")],
                      axis=1)
    out = judge_table(table, faces[0], load_judge(tmp_path / "judge.pt"), 4)
    assert [c for c in out.columns if c.startswith("judge_")] == [f"judge_{n}" for n in MTCNN_SCHEMA.names]
    with torch.no_grad():
        expected = judge(faces[0](z))
    got = torch.tensor(out[[f"judge_{n}" for n in MTCNN_SCHEMA.names]].to_numpy())
    torch.testing.assert_close(got.nan_to_num(-1), expected.nan_to_num(-1))


def test_the_keypoint_task_turns_the_face_by_a_yaw_step():
    from pipeline_lib.attributes.tasks import DEPTH, YAW_STEP, make_task

    names = MTCNN_SCHEMA.names
    values = torch.rand(2, len(names))
    marks = torch.tensor([[[20.0, 25], [40, 25], [34, 35], [24, 46], [40, 46]],   # nose right of the eyes' midpoint
                          [[20.0, 25], [40, 25], [27, 35], [24, 46], [40, 46]]]) / 64
    values[:, [names.index(m) for m in MTCNN_SCHEMA.groups["landmarks"]]] = marks.flatten(1)
    task = make_task(MTCNN_SCHEMA, "landmarks", values, 0.3, 0)
    assert task.kind == "vector" and task.start.shape == task.target.shape == (2, 10)
    images, box = torch.zeros(2, 3, 64, 64), torch.tensor([10.0, 10, 54, 54]).expand(2, 4)
    yaw = MTCNN_MEASURES.index("yaw")
    before = raw_measures(images, box, task.start.view(2, 5, 2) * 64)
    after = raw_measures(images, box, task.target.view(2, 5, 2) * 64)
    turn = YAW_STEP * (DEPTH[2] - (DEPTH[0] + DEPTH[1]) / 2)  # the nose's move relative to the eyes' midpoint
    torch.testing.assert_close(after[:, yaw] - before[:, yaw], torch.tensor([-1.0, 1.0]) * turn)
    scale = MTCNN_MEASURES.index("scale")
    torch.testing.assert_close(after[:, scale], before[:, scale])  # a turn, not a zoom


def test_a_dataset_overrides_method_settings_and_narrows_targets():
    """datasets.<d>.methods.<m> overrides methods.<m> on that dataset only, and DVC tracks the key it came from;
    datasets.<d>.targets narrows what is edited and must name measured attributes."""
    from pipeline_lib.config.params import benchmark_targets, load_params
    from pipeline_lib.workflow.dag import MethodSettings, stage_cfg

    params = load_params(Path(__file__).parents[1] / "params.yaml")
    cfg = stage_cfg(params, method=MethodSettings("methods.{method}", "fit"))
    del params["datasets"]["shapes"]["methods"]  # shapes then runs manifold's own settings
    faces, shapes = (json.loads(cfg({"dataset": d, "method": "manifold"})) for d in ("faces", "shapes"))
    assert faces["method"]["iterations"] == params["datasets"]["faces"]["methods"]["manifold"]["iterations"] == 50
    assert shapes["method"]["iterations"] == 1500  # the kind's default (pipeline_lib/methods/manifold.py)
    assert "datasets.faces.methods.manifold.iterations" in faces["_params"]
    assert not [k for k in shapes["_params"] if k.startswith("datasets.")]
    assert benchmark_targets(params, "faces") == ["yaw", "mouth", "landmarks"]
    params["datasets"]["faces"]["targets"] = ["yaw", "smile"]
    with pytest.raises(ParamsError, match=r"datasets\.faces\.targets: unknown attributes \['smile'\]"):
        validate_params(params)
    params["datasets"]["faces"]["targets"] = ["yaw"]
    params["datasets"]["faces"]["methods"]["manifold"]["iterations"] = 0
    with pytest.raises(ParamsError, match=r"datasets\.faces\.methods\.manifold"):
        validate_params(params)

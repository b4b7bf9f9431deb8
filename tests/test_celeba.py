"""A labeled folder in the CelebA layout: parsing, cropping, the seeded split, and a predictor trained on it."""
import numpy as np
import pytest
import torch
from PIL import Image

from pipeline_lib.data.imagesets import build_image_set
from pipeline_lib.data.imagesets.celeba import read_attribute_file
from pipeline_lib.attributes.predictor import AttributePredictor, train_predictor
from pipeline_lib.util.runtime import make_deterministic

NAMES = ["Bright", "Red_Square", "Unused"]


def make_folder(root, n: int = 60):
    """n 20x24 PNGs: a light or dark background (Bright), a red or blue square (Red_Square); CelebA's text file."""
    rng = np.random.default_rng(0)
    (root / "img").mkdir()
    lines = [str(n), " ".join(NAMES)]
    truth = rng.integers(0, 2, size=(n, 3))
    for i, (bright, red, unused) in enumerate(truth):
        pixels = np.full((24, 20, 3), 200 if bright else 40, dtype=np.uint8)       # height 24, width 20
        top, left = rng.integers(6, 12), rng.integers(2, 8)
        pixels[top:top + 8, left:left + 8] = (220, 30, 30) if red else (30, 30, 220)
        Image.fromarray(pixels).save(root / "img" / f"{i:06d}.png")
        lines.append(f"{i:06d}.png " + "  ".join("1" if v else "-1" for v in (bright, red, unused)))
    (root / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    return truth


def config(root, **overrides):
    return {"kind": "celeba", "folder": str(root / "img"), "attributes_file": str(root / "list_attr_celeba.txt"),
            "attributes": ["Bright", "Red_Square"], "resolution": 16, "held_out": 0.2, "seed": 3, **overrides}


def test_builds_the_chosen_attributes_with_a_seeded_split(tmp_path):
    truth = make_folder(tmp_path)
    data = build_image_set(**config(tmp_path))
    assert data.images.shape == (60, 3, 16, 16) and data.schema.names == ["Bright", "Red_Square"]
    assert torch.equal(data.targets, torch.tensor(truth[:, :2], dtype=torch.float32))
    assert data.held_out.sum() == 12
    assert torch.equal(data.held_out, build_image_set(**config(tmp_path)).held_out)
    assert not torch.equal(data.held_out, build_image_set(**config(tmp_path, seed=4)).held_out)
    corner = data.images[:, :, 0, 0].mean(1)                                    # the background, after cropping
    assert torch.allclose(corner, torch.where(data.targets[:, 0] > 0, 200 / 255, 40 / 255))
    subset = build_image_set(**config(tmp_path, max_images=20))
    assert len(subset.images) == 20 and subset.held_out.sum() == 4


def folder_predictor_errors(tmp_path, seed: int = 0, epochs: int = 30):
    """A predictor trained from ``seed`` on the folder's 48 training images -> (its held-out errors, the model, the image set)."""
    make_folder(tmp_path)
    data = build_image_set(**config(tmp_path))
    make_deterministic(seed)
    model = AttributePredictor(data.schema, 16, width=8)
    train_predictor(model, data.rgb(~data.held_out), data.targets[~data.held_out], epochs=epochs, batch_size=16,
                    lr=0.003, seed=seed)
    return model.errors(data.rgb(data.held_out), data.targets[data.held_out]), model, data


def test_trains_a_predictor_on_the_folder(tmp_path):
    errors, model, data = folder_predictor_errors(tmp_path)
    # measured (seeds 0-4 x AVX-512, AVX2, baseline kernels): no error, every held-out probability within 0.007
    # of 0 or 1
    assert errors == {"Bright": 0.0, "Red_Square": 0.0}
    assert model(torch.nn.functional.interpolate(data.rgb()[:4], size=64)).shape == (4, 2)   # any input size


def test_bad_files_name_the_problem(tmp_path):
    make_folder(tmp_path)
    with pytest.raises(ValueError, match=r"\['Smiling'\] are not in .*list_attr_celeba.txt"):
        build_image_set(**config(tmp_path, attributes=["Bright", "Smiling"]))
    attr = tmp_path / "list_attr_celeba.txt"
    lines = attr.read_text().splitlines()
    attr.write_text("\n".join(lines[:5] + ["000003.png 1 0 1"] + lines[6:]))
    with pytest.raises(ValueError, match="line 6: expected a file name and 3 values of 1 or -1"):
        read_attribute_file(attr)
    attr.write_text("\n".join(["61"] + lines[1:]))
    with pytest.raises(ValueError, match="announces 61 images but 60 lines follow"):
        read_attribute_file(attr)
    attr.write_text("\n".join(lines))
    (tmp_path / "img" / "000007.png").unlink()
    with pytest.raises(FileNotFoundError, match="000007.png"):
        build_image_set(**config(tmp_path))

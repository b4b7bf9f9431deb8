"""Bad files and diverging training give errors that name the problem."""
import pandas as pd
import pytest
import torch

from pipeline_lib.data.generators import build_generator
from pipeline_lib.methods import build_method, load_method, save_method
from pipeline_lib.attributes.predictor import AttributePredictor, load_predictor, train_predictor
from pipeline_lib.data.tables import TableFileError, read_table, write_parquet
from pipeline_lib.util.weights import WeightFileError


def test_truncated_parquet_names_the_file(tmp_path):
    path = tmp_path / "labels.parquet"
    write_parquet(pd.DataFrame({"a": range(100)}), path)
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(TableFileError, match="labels.parquet is corrupt"):
        read_table(path)
    with pytest.raises(TableFileError, match="does not exist"):
        read_table(tmp_path / "missing.parquet")


def test_truncated_method_file_names_the_file(tmp_path):
    path = tmp_path / "interfacegan.pt"
    z = torch.randn(200, 4)
    save_method(build_method("interfacegan").fit(z, torch.sigmoid(z)), path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(WeightFileError, match="interfacegan.pt is corrupt"):
        load_method(path)


def test_predictor_weights_of_another_shape_are_refused(tmp_path):
    gen = build_generator("shapes", latent_dim=10)
    model = AttributePredictor(gen.schema, 32, width=8)
    from pipeline_lib.attributes.predictor import save_predictor

    save_predictor(model, tmp_path / "p.pt")
    ckpt = torch.load(tmp_path / "p.pt", weights_only=True)
    ckpt["width"] = 16
    torch.save(ckpt, tmp_path / "p.pt")
    with pytest.raises(WeightFileError, match="does not fit the predictor"):
        load_predictor(tmp_path / "p.pt")


def test_diverging_predictor_training_stops_with_a_message():
    gen = build_generator("shapes", latent_dim=10)
    z = gen.sample(64, 0)
    with torch.no_grad():
        images, truth = gen(z), gen.attributes(z)
    model = AttributePredictor(gen.schema, 32, width=8)
    images[0, 0, 0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="predictor.lr"):
        train_predictor(model, images, truth, epochs=1, batch_size=64, lr=1e-3, seed=0)


def test_diverging_sgf_training_stops_with_a_message():
    z = torch.randn(64, 4)
    labels = torch.sigmoid(z[:, :2])
    labels[3, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="non-finite"):
        build_method("sgf", width=8, depth=1, epochs=2, batch_size=64, noise_std=0).fit(z, labels)

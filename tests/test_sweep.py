"""The curvature sweep: its datasets (curvature x seed, every seed reseeded), the spread over seeds, the verdict."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline_lib.config.params import ParamsError, curvature_datasets, edited_methods, validate_params, \
    with_sweep_datasets
from pipeline_lib.scoring.sweep import point_means, spread, sweep_markdown, verdicts


@pytest.fixture()
def params():
    return yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())


def test_sweep_datasets_reseed_generator_readers_and_fits_and_run_the_sweeps_methods(params):
    del params["sweeps"]["curvature"]["settings"]  # without settings the base stands for its own point
    points = curvature_datasets(params)
    sweep = params["sweeps"]["curvature"]
    assert len(points) == len(sweep["values"]) * sweep["seeds"] and points["shapes"] == (0.5, 0)
    assert points["shapes_curvature_2_seed1"] == (2.0, 1) and points["shapes_curvature_0"] == (0.0, 0)
    swept = with_sweep_datasets(params)
    base, moved = swept["datasets"]["shapes"], swept["datasets"]["shapes_curvature_0p5_seed2"]
    assert moved["generator"]["curvature"] == 0.5 and moved["reseed"] == 2
    for section in ("generator", "guide", "judge"):
        assert moved[section]["seed"] == base[section]["seed"] + 2000, section
    assert "reseed" not in swept["datasets"]["shapes_curvature_1"]
    assert edited_methods(swept, "shapes_curvature_1") == [*sweep["methods"], "sgf_bound"]
    assert edited_methods(swept, "shapes") == [*params["benchmark"]["methods"], "sgf_bound"]


def test_a_sweep_method_outside_the_benchmark_or_verdict_outside_the_sweep_is_rejected(params):
    params["sweeps"]["curvature"]["methods"].append("least_squares")
    with pytest.raises(ParamsError, match="sweeps.curvature.methods: 'least_squares'"):
        validate_params(params)
    params["sweeps"]["curvature"]["methods"].pop()
    params["sweeps"]["curvature"]["verdict"]["against"] = ["ganspace"]
    with pytest.raises(ParamsError, match="sweeps.curvature.verdict: 'ganspace'"):
        validate_params(params)


def _scores(values: dict[str, list[float]]) -> pd.DataFrame:
    """A score table with two tasks per method (their scores ``v`` and ``v + 0.1``) and a summary row."""
    rows = [{"method": m, "attribute": a, "source": "judge", "task_type": "single", "bound": False,
             "mds": v + d, "arrival": v + d} for m, (v, *_) in values.items() for a, d in (("x", 0.0), ("y", 0.1))]
    rows.append({"method": "a", "attribute": "mean_single", "source": "judge", "task_type": "summary",
                 "bound": False, "mds": 9.0, "arrival": 9.0})
    return pd.DataFrame(rows)


def test_points_average_tasks_and_the_verdict_needs_twice_the_paired_seed_spread():
    # seed by seed: a leads b by 0.10 +- small at knob 0; at knob 1 a trails b by 0.02 with a spread of 0.03
    runs = {(0.0, 0): {"a": [0.80], "b": [0.70], "c": [0.60]}, (0.0, 1): {"a": [0.62], "b": [0.51], "c": [0.4]},
            (0.0, 2): {"a": [0.71], "b": [0.62], "c": [0.5]},
            (1.0, 0): {"a": [0.50], "b": [0.55], "c": [0.1]}, (1.0, 1): {"a": [0.58], "b": [0.57], "c": [0.1]},
            (1.0, 2): {"a": [0.45], "b": [0.51], "c": [0.1]}}
    points = pd.concat([point_means(_scores(v), "k", k, s) for (k, s), v in runs.items()])
    assert points.query("method == 'a' and k == 0 and seed == 0")["mds"].item() == pytest.approx(0.85)
    table = verdicts(points, "k", "a", ["b", "c"]).set_index(["score", "k"])
    first, second = table.loc[("mds", 0.0)], table.loc[("mds", 1.0)]
    assert first["best_other"] == "b" and first["difference"] == pytest.approx(0.1) and first["verdict"] == "ahead"
    assert second["difference"] == pytest.approx(-0.1 / 3) and second["verdict"] == "undecided"
    runs[(1.0, 1)]["a"] = [0.53]  # now a trails b at every seed by about the same amount
    points = pd.concat([point_means(_scores(v), "k", k, s) for (k, s), v in runs.items()])
    assert verdicts(points, "k", "a", ["b", "c"]).set_index(["score", "k"]).loc[("mds", 1.0), "verdict"] == "behind"
    summary = spread(points, "k")
    row = summary.query("method == 'c' and k == 1.0 and score == 'mds'")
    assert row["sd"].item() == pytest.approx(0.0) and row["seeds"].item() == 3
    assert np.isclose(summary.query("method == 'a' and k == 0.0 and score == 'arrival'")["mean"].item(),
                      np.mean([0.85, 0.67, 0.76]))
    text = sweep_markdown(summary, verdicts(points, "k", "a", ["b", "c"]), "k")
    assert "| a | 0.760 ± 0.090 |" in text and "| judge | mds | 1 | a | b |" in text and "behind" in text


def test_sweep_settings_make_every_point_its_own_dataset_and_are_validated(params):
    params["sweeps"]["curvature"]["settings"] = {"sampling": {"n_edit": 50}, "guide": {"epochs": 5}}
    points = curvature_datasets(params)
    assert "shapes" not in points and points["shapes_curvature_0p5"] == (0.5, 0)
    swept = with_sweep_datasets(params)["datasets"]
    assert swept["shapes_curvature_0p5"]["sampling"]["n_edit"] == 50
    assert swept["shapes"]["sampling"]["n_edit"] == params["datasets"]["shapes"]["sampling"]["n_edit"] != 50
    assert swept["shapes_curvature_1_seed2"]["guide"] == {**params["datasets"]["shapes"]["guide"], "epochs": 5,
                                                          "seed": params["datasets"]["shapes"]["guide"]["seed"] + 2000}
    validate_params(params)
    params["sweeps"]["curvature"]["settings"] = {"guide": {"epoch": 5}}
    with pytest.raises(ParamsError, match=r"(?s)sweeps.curvature.settings make an invalid dataset: .*guide.*epoch"):
        validate_params(params)

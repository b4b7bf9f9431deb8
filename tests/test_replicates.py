"""Replicate statistics: the two-level bootstrap and rank stability."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline_lib.config.params import ParamsError, validate_params, with_replicate_datasets
from pipeline_lib.workflow.dag import MethodSettings, stage_cfg

from pipeline_lib.scoring.metric import bootstrap_interval
from pipeline_lib.scoring.replicates import hierarchical_draws, hierarchical_mds_interval, rank_stability


def _runs(shifts, n=60, p=9, seed=0):
    """(R, n, P) success and kept of replicates whose success rises with strength, offset per replicate."""
    rng = np.random.default_rng(seed)
    s = np.linspace(0, 1, p)
    hit = np.stack([rng.random((n, p)) < np.clip(s + d, 0, 1) for d in shifts]).astype(float)
    keep = np.stack([np.clip(1 - 0.5 * s + 0.1 * rng.standard_normal((n, p)), 0, 1) for _ in shifts])
    return hit, keep


def test_draws_resample_replicates_then_codes_within_them():
    reps, codes = hierarchical_draws(3, 5, 200, seed=1)
    assert reps.shape == (200, 3) and codes.shape == (200, 3, 5)
    assert set(np.unique(reps)) == {0, 1, 2} and codes.max() == 4
    assert np.array_equal(reps, hierarchical_draws(3, 5, 200, seed=1)[0])


def test_the_interval_widens_when_replicates_disagree_and_matches_codes_only_when_they_agree():
    same_hit, same_keep = _runs([0.0, 0.0, 0.0])
    apart_hit, apart_keep = _runs([-0.3, 0.0, 0.3])
    lo_same, hi_same = hierarchical_mds_interval(same_hit, same_keep, 400, seed=2)
    lo_apart, hi_apart = hierarchical_mds_interval(apart_hit, apart_keep, 400, seed=2)
    assert hi_apart - lo_apart > 1.5 * (hi_same - lo_same)
    # one replicate: the code bootstrap of the single-run MDS
    one = hierarchical_mds_interval(same_hit[:1], same_keep[:1], 400, seed=2)
    lo, hi = bootstrap_interval(same_hit[0], same_keep[0], 400, seed=3)
    assert one[0] == pytest.approx(lo, abs=0.03) and one[1] == pytest.approx(hi, abs=0.03)


def test_rank_stability_counts_firsts_and_kendall_tau():
    agree = pd.DataFrame({"a": [0.9, 0.8, 0.85], "b": [0.5, 0.4, 0.45], "c": [0.1, 0.2, 0.15]})
    first, mean_tau, min_tau = rank_stability(agree)
    assert first.to_dict() == {"a": 1.0, "b": 0.0, "c": 0.0} and mean_tau == min_tau == 1.0
    swap = pd.DataFrame({"a": [0.9, 0.4], "b": [0.5, 0.8], "c": [0.1, 0.2]})
    first, mean_tau, min_tau = rank_stability(swap)
    assert first.to_dict() == {"a": 0.5, "b": 0.5, "c": 0.0} and mean_tau == pytest.approx(1 / 3)
    assert np.isnan(rank_stability(agree.iloc[:1])[1])


@pytest.fixture()
def params():
    return yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())


def test_replicates_reseed_every_model_and_keep_the_codes(params):
    expanded = with_replicate_datasets(params)["datasets"]
    base, rep = expanded["shapes"], expanded["shapes_rep2"]
    assert "shapes_rep3" not in expanded and rep["reseed"] == 2
    assert rep["guide"]["seed"] == base["guide"]["seed"] + 2000 and rep["judge"]["seed"] == base["judge"]["seed"] + 2000
    assert rep["sampling"] == base["sampling"] and rep["generator"] == base["generator"]
    config = with_replicate_datasets(params)
    fit = stage_cfg(config, method=MethodSettings("methods.{method}", "fit"))
    seeds = {d: json.loads(fit({"method": "voynov_linear", "dataset": d}))["method"]["seed"]
             for d in ("shapes", "shapes_rep1")}
    assert seeds == {"shapes": 25, "shapes_rep1": 1025}
    edit = stage_cfg(config, method=MethodSettings("methods.{method}", "edit"))
    assert edit({"method": "sgf", "dataset": "shapes"}) == edit({"method": "sgf", "dataset": "shapes_rep1"})


def test_replicates_of_an_unknown_dataset_are_rejected(params):
    params["replicates"]["datasets"] = ["mnist"]
    with pytest.raises(ParamsError, match="replicates.datasets: unknown dataset 'mnist'"):
        validate_params(params)
    params["replicates"]["datasets"] = ["shapes_curvature_1"]  # a sweep's dataset may be replicated
    validate_params(params)


def _table(shift: float, n: int = 30, p: int = 5) -> pd.DataFrame:
    """An edit table of one continuous task on a 2-attribute schema: the target rises by ``shift`` per step."""
    s = np.arange(p)
    code, step = np.repeat(np.arange(n), p), np.tile(s, n)
    start = np.repeat(np.linspace(0.1, 0.3, n), p)
    return pd.DataFrame({"code": code, "step": step, "strength": step.astype(float),
                         "task_target_a": start + 0.3, "task_direction_a": 1.0,
                         "judge_a": start + shift * step, "judge_b": 0.5 + 0.01 * step})


def test_replicate_scores_and_the_stability_table():
    from pipeline_lib.config.attribute_schema import Attribute, AttributeSchema
    from pipeline_lib.scoring.replicates import replicate_scores, stability_markdown

    schema = AttributeSchema((Attribute("a", "continuous"), Attribute("b", "continuous")), {})
    runs = {r: {("fast", "a"): _table(0.2), ("slow", "a"): _table(0.045 + 0.005 * r)} for r in range(3)}
    scores = replicate_scores(runs, schema, ["judge"], delta=0.3, tolerances={"a": 0.1, "b": 0.1}, n_boot=200, seed=0)
    fast, slow = (scores.set_index("method").loc[m] for m in ("fast", "slow"))
    assert fast["sd"] == 0 and slow["sd"] > 0 and slow["mds_r0"] < slow["mds_r2"]
    assert fast["ci_low"] <= fast["mean"] <= fast["ci_high"]
    text = stability_markdown(scores, set())
    assert "| fast | " in text and "Kendall tau between replicates' method orders: mean 1.000" in text

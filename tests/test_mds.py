"""Score tables from edit tables: any source prefix, arrival and path-length columns, summary rows."""
import numpy as np
import pandas as pd
import pytest

from pipeline_lib.config.catalog import SHAPES_SCHEMA as SCHEMA
from pipeline_lib.report.plots import mds_summary
from pipeline_lib.scoring.mds import metrics_json, score_runs

N, P = 4, 5


def table(task: str, source: str, speed: float) -> pd.DataFrame:
    """An edit table of N codes whose ``task`` entries move at ``speed`` per step; the other attributes stay."""
    members = SCHEMA.groups.get(task, (task,))
    start = np.full((N, len(SCHEMA.names)), 0.3)
    step = np.arange(P)
    values = np.repeat(start[:, None], P, 1)
    for m in members:
        values[:, :, SCHEMA.index(m)] += speed * step[None, :] * np.arange(1, N + 1)[:, None] / N
    rows = {"code": np.repeat(np.arange(N), P), "step": np.tile(step, N), "strength": np.tile(step * 1.0, N),
            "path_length": np.tile(np.minimum(step, 3.0), N), "traced_length": np.repeat(np.arange(N) + 3.0, P),
            "task_redrawn": np.repeat([True, False, False, False], P)}
    for m in members:
        rows[f"task_target_{m}"] = 0.6
        rows[f"task_direction_{m}"] = 1.0
    rows.update({f"{source}_{a}": values[..., i].reshape(-1) for i, a in enumerate(SCHEMA.names)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def scores():
    tables = {("m", "size"): table("size", "judge", 0.11), ("m", "position"): table("position", "judge", 0.11)}
    tolerances = {a: 0.1 for a in [*SCHEMA.names, *SCHEMA.groups]}
    return score_runs(tables, SCHEMA, ["judge"], delta=0.3, tolerances=tolerances, n_boot=50, seed=0)[1]


def test_any_source_prefix_scores_with_arrival_and_path_lengths(scores):
    size = scores.set_index("attribute").loc["size"]
    # code i moves size by 0.11 * (i + 1) / 4 a step from 0.3 toward 0.6 (tolerance 0.1): codes 1, 2, 3
    # arrive at steps 4, 3, 2, code 0 never does; nothing else moves, so D at arrival is 1
    assert size["source"] == "judge" and size["task_type"] == "single"
    assert size["reached"] == 0.75 and size["kept_at_arrival"] == 1.0 and size["arrival"] == 0.75
    assert size["arrival_ci_low"] <= 0.75 <= size["arrival_ci_high"]
    assert size["start_reached"] == 0.0 and size["redrawn"] == 1
    assert size["path_length_median"] == 3.0 and size["traced_length_median"] == pytest.approx(4.5)
    assert size["traced_length_p90"] == pytest.approx(5.7) and size["arrival_length_median"] == 3.0
    assert scores.set_index("attribute").loc["position", "task_type"] == "group"


def test_summary_rows_average_single_attributes_and_groups_apart(scores):
    summary = scores[scores["task_type"] == "summary"].set_index("attribute")
    by_task = scores.set_index("attribute")
    assert sorted(summary.index) == ["mean_group", "mean_single"]
    assert summary.at["mean_single", "mds"] == by_task.at["size", "mds"]
    assert summary.at["mean_group", "arrival"] == by_task.at["position", "arrival"]
    metrics = metrics_json(scores, {}, {})["m"]
    assert metrics["mean"] == pytest.approx((by_task.at["size", "mds"] + by_task.at["position", "mds"]) / 2)
    assert metrics["mean_group"] == pytest.approx(by_task.at["position", "mds"])
    assert "arrival_mean" in metrics


def test_the_report_table_keeps_summary_rows_out_of_the_task_columns(scores):
    judged = scores.assign(source="judge", judge_error=0.01, guide_error=0.02, bound=False)
    table = mds_summary(judged)
    assert list(table.columns) == ["method", "position", "size", "mean", "mean single", "mean group", "arrival mean",
                                   "oracle mean", "guide mean", "judge - oracle (noise penalty)", "guide - judge"]
    assert table.iloc[0]["mean single"] == f"{judged.set_index('attribute').at['size', 'mds']:.3f}"


def test_show_adds_the_single_and_group_means_after_the_mean(scores):
    from pipeline_lib.workflow.cli import _mds_by_method
    table = _mds_by_method(scores)
    assert list(table.columns) == ["position", "size", "mean", "mean_group", "mean_single"]
    assert table.at["m", "mean_single"] == table.at["m", "size"]

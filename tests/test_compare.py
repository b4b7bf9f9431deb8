import json

import pandas as pd
from click.testing import CliRunner

from pipeline_lib.cli import main
from pipeline_lib.compare import compare_scores


def _scores(mds, half_width=0.02):
    return pd.DataFrame({"dataset": "shapes", "method": ["sgf", "ganspace"], "attribute": "size",
                         "source": "pred", "mds": mds, "ci_low": [m - half_width for m in mds],
                         "ci_high": [m + half_width for m in mds]})


def test_differences_beyond_both_intervals_are_flagged():
    table = compare_scores(_scores([0.80, 0.50]), _scores([0.81, 0.60]))
    flagged = dict(zip(table["method"], table["significant"]))
    assert flagged == {"sgf": False, "ganspace": True}
    assert table.set_index("method").loc["ganspace", "diff"] == 0.6 - 0.5


def test_compare_command_reads_two_folders(tmp_path):
    for name, mds in (("a", [0.8, 0.5]), ("b", [0.7, 0.5])):
        (tmp_path / name / "shapes").mkdir(parents=True)
        _scores(mds).to_parquet(tmp_path / name / "shapes" / "mds.parquet")
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["method"]: r for r in json.loads(result.output)}
    assert rows["sgf"]["significant"] and not rows["ganspace"]["significant"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["compare", str(empty), str(tmp_path / "b")])
    assert result.exit_code == 1 and "holds no" in result.output

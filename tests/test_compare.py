import json

import pandas as pd
import pytest
from click.testing import CliRunner
from dvc.cli import main as dvc_main

from pipeline_lib.workflow.cli import main
from pipeline_lib.scoring.compare import compare_scores

from conftest import run


def _scores(mds, half_width=0.02):
    return pd.DataFrame({"dataset": "shapes", "method": ["sgf", "ganspace"], "attribute": "size",
                         "source": "judge", "mds": mds, "ci_low": [m - half_width for m in mds],
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


def _dvc(*args):
    """DVC in this process (no interpreter start per command); fails the test on a non-zero exit."""
    assert dvc_main(["-q", *args]) == 0, args


@pytest.mark.workflow
def test_compare_reads_two_git_revisions_from_the_dvc_remote(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    ws = tmp_path / "ws"
    (ws / "reports" / "shapes").mkdir(parents=True)
    run(["git", "init", "-q"], ws)
    monkeypatch.chdir(ws)
    _dvc("init")
    _dvc("remote", "add", "-d", "local", "../remote")
    for message, mds in (("before", [0.8, 0.5]), ("after", [0.8, 0.7])):
        _scores(mds).to_parquet(ws / "reports" / "shapes" / "mds.parquet")
        _dvc("add", "reports/shapes/mds.parquet")  # a DVC output, as the score stage's are
        run(["git", "add", "-A"], ws)
        run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", message], ws)
        _dvc("push")  # each commit's outputs (`dvc push -A` misplaces a relative remote's old revisions)
    clone = tmp_path / "clone"  # no DVC cache: both revisions come from the remote
    run(["git", "clone", "-q", str(ws), str(clone)], tmp_path)
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, ["compare", "HEAD~1", "HEAD", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["method"]: r for r in json.loads(result.output)}
    assert rows["ganspace"]["significant"] and not rows["sgf"]["significant"]
    assert abs(rows["ganspace"]["diff"] - 0.2) < 1e-9
    result = CliRunner().invoke(main, ["compare", "HEAD~1:results", "HEAD"])
    assert result.exit_code == 1 and "holds no results/<dataset>/mds.parquet" in result.output
    result = CliRunner().invoke(main, ["compare", "no-such-rev", "HEAD"])
    assert result.exit_code == 1 and "neither a result folder nor a git revision" in result.output

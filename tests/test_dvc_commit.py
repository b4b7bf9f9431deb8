"""Recording finished stages in DVC: the named stages only, dvc.lock written once."""
import subprocess
import sys

import yaml

from pipeline_lib.workflow.dag import dvc_commit


def test_dvc_commit_records_the_named_stages_and_only_them(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=tmp_path, check=True)
    stages = {name: {"cmd": f"echo {name} > {name}.txt", "outs": [f"{name}.txt"]} for name in ("a", "b", "c")}
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": stages}))
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(name)
    dvc_commit(tmp_path, ["a", "b"])
    lock = yaml.safe_load((tmp_path / "dvc.lock").read_text())["stages"]
    assert set(lock) == {"a", "b"} and lock["a"]["outs"][0]["path"] == "a.txt"
    status = subprocess.run([sys.executable, "-m", "dvc", "status", "a", "b"], cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    assert "up to date" in status.stdout, status.stdout

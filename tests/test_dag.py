import sys

import pytest

from conftest import ROOT, run

pytestmark = pytest.mark.workflow  # Snakemake parses the repository's workflow


def test_dvc_yaml_is_generated_from_the_snakefile():
    done = run([sys.executable, "-m", "pipeline_lib.workflow.cli", "dvc-sync", "--check"], ROOT, check=False)
    assert done.returncode == 0, done.stderr


def test_snakemake_lint_is_clean():
    done = run([sys.executable, "-m", "snakemake", "--lint"], ROOT, check=False)
    assert "Congratulations" in done.stdout + done.stderr, done.stdout[-2000:]

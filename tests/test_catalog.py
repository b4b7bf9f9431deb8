"""The torch-free catalog agrees with the registries, and reading params does not import torch."""
import subprocess
import sys

from pipeline_lib.config.catalog import IMPORTED, METHOD_NAMES
from pipeline_lib.data.generators import IMPORTERS
from pipeline_lib.methods import METHODS


def test_catalog_names_every_method_and_importer():
    assert set(METHOD_NAMES) == set(METHODS)
    assert set(IMPORTED) == set(IMPORTERS)


def test_workflow_parsing_imports_no_torch():
    code = ("import sys; import pipeline_lib.config.params, pipeline_lib.workflow.dag, pipeline_lib.config.catalog; "
            "pipeline_lib.config.params.load_params('params.yaml'); "
            "print(sorted(m for m in ('torch', 'numpy', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

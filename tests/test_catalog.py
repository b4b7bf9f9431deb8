"""The torch-free catalog agrees with the registries, and reading params does not import torch."""
import subprocess
import sys

import jsonschema
import pytest

from pipeline_lib.config.catalog import IMPORTED
from pipeline_lib.config.definitions import entry_schema, method_kinds
from pipeline_lib.data.generators import IMPORTERS
from pipeline_lib.methods import method_class


def test_catalog_names_every_importer():
    assert set(IMPORTED) == set(IMPORTERS)


@pytest.mark.parametrize("kind", sorted(method_kinds()))
def test_each_method_module_defines_its_kind_with_valid_defaults(kind):
    cls = method_class(kind)
    assert cls.kind == kind and cls.__module__ == f"pipeline_lib.methods.{kind}"
    settings = method_kinds()[kind]
    jsonschema.validate({"kind": kind, **{n: s.default for n, s in settings.items()}}, entry_schema(kind))
    assert all(s.doc and s.role in ("fit", "edit") for s in settings.values())


def test_workflow_parsing_imports_no_torch():
    code = ("import sys; import pipeline_lib.config.params, pipeline_lib.workflow.dag, pipeline_lib.workflow.code; "
            "pipeline_lib.config.params.load_params('params.yaml'); "
            "print(sorted(m for m in ('torch', 'numpy', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

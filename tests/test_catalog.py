"""The torch-free catalog agrees with the registries, and reading params does not import torch."""
import subprocess
import sys

import jsonschema
import pytest

from pipeline_lib.config.catalog import PROCEDURAL_SCHEMAS
from pipeline_lib.config.definitions import GENERATORS, IMAGE_SETS, entry_schema, generators_of, kinds, method_kinds
from pipeline_lib.data.generators import Generator, generator_class
from pipeline_lib.data.imagesets import build_image_set
from pipeline_lib.methods import method_class


@pytest.mark.parametrize("kind", sorted(kinds(GENERATORS)))
def test_each_generator_module_defines_its_kind(kind):
    cls = generator_class(kind)
    assert cls.kind == kind and cls.__module__ == f"pipeline_lib.data.generators.{kind}"
    settings = kinds(GENERATORS)[kind]
    given = {n: s.default for n, s in settings.items() if not s.required}
    jsonschema.validate(given, {**entry_schema(kind, GENERATORS), "required": []})
    assert all(s.doc for s in settings.values())
    # an imported kind reads its file; only they may
    assert (cls.from_file.__func__ is not Generator.from_file.__func__) == (kind in generators_of("imported"))


def test_procedural_kinds_have_their_oracle_schema():
    assert set(generators_of("procedural")) == set(PROCEDURAL_SCHEMAS)


@pytest.mark.parametrize("kind", sorted(kinds(IMAGE_SETS)))
def test_each_image_set_kind_is_buildable_by_name(kind):
    with pytest.raises(TypeError, match="missing"):  # the required settings are required
        build_image_set(kind)


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

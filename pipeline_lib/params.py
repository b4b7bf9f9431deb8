"""Reading and validating params.yaml: schema first, then the names that refer to each other."""
from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from .generators.shapes import SCHEMA as SHAPES_SCHEMA
from .methods import METHODS

STATIC_SCHEMAS = {"shapes": SHAPES_SCHEMA}


class ParamsError(ValueError):
    pass


def _schema() -> dict:
    return yaml.safe_load(resources.files("pipeline_lib").joinpath("params_schema.yaml").read_text())


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def validate_params(params: dict) -> dict:
    """Raise ParamsError naming the key and the allowed values; return ``params`` unchanged."""
    if not isinstance(params, dict):
        raise ParamsError(f"params must be a mapping, got {type(params).__name__}")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(params), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {_where(e)}: {e.message}" for e in errors]
        raise ParamsError("invalid params:\n" + "\n".join(lines))
    bench = params["benchmark"]
    for name in bench["datasets"]:
        if name not in params["datasets"]:
            raise ParamsError(f"benchmark.datasets: unknown dataset {name!r}; defined: {sorted(params['datasets'])}")
    for name in bench["methods"]:
        if name not in METHODS:
            raise ParamsError(f"benchmark.methods: unknown method {name!r}; allowed: {sorted(METHODS)}")
        if name not in params["methods"]:
            raise ParamsError(f"benchmark.methods: method {name!r} has no settings under methods.{name}")
    if bench["attributes"] != "all":
        for name in bench["datasets"]:
            known = attribute_names(params, name)
            for attr in bench["attributes"]:
                if attr not in known:
                    raise ParamsError(f"benchmark.attributes: unknown attribute {attr!r} for dataset "
                                      f"{name!r}; allowed: {known}")
    sweep = params.get("sweeps", {}).get("curvature")
    if sweep and params["datasets"].get(sweep["base"], {}).get("generator", {}).get("kind") != "shapes":
        raise ParamsError(f"sweeps.curvature.base: {sweep['base']!r} is not a defined shapes dataset; "
                          f"defined: {sorted(params['datasets'])}")
    text = params["text"]
    if params["datasets"].get(text["dataset"], {}).get("generator", {}).get("kind") != "shapes":
        raise ParamsError(f"text.dataset: {text['dataset']!r} is not a defined shapes dataset (text edits are "
                          f"scored by its oracle); defined: {sorted(params['datasets'])}")
    for kind in text["edit"]["kinds"]:
        facts = kind.split("+")
        if len(set(facts)) != len(facts):
            raise ParamsError(f"text.edit.kinds: {kind!r} names the same fact twice")
    for attr in params["metric"]["tolerances"]:
        if not any(attr in attribute_names(params, d) for d in bench["datasets"]):
            raise ParamsError(f"metric.tolerances: unknown attribute {attr!r}")
    return params


def attribute_names(params: dict, dataset: str) -> list[str]:
    """Attribute and group names the dataset's predictor measures."""
    schema = STATIC_SCHEMAS[params["datasets"][dataset]["generator"]["kind"]]
    return [*schema.names, *schema.groups]


def benchmark_targets(params: dict, dataset: str) -> list[str]:
    """Attributes and groups the benchmark edits on ``dataset``: all of them, or the chosen ones."""
    chosen = params["benchmark"]["attributes"]
    names = attribute_names(params, dataset)
    return names if chosen == "all" else [a for a in names if a in chosen]


def load_params(path: str | Path = "params.yaml") -> dict:
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path} is not valid YAML: {exc}") from None
    return validate_params(params)


def curvature_datasets(params: dict) -> dict[str, float]:
    """The datasets of the curvature sweep by name -> curvature; the base stands for its own value."""
    sweep = params.get("sweeps", {}).get("curvature")
    if not sweep:
        return {}
    base, base_value = sweep["base"], params["datasets"][sweep["base"]]["generator"].get("curvature")
    return {base if v == base_value else f"{base}_curvature_{v:g}".replace(".", "p"): float(v)
            for v in sweep["values"]}


def with_sweep_datasets(params: dict) -> dict:
    """``params`` plus one dataset entry per curvature value (copies of the base, curvature replaced)."""
    sweep = params.get("sweeps", {}).get("curvature")
    out = copy.deepcopy(params)
    for name, value in curvature_datasets(params).items():
        if name == sweep["base"]:
            continue
        out["datasets"][name] = copy.deepcopy(params["datasets"][sweep["base"]])
        out["datasets"][name]["generator"]["curvature"] = value
    return out

"""Reading and validating params.yaml: schema first, then the names that refer to each other."""
from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.config.catalog import LABELING_JUDGES, PROCEDURAL_SCHEMAS, ROLES, declared_schema, image_set_schema
from pipeline_lib.config.definitions import (GENERATORS, IMAGE_SETS, METHODS, Family, entry_schema, generator_origins,
                                             generators_of, kind_of, kinds, method_kinds, oracle_kinds)


class ParamsError(ValueError):
    pass


def _schema() -> dict:
    return yaml.safe_load(resources.files("pipeline_lib.config").joinpath("params_schema.yaml").read_text())


def _where(error: jsonschema.ValidationError, prefix: str) -> str:
    return ".".join([*filter(None, [prefix]), *map(str, error.absolute_path)]) or "(top level)"


def validate_params(params: dict) -> dict:
    """Raise ParamsError naming the key and the allowed values; return ``params`` unchanged."""
    if not isinstance(params, dict):
        raise ParamsError(f"params must be a mapping, got {type(params).__name__}")
    validator = jsonschema.Draft202012Validator(_schema())
    _raise_errors(validator.iter_errors(params))
    for name, entry in params["methods"].items():
        _check_method_entry(f"methods.{name}", name, entry)
    if "text" in params:
        _check_method_entry("text.sgf", "sgf", params["text"]["sgf"])
    for name, dataset in params["datasets"].items():
        _check_kind_entry(f"datasets.{name}.generator", dataset["generator"], GENERATORS)
        if "images" in dataset:
            _check_kind_entry(f"datasets.{name}.images", dataset["images"], IMAGE_SETS)
        _check_dataset(name, dataset)
        guide, judge = (reader_schema(dataset, role).names for role in ROLES)
        if judge != guide:
            raise ParamsError(f"datasets.{name}.judge: measures {judge}, the guide {guide}; the judge must read the "
                              f"guide's attributes, in order")
        unknown = sorted(set(dataset.get("targets", [])) - set(attribute_names(params, name)))
        if unknown:
            raise ParamsError(f"datasets.{name}.targets: unknown attributes {unknown}; it measures "
                              f"{attribute_names(params, name)}")
        for method, override in dataset.get("methods", {}).items():
            where = f"datasets.{name}.methods.{method}"
            if method not in params["methods"]:
                raise ParamsError(f"{where}: no entry methods.{method} to override; defined: {sorted(params['methods'])}")
            _check_method_entry(where, method, {**params["methods"][method], **override})
    bench = params["benchmark"]
    for name in bench["datasets"]:
        if name not in params["datasets"]:
            raise ParamsError(f"benchmark.datasets: unknown dataset {name!r}; defined: {sorted(params['datasets'])}")
    for name in bench["methods"]:
        if name not in params["methods"]:
            raise ParamsError(f"benchmark.methods: unknown method {name!r}: no entry methods.{name}; "
                              f"defined: {sorted(params['methods'])}; kinds: {sorted(method_kinds())}")
        if kind_of(name, params["methods"][name]) in oracle_kinds():
            raise ParamsError(f"benchmark.methods: {name!r} reads the oracle (kind "
                              f"{kind_of(name, params['methods'][name])!r}): it is an upper bound, not a method; "
                              f"list it under benchmark.bounds")
    for name in bench.get("bounds", []):
        if name not in params["methods"]:
            raise ParamsError(f"benchmark.bounds: unknown entry {name!r}: no entry methods.{name}; "
                              f"defined: {sorted(params['methods'])}")
        if kind_of(name, params["methods"][name]) not in oracle_kinds():
            raise ParamsError(f"benchmark.bounds: {name!r} (kind {kind_of(name, params['methods'][name])!r}) is a "
                              f"method, not a bound; bound kinds: {sorted(oracle_kinds())}")
    if bench["attributes"] != "all":
        # an attribute may belong to a defined dataset the run leaves out (e.g. `latentbench run --dataset`)
        defined = {name: attribute_names(params, name) for name in params["datasets"]}
        for attr in bench["attributes"]:
            if not any(attr in names for names in defined.values()):
                raise ParamsError(f"benchmark.attributes: unknown attribute {attr!r}; the datasets measure "
                                  + "; ".join(f"{d}: {names}" for d, names in defined.items()))
        for name, names in ((d, defined[d]) for d in bench["datasets"]):
            if not set(names) & set(bench["attributes"]):
                raise ParamsError(f"benchmark.attributes: none of them is measured on dataset {name!r}; "
                                  f"it measures {names} (choose datasets in benchmark.datasets or with --dataset)")
    swept = with_sweep_datasets(params)["datasets"]
    for name in params.get("replicates", {}).get("datasets", []):
        if name not in swept:
            raise ParamsError(f"replicates.datasets: unknown dataset {name!r}; defined (sweeps included): {sorted(swept)}")
    sweep = params.get("sweeps", {}).get("curvature")
    if sweep and params["datasets"].get(sweep["base"], {}).get("generator", {}).get("kind") != "shapes":
        raise ParamsError(f"sweeps.curvature.base: {sweep['base']!r} is not a defined shapes dataset; "
                          f"defined: {sorted(params['datasets'])}")
    if sweep and "settings" in sweep:
        try:
            validate_params({**with_sweep_datasets(params), "sweeps": {}})
        except ParamsError as exc:
            raise ParamsError(f"sweeps.curvature.settings make an invalid dataset: {exc}") from None
    if sweep:
        swept_methods, verdict = sweep_methods(params)
        for name in swept_methods:
            if name not in bench["methods"]:
                raise ParamsError(f"sweeps.curvature.methods: {name!r} is not one of benchmark.methods "
                                  f"{bench['methods']}")
        for name in (verdict["method"], *verdict["against"]):
            if name not in swept_methods:
                raise ParamsError(f"sweeps.curvature.verdict: {name!r} is not a method of the sweep {swept_methods}")
    text = params.get("text", {"edit": {"kinds": []}})  # optional: only the `text` target reads it
    if "dataset" in text and params["datasets"].get(text["dataset"], {}).get("generator", {}).get("kind") != "shapes":
        raise ParamsError(f"text.dataset: {text['dataset']!r} is not a defined shapes dataset (text edits are "
                          f"scored by its oracle); defined: {sorted(params['datasets'])}")
    for kind in text["edit"]["kinds"]:
        facts = kind.split("+")
        if len(set(facts)) != len(facts):
            raise ParamsError(f"text.edit.kinds: {kind!r} names the same fact twice")
    for attr in params["metric"]["tolerances"]:
        if not any(attr in attribute_names(params, d) for d in params["datasets"]):  # a run may leave some out
            raise ParamsError(f"metric.tolerances: unknown attribute {attr!r}")
    return params


def _raise_errors(errors, prefix: str = "") -> None:
    lines = [f"  {_where(e, prefix)}: {e.message}" for e in sorted(errors, key=lambda e: list(e.absolute_path))]
    if lines:
        raise ParamsError("invalid params:\n" + "\n".join(lines))


def _check_method_entry(where: str, name: str, entry: dict) -> None:
    """A method entry runs a known kind with settings that kind defines, of the right types."""
    _check_kind(where, where, kind_of(name, entry), entry, METHODS, hint="set `kind:` to one of them, or add ")


def _check_kind_entry(where: str, entry: dict, family: Family) -> None:
    """A generator or image-set entry names a known ``kind`` and gives its settings, of the right types."""
    _check_kind(where, f"{where}.kind", entry["kind"], entry, family, hint="or add ")


def _check_kind(where: str, named_at: str, kind: str, entry: dict, family: Family, hint: str) -> None:
    """``named_at``: where params name the kind (the entry's ``kind`` key, or the entry's own name)."""
    if kind not in kinds(family):
        folder = family.directory.relative_to(family.directory.parents[1])
        raise ParamsError(f"{named_at}: unknown {family.name} kind {kind!r}; known kinds: {sorted(kinds(family))} "
                          f"({hint}{folder}/{kind}.py)")
    _raise_errors(jsonschema.Draft202012Validator(entry_schema(kind, family)).iter_errors(entry), prefix=where)


def _check_dataset(name: str, dataset: dict) -> None:
    """Which images each part learns from, and a judge independent of the guide.

    A procedural generator renders the readers' training images (its oracle fixes the attributes);
    ``conv_gan`` trains on a real image set; a generator from a file needs nothing. A ``cnn``
    reader (guide or judge) trains on the rendered or the real images; a ``torchscript`` one needs none.
    A trained judge differs from a trained guide in seed and architecture (width or depth); on real
    images it takes ``share`` of the training rows, the guide the rest.
    """
    kind = dataset["generator"]["kind"]
    origin = generator_origins()[kind]
    images = "images" in dataset
    if origin == "procedural" and images:
        raise ParamsError(f"datasets.{name}.images: a {kind!r} generator renders its own images; remove it")
    if origin == "trained" and not images:
        raise ParamsError(f"datasets.{name}: a {kind!r} generator is trained on real images; add an images: section")
    labeling = reader_kind(dataset, "judge") in LABELING_JUDGES
    if origin == "packaged" and not labeling:
        raise ParamsError(f"datasets.{name}.judge.kind: a {kind!r} generator has no labels; its judge must label "
                          f"its samples itself ({sorted(LABELING_JUDGES)})")
    if labeling and (origin != "packaged" or images):
        raise ParamsError(f"datasets.{name}.judge.kind: {reader_kind(dataset, 'judge')!r} reads a packaged face "
                          f"generator's samples (generator.kind face_dcgan, no images: section)")
    for role in ROLES:
        reader, where = dataset[role], f"datasets.{name}.{role}"
        if labeling and role == "guide":
            missing = [k for k in ("train_samples", "held_out") if k not in reader]
            if reader_kind(dataset, role) != "cnn" or missing:
                raise ParamsError(f"{where}: trains on the judge's labels of generated samples: kind cnn (the "
                                  f"default) with train_samples and held_out")
        declared = [a["name"] for a in reader.get("attributes", [])]
        if len(set(declared)) < len(declared):
            raise ParamsError(f"{where}.attributes: names repeat in {declared}")
        if origin == "procedural":
            if reader_kind(dataset, role) != "cnn":
                raise ParamsError(f"{where}.kind: a {kind!r} generator's {role} is trained on its renders (its oracle "
                                  f"fixes the attributes); {reader_kind(dataset, role)!r} is not possible here")
            missing = [k for k in ("train_samples", "held_out") if k not in reader]
            if missing:
                raise ParamsError(f"{where}: {missing} are required for rendered training images")
        elif origin == "imported" and reader_kind(dataset, role) == "cnn" and not images:
            raise ParamsError(f"{where}: a cnn {role} trains on labeled real images; add an images: section "
                              f"(e.g. kind: celeba) or set {role}.kind: torchscript")
        if "share" in reader and (role == "guide" or not images):
            raise ParamsError(f"{where}.share: only a judge trained on real images takes a share of them")
    trained = [role for role in ROLES if reader_kind(dataset, role) == "cnn"]
    if not trained and not labeling and dataset["guide"]["path"] == dataset["judge"]["path"]:
        raise ParamsError(f"datasets.{name}.judge.path: the guide's file; the judge must be another network")
    if origin == "imported" and images and not trained:
        raise ParamsError(f"datasets.{name}.images: nothing trains on these images (the generator, the guide and "
                          f"the judge come from files); remove it")
    if images and "judge" in trained and "share" not in dataset["judge"]:
        raise ParamsError(f"datasets.{name}.judge.share: required: the judge's share of the real training images "
                          f"(the guide trains on the rest)")
    if trained == list(ROLES):
        guide, judge = dataset["guide"], dataset["judge"]
        if guide["seed"] == judge["seed"]:
            raise ParamsError(f"datasets.{name}.judge.seed: equals the guide's ({guide['seed']}); the judge needs "
                              f"its own seed")
        if (guide["width"], guide.get("depth", 1)) == (judge["width"], judge.get("depth", 1)):
            raise ParamsError(f"datasets.{name}.judge: the same architecture as the guide (width {guide['width']}, "
                              f"depth {guide.get('depth', 1)}); change its width or depth")


def reader_kind(dataset: dict, role: str) -> str:
    """``cnn`` (trained by the pipeline, the default), ``torchscript`` (a user's file) or, for a judge, ``mtcnn``
    (the faces judge, calibrated by the pipeline) for ``role``."""
    return dataset[role].get("kind", "cnn")


def dataset_schema(params: dict, dataset: str) -> AttributeSchema:
    """What the dataset's guide measures: declared by a TorchScript guide, else the procedural
    generator's factors or the image set's labels."""
    return reader_schema(params["datasets"][dataset], "guide")


def reader_schema(cfg: dict, role: str) -> AttributeSchema:
    """What a dataset section's ``role`` (guide or judge) measures."""
    kind = cfg["generator"]["kind"]
    if reader_kind(cfg, role) == "torchscript":
        return declared_schema(cfg[role]["attributes"])
    if reader_kind(cfg, "judge") in LABELING_JUDGES:  # the judge measures it; the guide learns its labels
        return LABELING_JUDGES[reader_kind(cfg, "judge")]
    return PROCEDURAL_SCHEMAS[kind] if kind in PROCEDURAL_SCHEMAS else image_set_schema(cfg["images"])


def datasets_of(params: dict, kind: str) -> list[str]:
    """Names of the datasets whose generator is ``kind``, or of that ORIGIN (``procedural``, ``imported``)."""
    chosen = set(generators_of(kind)) or {kind}
    return sorted(n for n, d in params["datasets"].items() if d["generator"]["kind"] in chosen)


def datasets_with_reader(params: dict, role: str, kind: str) -> list[str]:
    """Names of the datasets whose ``role`` (guide or judge) is ``kind`` (``cnn`` or ``torchscript``)."""
    return sorted(n for n, d in params["datasets"].items() if reader_kind(d, role) == kind)


def attribute_names(params: dict, dataset: str) -> list[str]:
    """Attribute and group names the dataset's guide measures."""
    schema = dataset_schema(params, dataset)
    return [*schema.names, *schema.groups]


def bounds_of(params: dict, dataset: str) -> list[str]:
    """The entries of ``benchmark.bounds`` that run on ``dataset``: all of them where its generator has an
    oracle (a procedural kind), none elsewhere."""
    has_oracle = params["datasets"][dataset]["generator"]["kind"] in generators_of("procedural")
    return list(params["benchmark"].get("bounds", [])) if has_oracle else []


def edited_methods(params: dict, dataset: str) -> list[str]:
    """What edits ``dataset``: ``benchmark.methods`` (a sweep's dataset: the sweep's ``methods``, its
    ``edited_by``), then its :func:`bounds_of`."""
    chosen = params["datasets"][dataset].get("edited_by", params["benchmark"]["methods"])
    return [*chosen, *bounds_of(params, dataset)]


def benchmark_targets(params: dict, dataset: str) -> list[str]:
    """Attributes and groups the benchmark edits on ``dataset``: all of them, or the chosen ones it has; its own
    ``datasets.<dataset>.targets`` narrow them."""
    chosen = params["benchmark"]["attributes"]
    names = params["datasets"][dataset].get("targets", attribute_names(params, dataset))
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


RESEED_STEP = 1000  # reseed r adds r * 1000 to the seed of every model trained on a dataset


def _reseeded(entry: dict, r: int, *, generator: bool) -> dict:
    """A copy of dataset ``entry`` whose trained readers (and, with ``generator``, its generator) have their seeds
    moved by ``r * RESEED_STEP``; ``reseed`` records the step for the methods' fit seeds (workflow/dag.py)."""
    entry = copy.deepcopy(entry)
    for section in (*ROLES, *(("generator",) if generator else ())):
        if "seed" in entry.get(section, {}):
            entry[section]["seed"] += r * RESEED_STEP
    entry["reseed"] = entry.get("reseed", 0) + r
    return entry


def _merged(entry: dict, changes: dict) -> dict:
    """A copy of ``entry`` with ``changes`` merged in, mapping by mapping."""
    out = copy.deepcopy(entry)
    for key, value in changes.items():
        out[key] = _merged(out.get(key, {}), value) if isinstance(value, dict) else copy.deepcopy(value)
    return out


def sweep_methods(params: dict) -> tuple[list[str], dict]:
    """The curvature sweep's methods (benchmark.methods unless it names its own) and its verdict (default: the
    first method, against none)."""
    sweep = params["sweeps"]["curvature"]
    methods = list(sweep.get("methods", params["benchmark"]["methods"]))
    return methods, sweep.get("verdict", {"method": methods[0], "against": []})


def curvature_datasets(params: dict) -> dict[str, tuple[float, int]]:
    """The datasets of the curvature sweep by name -> (curvature, seed index s); the base stands for its own
    curvature at s = 0."""
    sweep = params.get("sweeps", {}).get("curvature")
    if not sweep:
        return {}
    base, base_value = sweep["base"], params["datasets"][sweep["base"]]["generator"].get("curvature")
    reuse = "settings" not in sweep  # the base stands for its own point only where the points are its copies
    names = {}
    for v in sweep["values"]:
        for s in range(sweep.get("seeds", 1)):
            name = base if reuse and (v, s) == (base_value, 0) else f"{base}_curvature_{v:g}".replace(".", "p") + (
                f"_seed{s}" if s else "")
            names[name] = (float(v), s)
    return names


def with_sweep_datasets(params: dict) -> dict:
    """``params`` plus one dataset entry per (curvature, seed s) of the sweep: a copy of the base with the
    sweep's ``settings`` merged in, curvature replaced, every seed (generator, readers, method fits) moved by
    ``s * RESEED_STEP``, edited by the sweep's ``methods`` (``edited_by``; all of the benchmark's when it names
    none)."""
    sweep = params.get("sweeps", {}).get("curvature")
    out = copy.deepcopy(params)
    for name, (value, s) in curvature_datasets(params).items():
        if name == sweep["base"]:
            continue
        entry = _merged(params["datasets"][sweep["base"]], sweep.get("settings", {}))
        entry = _reseeded(entry, s, generator=True) if s else entry
        entry["generator"]["curvature"] = value
        if "methods" in sweep:
            entry["edited_by"] = list(sweep["methods"])
        out["datasets"][name] = entry
    return out


def replicate_datasets(params: dict) -> dict[str, tuple[str, int]]:
    """The replicates' datasets by name -> (base dataset, replicate r >= 1); replicate 0 is the base itself."""
    rep = params.get("replicates")
    if not rep:
        return {}
    return {f"{base}_rep{r}": (base, r) for base in rep["datasets"] for r in range(1, rep["count"])}


def with_replicate_datasets(params: dict) -> dict:
    """``params`` plus one dataset entry per replicate: the base's, every trained model's seed moved by
    ``r * RESEED_STEP`` (methods' fit seeds move by the same step); the generator, the sampled codes and the
    image split stay the base's."""
    out = copy.deepcopy(params)
    for name, (base, r) in replicate_datasets(params).items():
        out["datasets"][name] = _reseeded(params["datasets"][base], r, generator=False)
    return out

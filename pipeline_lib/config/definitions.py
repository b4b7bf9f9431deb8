"""Each kind's settings, read from its own module without importing it (so without torch).

A *kind* is one module of a family's package that assigns ``SETTINGS``, a dict literal
``name -> (role, default, type, doc)``, and names what it builds (``METHOD``, ``GENERATOR``,
``IMAGE_SET``):

- ``role``: which job reads the setting, one of the family's roles (:data:`METHODS`: ``fit``, a
  change refits, or ``edit``, only the edit job reads it; :data:`GENERATORS`: ``model``, a
  constructor argument kept in the weight file, or ``stage``, read by the stage that trains or
  imports the weights; :data:`IMAGE_SETS`: ``build``);
- ``default``: the value when params leave it out, its one definition; ``...`` marks a required setting;
- ``type``: a name in :data:`TYPES`, a list of the allowed values, or a JSON-schema dict;
- ``doc``: one line for people.

Generator kinds also assign ``ORIGIN``: ``procedural`` (renders its own labeled images), ``trained``
(the pipeline trains it on a real image set), ``imported`` (read from a user's file) or ``packaged`` (pinned
weights shipped in an installed package).
A params entry ``methods.<name>`` runs kind ``<name>``, or the one its ``kind`` key names, so a
variant of a method (another seed, SGF without training noise) is params, not code.

A module that also assigns ``READS_ORACLE = True`` is an upper bound, not a method (:func:`oracle_kinds`).
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
TYPES = {
    "count": {"type": "integer", "minimum": 1},
    "natural": {"type": "integer", "minimum": 0},
    "seed": {"type": "integer", "minimum": 0},
    "positive": {"type": "number", "exclusiveMinimum": 0},
    "weight": {"type": "number", "minimum": 0},
    "fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "flag": {"type": "boolean"},
    "resolution": {"type": "integer", "minimum": 8, "multipleOf": 8},
    "path": {"type": "string", "minLength": 1},
    "range": {"enum": [[-1, 1], [0, 1]]},
    "precision": {"enum": ["fp32", "bf16", "fp16"]},  # autocast for a generator's forward
}
ORIGINS = ("procedural", "trained", "imported", "packaged")


@dataclass(frozen=True)
class Family:
    """Kinds of one sort: the modules of ``directory`` that define SETTINGS, with these roles."""
    name: str
    directory: Path
    roles: tuple[str, ...]


METHODS = Family("method", PACKAGE / "methods", ("fit", "edit"))
GENERATORS = Family("generator", PACKAGE / "data" / "generators", ("model", "stage"))
IMAGE_SETS = Family("image set", PACKAGE / "data" / "imagesets", ("build",))


class DefinitionError(ValueError):
    """A kind module whose SETTINGS cannot be read or make no sense."""


@dataclass(frozen=True)
class Setting:
    role: str
    default: object   # Ellipsis: required
    schema: dict
    doc: str

    @property
    def required(self) -> bool:
        return self.default is Ellipsis


def _schema(where: str, name: str, spec) -> dict:
    if isinstance(spec, str) and spec in TYPES:
        return TYPES[spec]
    if isinstance(spec, list):
        return {"enum": spec}
    if isinstance(spec, dict):
        return spec
    raise DefinitionError(f"{where}: SETTINGS[{name!r}] has type {spec!r}; use one of {sorted(TYPES)}, "
                          f"a list of values or a JSON-schema dict")


def _literal(path: Path, name: str):
    """The literal value a module assigns to ``name`` at top level, or None when it assigns none."""
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                raise DefinitionError(f"{path}: {name} must be a literal (numbers, strings, lists, dicts)") from None
    return None


def read_settings(path: Path, roles: tuple[str, ...] = METHODS.roles) -> dict[str, Setting] | None:
    """The settings a kind module defines (None: the module is no kind)."""
    raw = _literal(path, "SETTINGS")
    if raw is None:
        return None
    where, settings = f"{path.parent.name}/{path.name}", {}
    for name, entry in raw.items():
        if not (isinstance(entry, tuple) and len(entry) == 4 and entry[0] in roles):
            raise DefinitionError(f"{where}: SETTINGS[{name!r}] must be (role, default, type, doc) with role in {roles}")
        role, default, spec, doc = entry
        settings[name] = Setting(role, default, _schema(where, name, spec), doc)
    if "kind" in settings:
        raise DefinitionError(f"{where}: 'kind' is reserved for naming the kind in params")
    return settings


@functools.cache
def kinds(family: Family) -> dict[str, dict[str, Setting]]:
    """Every kind of ``family`` -> its settings, from the modules of its directory."""
    found = {}
    for path in sorted(family.directory.glob("*.py")):
        settings = read_settings(path, family.roles)
        if settings is not None:
            found[path.stem] = settings
    return found


def method_kinds() -> dict[str, dict[str, Setting]]:
    return kinds(METHODS)


@functools.cache
def generator_origins() -> dict[str, str]:
    """Every generator kind -> its ORIGIN."""
    origins = {}
    for kind in kinds(GENERATORS):
        origin = _literal(GENERATORS.directory / f"{kind}.py", "ORIGIN")
        if origin not in ORIGINS:
            raise DefinitionError(f"generators/{kind}.py: ORIGIN must be one of {ORIGINS}, got {origin!r}")
        origins[kind] = origin
    return origins


def generators_of(origin: str) -> list[str]:
    """The generator kinds of one ORIGIN."""
    return sorted(k for k, o in generator_origins().items() if o == origin)


def defaults(family: Family, kind: str, role: str | None = None) -> dict:
    """The settings of ``kind`` that have a default (only ``role``'s when given) -> their defaults."""
    return {n: s.default for n, s in kinds(family)[kind].items() if not s.required and role in (None, s.role)}


@functools.cache
def oracle_kinds() -> frozenset[str]:
    """The kinds whose module sets ``READS_ORACLE = True``: upper bounds that read the generator's true
    attributes, run only under ``benchmark.bounds`` on datasets with an oracle, never ranked as methods."""
    return frozenset(kind for kind in method_kinds()
                     if _literal(METHODS.directory / f"{kind}.py", "READS_ORACLE") is True)


def kind_of(name: str, entry: dict) -> str:
    """The kind a params entry ``methods.<name>`` runs."""
    return entry.get("kind", name)


def entry_schema(kind: str, family: Family = METHODS) -> dict:
    """JSON schema of a params entry of ``kind``: its settings, the required ones required, nothing else allowed."""
    settings = kinds(family)[kind]
    return {"type": "object", "additionalProperties": False,
            "required": sorted(n for n, s in settings.items() if s.required),
            "properties": {"kind": {"const": kind}, **{n: s.schema for n, s in settings.items()}}}


def resolve(name: str, entry: dict, role: str | None = None) -> dict:
    """``{kind, setting: value, ...}`` of a method entry, defaults filled; only ``role``'s settings when given."""
    kind = kind_of(name, entry)
    return {"kind": kind, **{n: entry.get(n, s.default) for n, s in method_kinds()[kind].items()
                             if role in (None, s.role)}}


def given_keys(name: str, entry: dict, role: str) -> list[str]:
    """The keys of a method entry that ``role``'s jobs read (``kind`` always): what DVC tracks as their params."""
    settings = method_kinds()[kind_of(name, entry)]
    return [k for k in entry if k == "kind" or settings[k].role == role]

"""Each method's settings, read from its own module without importing it (so without torch).

A method *kind* is one module ``pipeline_lib/methods/<kind>.py`` that assigns ``SETTINGS``, a dict
literal ``name -> (role, default, type, doc)``, and names its class ``METHOD``:

- ``role``: ``fit`` (the fit job reads it; a change refits) or ``edit`` (only the edit job reads it);
- ``default``: the value when params leave it out, its one definition;
- ``type``: a name in :data:`TYPES`, a list of the allowed values, or a JSON-schema dict;
- ``doc``: one line for people.

A params entry ``methods.<name>`` runs kind ``<name>``, or the one its ``kind`` key names, so a
variant of a method (another seed, SGF without training noise) is params, not code.

A module that also assigns ``READS_ORACLE = True`` is an upper bound, not a method (:func:`oracle_kinds`).
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

METHODS_DIR = Path(__file__).resolve().parents[1] / "methods"
ROLES = ("fit", "edit")
TYPES = {
    "count": {"type": "integer", "minimum": 1},
    "natural": {"type": "integer", "minimum": 0},
    "seed": {"type": "integer", "minimum": 0},
    "positive": {"type": "number", "exclusiveMinimum": 0},
    "weight": {"type": "number", "minimum": 0},
    "fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "flag": {"type": "boolean"},
}


class DefinitionError(ValueError):
    """A method module whose SETTINGS cannot be read or make no sense."""


@dataclass(frozen=True)
class Setting:
    role: str
    default: object
    schema: dict
    doc: str


def _schema(kind: str, name: str, spec) -> dict:
    if isinstance(spec, str) and spec in TYPES:
        return TYPES[spec]
    if isinstance(spec, list):
        return {"enum": spec}
    if isinstance(spec, dict):
        return spec
    raise DefinitionError(f"methods/{kind}.py: SETTINGS[{name!r}] has type {spec!r}; use one of {sorted(TYPES)}, "
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


def read_settings(path: Path) -> dict[str, Setting] | None:
    """The settings a method module defines (None: the module is no method kind)."""
    raw = _literal(path, "SETTINGS")
    if raw is None:
        return None
    kind, settings = path.stem, {}
    for name, entry in raw.items():
        if not (isinstance(entry, tuple) and len(entry) == 4 and entry[0] in ROLES):
            raise DefinitionError(f"methods/{kind}.py: SETTINGS[{name!r}] must be (role, default, type, doc) "
                                  f"with role in {ROLES}")
        role, default, spec, doc = entry
        settings[name] = Setting(role, default, _schema(kind, name, spec), doc)
    if "kind" in settings:
        raise DefinitionError(f"methods/{kind}.py: 'kind' is reserved for naming the method kind in params")
    return settings


@functools.cache
def method_kinds() -> dict[str, dict[str, Setting]]:
    """Every method kind -> its settings, from the modules of pipeline_lib/methods."""
    kinds = {}
    for path in sorted(METHODS_DIR.glob("*.py")):
        settings = read_settings(path)
        if settings is not None:
            kinds[path.stem] = settings
    return kinds


@functools.cache
def oracle_kinds() -> frozenset[str]:
    """The kinds whose module sets ``READS_ORACLE = True``: upper bounds that read the generator's true
    attributes, run only under ``benchmark.bounds`` on datasets with an oracle, never ranked as methods."""
    return frozenset(kind for kind in method_kinds() if _literal(METHODS_DIR / f"{kind}.py", "READS_ORACLE") is True)


def kind_of(name: str, entry: dict) -> str:
    """The kind a params entry ``methods.<name>`` runs."""
    return entry.get("kind", name)


def entry_schema(kind: str) -> dict:
    """JSON schema of a params entry of ``kind``: every setting optional, nothing else allowed."""
    settings = method_kinds()[kind]
    return {"type": "object", "additionalProperties": False,
            "properties": {"kind": {"const": kind}, **{n: s.schema for n, s in settings.items()}}}


def resolve(name: str, entry: dict, role: str | None = None) -> dict:
    """``{kind, setting: value, ...}`` of the entry, defaults filled; only ``role``'s settings when given."""
    kind = kind_of(name, entry)
    return {"kind": kind, **{n: entry.get(n, s.default) for n, s in method_kinds()[kind].items()
                             if role in (None, s.role)}}


def given_keys(name: str, entry: dict, role: str) -> list[str]:
    """The keys of the entry that ``role``'s jobs read (``kind`` always): what DVC tracks as their params."""
    settings = method_kinds()[kind_of(name, entry)]
    return [k for k in entry if k == "kind" or settings[k].role == role]

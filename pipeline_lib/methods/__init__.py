"""The method kinds: module ``pipeline_lib/methods/<kind>.py`` defines ``SETTINGS`` and ``METHOD``.

A kind's module is imported only when asked for, so a job imports the one method it runs.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import jsonschema

from pipeline_lib.config.definitions import entry_schema, method_kinds
from pipeline_lib.methods.base import EditMethod, save_method
from pipeline_lib.util.weights import WeightFileError, load_checkpoint


def method_class(kind: str) -> type[EditMethod]:
    if kind not in method_kinds():
        raise ValueError(f"unknown method kind {kind!r}; known: {sorted(method_kinds())}")
    return importlib.import_module(f"{__name__}.{kind}").METHOD


def build_method(kind: str, **settings) -> EditMethod:
    """A fresh method of ``kind``; settings left out take their defaults; unknown or invalid ones are errors."""
    cls = method_class(kind)
    try:
        jsonschema.validate({"kind": kind, **settings}, entry_schema(kind))
    except jsonschema.ValidationError as exc:
        where = ".".join(map(str, exc.absolute_path))
        raise ValueError(f"method {kind!r}{', setting ' + where if where else ''}: {exc.message}") from None
    return cls(**{n: settings.get(n, s.default) for n, s in method_kinds()[kind].items()})


def load_method(path: str | Path, kind: str | None = None, **edit) -> EditMethod:
    """A fitted method from its weight file; ``edit`` settings (defaults for those left out) set how it edits.
    ``kind``, when given, is the kind params expect the file to hold."""
    ckpt = load_checkpoint(path, required=("method", "hyper", "state"))
    if ckpt["method"] not in method_kinds():
        raise WeightFileError(f"weight file {path} holds unknown method {ckpt['method']!r}")
    if kind not in (None, ckpt["method"]):
        raise WeightFileError(f"weight file {path} holds a {ckpt['method']!r} method, params say {kind!r}: refit it")
    return build_method(ckpt["method"], **ckpt["hyper"], **edit).load_state(ckpt["state"])


__all__ = ["EditMethod", "build_method", "load_method", "method_class", "save_method"]

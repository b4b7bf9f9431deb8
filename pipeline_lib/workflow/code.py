"""The code a job runs: its stage script, the method kind it names, and every project module they import.

Both DAG tools read it from here, so they agree on what a code change reruns: Snakemake through
a content digest in each rule's params (``code_digest``), DVC through the files as deps
(``dag.dvc_document``). Imports are read statically from the source (no module is executed);
kinds are imported by name at run time, so a job's method module is added from the ``method`` wildcard,
and the module of its dataset's generator (image set) kind when the job loads generators (image sets).
"""
from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

from pipeline_lib.config.definitions import kind_of

PACKAGES = ("pipeline_lib", "stages")


def _module_file(root: Path, dotted: str) -> Path | None:
    """``a.b.c`` -> root/a/b/c.py or root/a/b/c/__init__.py, when it is a module of the project."""
    base = root.joinpath(*dotted.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported(root: Path, path: Path) -> set[Path]:
    """The project's module files that ``path`` imports anywhere in its body (packages' __init__ included)."""
    names = set()
    package = path.relative_to(root).parts[:-1]  # a module's package; for an __init__.py, the package itself
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # `from ..x import y`: up level - 1 packages from this one
                base = ".".join(filter(None, [*package[: len(package) - node.level + 1], base]))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    files = set()
    for name in names:
        if name.split(".")[0] in PACKAGES:
            parts = name.split(".")
            files.update(f for i in range(1, len(parts) + 1) if (f := _module_file(root, ".".join(parts[:i]))))
    return files


@functools.cache
def closure(root: Path, starts: tuple[Path, ...]) -> tuple[Path, ...]:
    """``starts`` and every project module they import, transitively, sorted."""
    seen, todo = set(), list(starts)
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(_imported(root, path) - seen)
    return tuple(sorted(seen))


def method_kind(config: dict, name: str) -> str:
    """The kind a ``method`` wildcard runs: its params entry's kind, or the name itself (text methods)."""
    entry = config.get("methods", {}).get(name)
    return kind_of(name, entry) if entry is not None else name


def dataset_kinds(config: dict, dataset: str | None) -> dict[str, str]:
    """The package of a kind registry -> the kind module the dataset's jobs import from it by name."""
    cfg = config.get("datasets", {}).get(dataset, {})
    kinds = {"generators": cfg.get("generator", {}).get("kind"), "imagesets": cfg.get("images", {}).get("kind")}
    return {package: kind for package, kind in kinds.items() if kind}


def job_code(root: Path, config: dict, rule: str, wildcards: dict) -> tuple[str, ...]:
    """Paths (relative to ``root``) of the code a job of ``rule`` runs."""
    root = root.resolve()
    starts = [root / "stages" / f"{rule}.py"]
    if "method" in wildcards:
        starts.append(root / "pipeline_lib" / "methods" / f"{method_kind(config, wildcards['method'])}.py")
    files = closure(root, tuple(starts))
    data = root / "pipeline_lib" / "data"
    kinds = [data / package / f"{kind}.py" for package, kind in dataset_kinds(config, wildcards.get("dataset")).items()
             if data / package / "base.py" in files]
    if kinds:
        files = closure(root, tuple(sorted({*starts, *kinds})))
    return tuple(p.relative_to(root).as_posix() for p in files)


def code_digest(root: Path, files: tuple[str, ...]) -> str:
    """A short content digest of ``files`` (paths relative to ``root``)."""
    h = hashlib.sha256()
    for name in files:
        h.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return h.hexdigest()[:16]

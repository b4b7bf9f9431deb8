"""Outputs appear whole or not at all: write to a temporary sibling, rename when complete."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    with atomic(path) as tmp:
        tmp.write_text(text)


def save_figure(figure, path: str | Path, dpi: int = 110) -> None:
    """A matplotlib figure as PNG without a software stamp, so reruns give identical bytes."""
    with atomic(path) as tmp:
        figure.savefig(tmp, dpi=dpi, metadata={"Software": None})

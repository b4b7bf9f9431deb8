"""Progress bars that show on a terminal and stay quiet in logs."""
from __future__ import annotations

import sys
from typing import Iterable, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterable[T]:
    return tqdm(items, desc=desc, total=total, disable=not sys.stderr.isatty(), leave=False)

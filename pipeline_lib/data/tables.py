"""Parquet tables of latent codes and their attributes.

Codes travel as columns ``z_000 ... z_{d-1}``; attributes as ``guide_<name>`` (the guide, what
methods read), ``judge_<name>`` (the judge, in judged edit tables) and ``oracle_<name>`` (the
generator's truth, when it has one).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from pipeline_lib.util.atomic import atomic


def code_columns(d: int) -> list[str]:
    return [f"z_{i:03d}" for i in range(d)]


def codes_frame(z: torch.Tensor) -> pd.DataFrame:
    """(n, d) codes -> a frame of d float32 columns."""
    return pd.DataFrame(z.cpu().numpy().astype(np.float32), columns=code_columns(z.shape[1]))


def attributes_frame(values: torch.Tensor | None, names: list[str], source: str) -> pd.DataFrame:
    """(n, n_attr) values -> columns ``<source>_<name>``; an empty frame when ``values`` is None."""
    if values is None:
        return pd.DataFrame()
    return pd.DataFrame(values.cpu().numpy().astype(np.float32), columns=[f"{source}_{n}" for n in names])


def codes_from(frame: pd.DataFrame) -> torch.Tensor:
    """The ``z_*`` columns as an (n, d) float32 tensor."""
    return torch.tensor(frame.filter(regex=r"^z_\d+$").to_numpy(np.float32))


def values_from(frame: pd.DataFrame, names: list[str], source: str) -> torch.Tensor:
    return torch.tensor(frame[[f"{source}_{n}" for n in names]].to_numpy(np.float32))


class TableFileError(RuntimeError):
    pass


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a parquet table; a missing, truncated or foreign file raises an error naming it."""
    path = Path(path)
    if not path.is_file():
        raise TableFileError(f"table {path} does not exist; run the stage that produces it")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise TableFileError(f"table {path} is corrupt or not a parquet file: {exc}") from exc


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """Write without the pandas index so identical data gives identical bytes."""
    with atomic(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")


def edit_tables(folders) -> dict[tuple[str, str], Path]:
    """Method folders ``.../edits/<method>`` -> {(method, target): the target's table}, in sorted order."""
    found = {}
    for folder in map(Path, folders):
        files = sorted(folder.glob("*.parquet"))
        if not files:
            raise TableFileError(f"edit folder {folder} holds no tables; rerun its edit job")
        found.update({(folder.name, f.stem): f for f in files})
    return found

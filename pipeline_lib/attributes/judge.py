"""The judge: the attribute reader only scoring sees, never a method.

A judge is an ``nn.Module`` with ``.schema`` (AttributeSchema) whose ``forward(images)`` maps
(n, 3, H, W) images in [0, 1] to (n, n_attr) values in [0, 1]; a row of NaN where it cannot read an
image (a face detector finding no face). Scoring counts such a row as a failed edit on every
attribute (docs/metric.md). ``load_judge`` dispatches on the weight file's ``kind``: ``cnn`` and
``torchscript`` are the guide's kinds, ``mtcnn`` the faces judge (``face_judge.py``); another kind registers its loader with :func:`register_judge`.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from pipeline_lib.attributes.face_judge import load_face_judge
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.data.tables import attributes_frame, codes_from
from pipeline_lib.util.weights import WeightFileError, load_checkpoint

_LOADERS: dict[str, Callable[[str | Path, torch.device | str], nn.Module]] = {
    "cnn": load_predictor, "torchscript": load_predictor, "mtcnn": load_face_judge}


def register_judge(kind: str):
    """Register ``loader(path, device) -> judge`` for weight files whose ``kind`` entry is ``kind``."""
    def wrap(loader):
        _LOADERS[kind] = loader
        return loader
    return wrap


def load_judge(path: str | Path, device: torch.device | str = "cpu") -> nn.Module:
    """The judge a weight file holds, by its ``kind`` entry (``cnn`` when absent)."""
    kind = load_checkpoint(path, required=("schema",)).get("kind", "cnn")
    if kind not in _LOADERS:
        raise WeightFileError(f"judge file {path}: unknown kind {kind!r}; known: {sorted(_LOADERS)}")
    return _LOADERS[kind](path, device)


@torch.no_grad()
def judge_table(table: pd.DataFrame, generator, judge: nn.Module, batch_size: int) -> pd.DataFrame:
    """An edit table -> the same rows plus ``judge_<attr>`` columns: the judge's reading of ``G(z)`` for every
    row's code, images regenerated in batches of ``batch_size``. Values outside [0, 1] (NaN aside) raise."""
    z = codes_from(table)
    device = next(iter([*judge.parameters(), *judge.buffers()]), torch.empty(0)).device
    values = torch.cat([judge(generator(chunk.to(device))).float().cpu() for chunk in z.split(batch_size)])
    names = judge.schema.names
    if values.shape != (len(table), len(names)):
        raise ValueError(f"the judge returned {tuple(values.shape)} for {len(table)} images, expected "
                         f"({len(table)}, {len(names)}): one value per attribute {names}")
    finite = values[~values.isnan()]
    if len(finite) and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(f"the judge returned values outside [0, 1] ({finite.min():.3g} .. {finite.max():.3g})")
    return pd.concat([table.reset_index(drop=True), attributes_frame(values, names, "judge")], axis=1)


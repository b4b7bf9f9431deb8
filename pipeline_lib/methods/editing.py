"""Run a method's path on held-out codes for one task and measure every code on it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from pipeline_lib.data.generators import Generator
from pipeline_lib.attributes.measure import oracle, predict
from pipeline_lib.methods import EditMethod
from pipeline_lib.attributes.predictor import AttributePredictor
from pipeline_lib.data.tables import attributes_frame, codes_frame
from pipeline_lib.attributes.tasks import Task


def strength_schedule(max_strength: float, steps: int) -> torch.Tensor:
    """(steps + 1,) evenly spaced strengths from 0."""
    return torch.linspace(0.0, max_strength, steps + 1)


def edit_table(method: EditMethod, generator: Generator, predictor: AttributePredictor, z: torch.Tensor,
               task: Task, strengths: torch.Tensor, batch_size: int) -> pd.DataFrame:
    """``z`` (n, d) -> one row per (code, step): strength, task, codes, the guide's and the oracle's values.

    Codes the method already measured on its way are not measured again (``EditMethod.trace``).
    """
    codes, known = method.trace(z, task, strengths, generator, predictor)
    codes = codes.detach().cpu()  # (n, P, d)
    n, p, d = codes.shape
    m = 0 if known is None else known.shape[1]
    rest = predict(generator, predictor, codes[:, m:].reshape(-1, d), batch_size).view(n, p - m, -1)
    pred = (rest if known is None else torch.cat([known.detach().cpu(), rest], dim=1)).reshape(n * p, -1)
    flat = codes.reshape(n * p, d)
    oracle_values = oracle(generator, flat, batch_size)
    names = predictor.schema.names
    index = pd.DataFrame({
        "code": np.repeat(np.arange(n), p),
        "step": np.tile(np.arange(p), n),
        "strength": np.tile(strengths.numpy().astype(np.float32), n),
    })
    task_cols = {}
    for j, m in enumerate(task.members):
        task_cols[f"task_target_{m}"] = np.repeat(task.target[:, j].cpu().numpy(), p)
        task_cols[f"task_direction_{m}"] = np.repeat(task.direction[:, j].cpu().numpy(), p)
    return pd.concat([index, pd.DataFrame(task_cols), attributes_frame(pred, names, "guide"),
                      attributes_frame(oracle_values, names, "oracle"), codes_frame(flat)], axis=1)

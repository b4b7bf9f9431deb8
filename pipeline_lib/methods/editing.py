"""Run a method's path on held-out codes for one task, hold it to a latent path-length budget, measure every code.

Every method gets the same budget: the path is traced on a strength grid ``refine`` times finer than the
scored one, and resampled at equal arc length (the distance travelled in latent space) up to
``max_strength``. A path shorter than the budget stays at its end. For a straight ray of unit speed
(linear methods, the gradient baseline, the unit-step mappers) arc length equals strength, so the
resampling returns the traced codes; a path that moves faster per unit of its own strength (SGF's time)
is cut where it has travelled ``max_strength``.
"""
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


def arc_length(codes: torch.Tensor) -> torch.Tensor:
    """(n, Q, d) codes along paths -> (n, Q) cumulative distance travelled, 0 at the first code."""
    steps = (codes[:, 1:] - codes[:, :-1]).norm(dim=-1)
    return torch.cat([torch.zeros_like(steps[:, :1]), steps.cumsum(1)], dim=1)


def resample_by_length(codes: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, Q, d) traced codes, (S+1,) increasing arc lengths from 0 -> (n, S+1, d) codes at those arc
    lengths (linear between traced codes) and (n, S+1) the arc length each reached: ``min(length, total)``,
    a path shorter than ``lengths[-1]`` holding its end."""
    travelled = arc_length(codes)  # (n, Q)
    reached = torch.minimum(lengths.to(codes)[None, :], travelled[:, -1:])  # (n, S+1)
    right = torch.searchsorted(travelled.contiguous(), reached.contiguous()).clamp(1, codes.shape[1] - 1)
    left = right - 1
    at = lambda idx: torch.gather(travelled, 1, idx)  # noqa: E731
    frac = ((reached - at(left)) / (at(right) - at(left)).clamp_min(1e-12)).clamp(0, 1)[..., None]
    pick = lambda idx: torch.gather(codes, 1, idx[..., None].expand(-1, -1, codes.shape[2]))  # noqa: E731
    return pick(left) + frac * (pick(right) - pick(left)), reached


def edit_table(method: EditMethod, generator: Generator, predictor: AttributePredictor, z: torch.Tensor,
               task: Task, strengths: torch.Tensor, batch_size: int, refine: int) -> pd.DataFrame:
    """``z`` (n, d) -> one row per (code, step): strength (the path-length budget spent so far), the path
    length actually travelled, the traced path's full length, the task, codes, predicted and oracle values.

    The method traces ``refine`` strength steps per scored step; ``resample_by_length`` holds the result
    to the budget ``strengths[-1]``.
    """
    fine = strength_schedule(float(strengths[-1]), (len(strengths) - 1) * refine)
    traced = method.path(z, task, fine, generator, predictor).detach().cpu()  # (n, Q, d)
    codes, travelled = resample_by_length(traced, strengths)  # (n, P, d), (n, P)
    n, p, d = codes.shape
    flat = codes.reshape(n * p, d)
    pred = predict(generator, predictor, flat, batch_size)
    oracle_values = oracle(generator, flat, batch_size)
    names = predictor.schema.names
    redrawn = torch.zeros(n, dtype=torch.bool) if task.redrawn is None else task.redrawn.cpu()
    index = pd.DataFrame({
        "code": np.repeat(np.arange(n), p),
        "step": np.tile(np.arange(p), n),
        "strength": np.tile(strengths.numpy().astype(np.float32), n),
        "path_length": travelled.reshape(-1).numpy().astype(np.float32),
        "traced_length": np.repeat(arc_length(traced)[:, -1].numpy().astype(np.float32), p),
        "task_redrawn": np.repeat(redrawn.numpy(), p),
    })
    task_cols = {}
    for j, m in enumerate(task.members):
        task_cols[f"task_target_{m}"] = np.repeat(task.target[:, j].cpu().numpy(), p)
        task_cols[f"task_direction_{m}"] = np.repeat(task.direction[:, j].cpu().numpy(), p)
    return pd.concat([index, pd.DataFrame(task_cols), attributes_frame(pred, names, "guide"),
                      attributes_frame(oracle_values, names, "oracle"), codes_frame(flat)], axis=1)

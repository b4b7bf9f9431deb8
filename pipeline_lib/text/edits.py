"""Text edits: from each source code's caption to a caption with one or two facts changed.

An edit *kind* names the facts it changes, ``colour`` or ``position+size``. Each held-out code
gets every kind; the new value of each named fact is drawn uniformly among the other values.
The target caption keeps the source caption's template, so only the changed words differ; the
target embedding is that caption's, or the mean over every phrasing of its facts.
Items are ordered code-major: item ``i * K + j`` is code ``i`` with kind ``j``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from pipeline_lib.methods import EditMethod
from pipeline_lib.util.runtime import seeded
from pipeline_lib.data.tables import codes_frame
from pipeline_lib.attributes.tasks import Task
from pipeline_lib.text.captions import TEMPLATES, instruction
from pipeline_lib.text.facts import FACTS, VALUES
from pipeline_lib.text.predictor import CaptionPredictor

SIZES = torch.tensor([len(VALUES[f]) for f in FACTS])


def kind_facts(kind: str) -> list[int]:
    """'position+size' -> the indices of its facts in ``FACTS``."""
    names = kind.split("+")
    unknown = [n for n in names if n not in FACTS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"edit kind {kind!r}: facts must be distinct names from {FACTS}")
    return [FACTS.index(n) for n in names]


def draw_targets(source: torch.Tensor, kinds: list[str], seed: int) -> torch.Tensor:
    """Source facts (n, 5) -> target facts (n * K, 5), item ``i * K + j`` changing kind ``j`` of code ``i``."""
    n, k = len(source), len(kinds)
    target = source.repeat_interleave(k, dim=0).clone()
    shift = torch.randint(0, 2**31 - 1, target.shape, generator=seeded(seed))
    for j, kind in enumerate(kinds):
        for f in kind_facts(kind):
            rows = torch.arange(j, n * k, k)
            size = int(SIZES[f])
            target[rows, f] = (target[rows, f] + 1 + shift[rows, f] % (size - 1)) % size
    return target


def caption_rows(facts: torch.Tensor, templates: torch.Tensor) -> torch.Tensor:
    """Rows of :func:`captions.caption_table` for (m, 5) facts and (m,) templates (its product order)."""
    radix = torch.cumprod(torch.cat([torch.ones(1, dtype=torch.long), SIZES[1:].flip(0)]), 0).flip(0)
    return (facts * radix).sum(1) * len(TEMPLATES) + templates


def prototypes(embeddings: torch.Tensor) -> torch.Tensor:
    """(n_captions, D) caption-table embeddings -> (n_tuples, D): per fact tuple the unit mean over templates."""
    return F.normalize(embeddings.view(-1, len(TEMPLATES), embeddings.shape[1]).mean(1), dim=1)


def target_embeddings(embeddings: torch.Tensor, facts: torch.Tensor, templates: torch.Tensor,
                      mode: str) -> torch.Tensor:
    """(m, D) targets for (m, 5) facts: ``sentence``, the caption in its (m,) template; ``ensemble``, the
    unit mean over every template of those facts (prompt ensembling)."""
    if mode == "sentence":
        return embeddings[caption_rows(facts, templates)]
    if mode == "ensemble":
        return prototypes(embeddings)[caption_rows(facts, torch.zeros_like(templates)) // len(TEMPLATES)]
    raise ValueError(f"text target mode {mode!r} is not 'sentence' or 'ensemble'")


def text_task(start: torch.Tensor, target: torch.Tensor) -> Task:
    """A vector task over every entry of the (m, k) condition."""
    k = start.shape[1]
    return Task("text", "vector", tuple(f"c{i}" for i in range(k)), tuple(range(k)), start, target)


def edit_paths(method: EditMethod, generator, predictor: CaptionPredictor, z: torch.Tensor,
               target_embeddings: torch.Tensor, strengths: torch.Tensor, batch_size: int) -> torch.Tensor:
    """(m, d) codes and (m, 384) target caption embeddings -> (m, S + 1, d) codes along the paths."""
    paths = []
    for zb, eb in zip(z.split(batch_size), target_embeddings.split(batch_size)):
        with torch.no_grad():
            start = predictor(generator(zb))
            target = predictor.project(eb.to(zb))
        paths.append(method.path(zb, text_task(start, target), strengths, generator, predictor).detach().cpu())
    return torch.cat(paths)


def edit_frame(codes: torch.Tensor, step_facts: torch.Tensor, source: torch.Tensor, target: torch.Tensor,
               kinds: list[str], templates: torch.Tensor, captions: pd.Series, strengths: torch.Tensor) -> pd.DataFrame:
    """One row per (item, step): kind, captions, source/target facts, the oracle's facts, the code.

    ``codes`` (m, P, d), ``step_facts`` (m, P, 5), ``source``/``target`` (m, 5), ``templates`` (m,).
    """
    m, p, _ = codes.shape
    source_caption = captions.iloc[caption_rows(source, templates).numpy()].to_numpy()
    target_caption = captions.iloc[caption_rows(target, templates).numpy()].to_numpy()
    said = [instruction(tuple(s), tuple(t)) for s, t in zip(source.tolist(), target.tolist())]
    rep = lambda a: np.repeat(np.asarray(a), p)  # noqa: E731  per item -> per row
    frame = pd.DataFrame({
        "item": rep(np.arange(m)), "code": rep(np.arange(m) // len(kinds)),
        "edit": rep([kinds[i % len(kinds)] for i in range(m)]),
        "step": np.tile(np.arange(p), m), "strength": np.tile(strengths.numpy().astype(np.float32), m),
        "template": rep(templates.numpy()), "source_caption": rep(source_caption),
        "target_caption": rep(target_caption), "instruction": rep(said),
        **{f"src_{f}": rep(source[:, i].numpy()) for i, f in enumerate(FACTS)},
        **{f"tgt_{f}": rep(target[:, i].numpy()) for i, f in enumerate(FACTS)},
        **{f"fact_{f}": step_facts[..., i].reshape(-1).numpy() for i, f in enumerate(FACTS)},
    })
    return pd.concat([frame, codes_frame(codes.reshape(m * p, -1))], axis=1)

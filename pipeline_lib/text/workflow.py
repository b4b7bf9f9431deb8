"""The text target's two heavy steps, end to end: train the caption predictor; edit toward captions.

The stage scripts only read files and write results; everything between lives here.
"""
from __future__ import annotations

import pandas as pd
import torch

from pipeline_lib.attributes.predictor import train_predictor
from pipeline_lib.methods import EditMethod
from pipeline_lib.methods.editing import strength_schedule
from pipeline_lib.text.captions import TEMPLATES
from pipeline_lib.text.edits import caption_rows, draw_targets, edit_frame, edit_paths, prototypes, target_embeddings
from pipeline_lib.text.embedder import embeddings_from
from pipeline_lib.text.facts import FACTS, facts_from_attributes
from pipeline_lib.text.predictor import CaptionPredictor, caption_scores, principal_components
from pipeline_lib.util.runtime import seeded


def true_facts(gen, z: torch.Tensor, device, batch_size: int = 1024) -> torch.Tensor:
    """The oracle's facts of codes ``z`` (n, d) -> (n, 5), on the CPU."""
    with torch.no_grad():
        return torch.cat([facts_from_attributes(gen.attributes(c.to(device))).cpu() for c in z.split(batch_size)])


def fit_caption_predictor(gen, table: pd.DataFrame, p: dict, device) -> tuple[CaptionPredictor, dict, list]:
    """Train ``C_text`` on ``p['train_samples']`` renders of ``gen`` and their captions' embeddings (``table``);
    score it on ``p['held_out']`` more. Returns the model, its held-out scores and its loss history."""
    embeddings = embeddings_from(table)  # (n_captions, 384)
    z = gen.sample(p["train_samples"] + p["held_out"], p["seed"])
    with torch.no_grad():
        images = torch.cat([gen(c.to(device)).cpu() for c in z.split(1024)])
    facts = true_facts(gen, z, device)
    templates = torch.randint(0, len(TEMPLATES), (len(z),), generator=seeded(p["seed"]))
    targets = embeddings[caption_rows(facts, templates)]  # each image's caption, in a random template
    mean, components = principal_components(embeddings, p["pca_dim"])
    model = CaptionPredictor(gen.resolution, p["width"], mean, components).to(device)
    n = p["train_samples"]
    history = train_predictor(model, images[:n], targets[:n], epochs=p["epochs"], batch_size=p["batch_size"],
                              lr=p["lr"], seed=p["seed"])["loss"]
    prototype_facts = torch.tensor(table[list(FACTS)].to_numpy()[:: len(TEMPLATES)])
    scores = caption_scores(model, images[n:].to(device), targets[n:].to(device), prototypes(embeddings).to(device),
                            facts[n:].to(device), prototype_facts.to(device))
    return model, scores, history


def edit_toward_captions(editor: EditMethod, gen, pred: CaptionPredictor, z: torch.Tensor, table: pd.DataFrame,
                         e: dict, device) -> pd.DataFrame:
    """Edit every code of ``z`` (n, d) toward every kind of ``e['kinds']`` (facts redrawn, template kept):
    one row per code, kind and strength, with the oracle's facts along the path."""
    kinds = e["kinds"]
    source = true_facts(gen, z, device)  # (n, 5)
    target = draw_targets(source, kinds, e["seed"])  # (n * K, 5)
    source = source.repeat_interleave(len(kinds), dim=0)
    templates = torch.randint(0, len(TEMPLATES), (len(z),), generator=seeded(e["seed"])).repeat_interleave(len(kinds))
    goal = target_embeddings(embeddings_from(table), target, templates, e["target"])  # (n * K, 384)
    strengths = strength_schedule(e["max_strength"], e["steps"])
    paths = edit_paths(editor, gen, pred, z.repeat_interleave(len(kinds), dim=0).to(device), goal, strengths,
                       e["batch_size"])  # (n * K, P, d)
    step_facts = true_facts(gen, paths.reshape(-1, paths.shape[-1]), device, e["batch_size"])
    return edit_frame(paths, step_facts.view(*paths.shape[:2], -1), source, target, kinds, templates,
                      table["caption"], strengths)

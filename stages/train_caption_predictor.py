"""Train the caption predictor on rendered images and the cached embeddings of their captions."""
import json

import click
import torch

from pipeline_lib.atomic import write_text
from pipeline_lib.generators import load_generator
from pipeline_lib.predictor import train_predictor
from pipeline_lib.runtime import seeded
from pipeline_lib.tables import read_table
from pipeline_lib.text.captions import TEMPLATES
from pipeline_lib.text.edits import caption_rows, prototypes
from pipeline_lib.text.embedder import embeddings_from
from pipeline_lib.text.facts import FACTS, facts_from_attributes
from pipeline_lib.text.predictor import (CaptionPredictor, caption_scores, principal_components,
                                         save_caption_predictor)
from stages.common import cfg_option, input_file, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@input_file("--generator", "generator_path")
@input_file("--captions")
@output_file("--out")
@output_file("--out-eval")
def main(cfg, generator_path, captions, out, out_eval, log_path):
    p = cfg["predictor"]
    with stage("train_caption_predictor", cfg, p["seed"], log=log_path, captions=captions, out=out,
               out_eval=out_eval) as device:
        gen = load_generator(generator_path, device)
        if not gen.has_oracle:
            raise click.UsageError(f"text editing needs a generator with an oracle; {gen.kind!r} has none")
        table = read_table(captions)
        embeddings = embeddings_from(table)  # (n_captions, 384)
        z = gen.sample(p["train_samples"] + p["held_out"], p["seed"])
        with torch.no_grad():
            images = torch.cat([gen(c.to(device)).cpu() for c in z.split(1024)])
            facts = torch.cat([facts_from_attributes(gen.attributes(c.to(device))).cpu() for c in z.split(1024)])
        templates = torch.randint(0, len(TEMPLATES), (len(z),), generator=seeded(p["seed"]))
        targets = embeddings[caption_rows(facts, templates)]  # each image's caption, in a random template
        mean, components = principal_components(embeddings, p["pca_dim"])
        model = CaptionPredictor(gen.resolution, p["width"], mean, components).to(device)
        n = p["train_samples"]
        history = train_predictor(model, images[:n], targets[:n], epochs=p["epochs"], batch_size=p["batch_size"],
                                  lr=p["lr"], seed=p["seed"])
        prototype_facts = torch.tensor(table[list(FACTS)].to_numpy()[:: len(TEMPLATES)])
        scores = caption_scores(model, images[n:].to(device), targets[n:].to(device), prototypes(embeddings).to(device),
                                facts[n:].to(device), prototype_facts.to(device))
        save_caption_predictor(model, out)
        write_text(out_eval, json.dumps({"held_out": scores, "loss_history": history}, indent=2))


if __name__ == "__main__":
    main()

"""Train the attribute predictor on rendered images and their true attributes."""
import json

import click
import torch

from pipeline_lib.atomic import write_text
from pipeline_lib.generators import load_generator
from pipeline_lib.predictor import AttributePredictor, save_predictor, train_predictor
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--out-eval", required=True, type=click.Path(dir_okay=False))
def main(cfg, generator_path, out, out_eval, log_path):
    p = cfg["predictor"]
    with stage("train_predictor", cfg, p["seed"], log=log_path, generator=generator_path, out=out,
               out_eval=out_eval) as device:
        gen = load_generator(generator_path, device)
        z = gen.sample(p["train_samples"] + p["held_out"], p["seed"])
        with torch.no_grad():
            images = torch.cat([gen(c.to(device)).cpu() for c in z.split(1024)])
            truth = torch.cat([gen.attributes(c.to(device)).cpu() for c in z.split(1024)])
        n = p["train_samples"]
        model = AttributePredictor(gen.schema, gen.resolution, p["width"]).to(device)
        history = train_predictor(model, images[:n], truth[:n], epochs=p["epochs"],
                                  batch_size=p["batch_size"], lr=p["lr"], seed=p["seed"])
        errors = model.errors(images[n:].to(device), truth[n:].to(device))
        save_predictor(model, out)
        write_text(out_eval, json.dumps({"held_out_error": errors, "loss_history": history}, indent=2))


if __name__ == "__main__":
    main()

"""Train the attribute predictor: on a generator's rendered images and true attributes, or on real images."""
import json

import click
import torch

from pipeline_lib.util.atomic import write_text
from pipeline_lib.data.generators import load_generator
from pipeline_lib.data.imagesets import load_image_set
from pipeline_lib.attributes.predictor import AttributePredictor, save_predictor, train_predictor
from stages.common import cfg_option, log_option, stage


def rendered(generator_path, p, device):
    """(train images, train targets, held-out images, held-out targets, schema) from the oracle."""
    gen = load_generator(generator_path, device)
    z = gen.sample(p["train_samples"] + p["held_out"], p["seed"])
    with torch.no_grad():
        images = torch.cat([gen(c.to(device)).cpu() for c in z.split(1024)])
        truth = torch.cat([gen.attributes(c.to(device)).cpu() for c in z.split(1024)])
    n = p["train_samples"]
    return images[:n], truth[:n], images[n:], truth[n:], gen.schema


def real(images_path):
    """The same five from a real image set's training and held-out splits."""
    data = load_image_set(images_path)
    train, held = ~data.held_out, data.held_out
    return data.rgb(train), data.targets[train], data.rgb(held), data.targets[held], data.schema


@click.command()
@log_option
@cfg_option
@click.option("--generator", "generator_path", type=click.Path(exists=True, dir_okay=False),
              help="Train on images rendered by this procedural generator (it has an oracle).")
@click.option("--images", "images_path", type=click.Path(exists=True, dir_okay=False),
              help="Train on this real image set instead.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--out-eval", required=True, type=click.Path(dir_okay=False))
def main(cfg, generator_path, images_path, out, out_eval, log_path):
    if (generator_path is None) == (images_path is None):
        raise click.UsageError("give exactly one of --generator and --images")
    p = cfg["predictor"]
    with stage("train_predictor", cfg, p["seed"], log=log_path, source=generator_path or images_path, out=out,
               out_eval=out_eval) as device:
        x, y, x_held, y_held, schema = rendered(generator_path, p, device) if generator_path else real(images_path)
        model = AttributePredictor(schema, x.shape[-1], p["width"]).to(device)
        history = train_predictor(model, x, y, epochs=p["epochs"], batch_size=p["batch_size"], lr=p["lr"],
                                  seed=p["seed"])
        errors = model.errors(x_held.to(device), y_held.to(device))
        save_predictor(model, out)
        write_text(out_eval, json.dumps({"held_out_error": errors, "loss_history": history}, indent=2))


if __name__ == "__main__":
    main()

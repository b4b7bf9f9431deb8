"""Train a GAN generator on a real image set, check it against mode collapse, save it (stages.plot_generator draws it)."""
import json
import time

import click
import torch

from pipeline_lib.util.atomic import write_text
from pipeline_lib.data.collapse import check_collapse, class_histogram, histogram_kl, train_class_probe
from pipeline_lib.data.gan_training import train_gan
from pipeline_lib.data.generators import build_generator, save_generator
from pipeline_lib.data.imagesets import load_image_set
from pipeline_lib.util.runtime import seeded
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--images", "images_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--out-eval", required=True, type=click.Path(dir_okay=False))
def main(cfg, images_path, out, out_eval, log_path):
    g = cfg["generator"]
    with stage("train_generator", cfg, g["seed"], log=log_path, images=images_path, out=out,
               out_eval=out_eval) as device:
        data = load_image_set(images_path)
        train = ~data.held_out
        images = data.images.to(device)
        gen = build_generator("conv_gan", latent_dim=g["latent_dim"], resolution=images.shape[-1],
                              channels=images.shape[1], width=g["width"]).to(device)
        start = time.perf_counter()
        history = train_gan(gen, images[train.to(device)], iterations=g["iterations"],
                            batch_size=g["batch_size"], lr=g["lr"], seed=g["seed"])
        seconds = time.perf_counter() - start
        n_classes = int(data.classes.max()) + 1
        probe = train_class_probe(images[train.to(device)], data.classes[train].to(device), seed=g["seed"])
        probe_accuracy = (probe(images[data.held_out.to(device)]).argmax(1).cpu()
                          == data.classes[data.held_out]).float().mean().item()
        with torch.no_grad():
            samples = gen.raw(torch.randn(g["check_samples"], gen.latent_dim, generator=seeded(g["seed"])).to(device))
        real, generated = class_histogram(probe, images, n_classes), class_histogram(probe, samples, n_classes)
        kl = histogram_kl(real, generated)
        evaluation = {"class_kl": kl, "max_class_kl": g["max_class_kl"], "train_seconds": round(seconds, 1),
                      "class_probe_held_out_accuracy": probe_accuracy, "real_class_histogram": real.tolist(),
                      "generated_class_histogram": generated.tolist(), "loss_history": history}
        check_collapse(kl, g["max_class_kl"], real, generated)
        save_generator(gen, out)
        write_text(out_eval, json.dumps(evaluation, indent=1))


if __name__ == "__main__":
    main()

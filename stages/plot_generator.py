"""Draw a trained GAN: its loss curves, 64 samples, the real and generated class histograms."""
import json

import click
import torch

from pipeline_lib.data.generators import load_generator
from pipeline_lib.report.plots import gan_figure
from pipeline_lib.util.atomic import save_figure
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--evaluation", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, generator_path, evaluation, out, log_path):
    """The samples are drawn with the generator's seed + 1, so they differ from the collapse check's."""
    with stage("plot_generator", cfg, cfg["seed"], log=log_path, out=out) as device:
        gen = load_generator(generator_path, device)
        e = json.loads(open(evaluation).read())
        with torch.no_grad():
            shown = gen(gen.sample(64, cfg["seed"] + 1).to(device)).cpu()
        save_figure(gan_figure(e["loss_history"], shown, torch.tensor(e["real_class_histogram"]),
                               torch.tensor(e["generated_class_histogram"]), e["class_kl"]), out)


if __name__ == "__main__":
    main()

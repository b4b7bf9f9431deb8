"""Sample latent codes from the generator's prior: a fit split and a held-out edit split."""
import click
import pandas as pd

from pipeline_lib.data.generators import load_generator
from pipeline_lib.data.tables import codes_frame, write_parquet
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, generator_path, out, log_path):
    s = cfg["sampling"]
    with stage("sample_latents", cfg, s["seed"], log=log_path, generator=generator_path, out=out) as device:
        gen = load_generator(generator_path, device)  # a W space maps its draws on the device
        z = gen.sample(s["n_fit"] + s["n_edit"], s["seed"])
        split = ["fit"] * s["n_fit"] + ["edit"] * s["n_edit"]
        write_parquet(pd.concat([pd.DataFrame({"split": split}), codes_frame(z)], axis=1), out)


if __name__ == "__main__":
    main()

"""Label sampled codes with the guide (and the oracle where the generator has one)."""
import click
import pandas as pd

from pipeline_lib.data.generators import load_generator
from pipeline_lib.attributes.measure import measure
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.data.tables import attributes_frame, codes_from, read_table, write_parquet
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--guide", "guide_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--latents", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, generator_path, guide_path, latents, out, log_path):
    with stage("label_latents", cfg, 0, log=log_path, latents=latents, out=out) as device:
        gen, pred = load_generator(generator_path, device), load_predictor(guide_path, device)
        frame = read_table(latents)
        values, oracle = measure(gen, pred, codes_from(frame), cfg["batch_size"])
        names = pred.schema.names
        write_parquet(pd.concat([frame[["split"]], attributes_frame(values, names, "guide"),
                                 attributes_frame(oracle, names, "oracle")], axis=1), out)


if __name__ == "__main__":
    main()

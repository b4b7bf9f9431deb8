"""Build the procedural generator from params and save it as a weight file like any GAN's."""
import click

from pipeline_lib.data.generators import build_generator, save_generator
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, out, log_path):
    with stage("build_generator", cfg, cfg["generator"].get("seed", 0), log=log_path, out=out):
        save_generator(build_generator(**cfg["generator"]), out)


if __name__ == "__main__":
    main()

"""Build a real image set (images, measured attributes, held-out split) and save it."""
import click

from pipeline_lib.data.imagesets import build_image_set, save_image_set
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, out, log_path):
    with stage("prepare_images", cfg, cfg["images"]["seed"], log=log_path, out=out):
        save_image_set(build_image_set(**cfg["images"]), out)


if __name__ == "__main__":
    main()

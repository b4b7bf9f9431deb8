"""Copy a packaged generator's pinned weights (face_dcgan: from gan-face-generate) into the pipeline's weight file."""
import click

from pipeline_lib.data.generators import generator_class, save_generator
from stages.common import cfg_option, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@output_file("--out")
def main(cfg, out, log_path):
    settings = {k: v for k, v in cfg["generator"].items() if k != "kind"}
    with stage("package_generator", cfg, 0, log=log_path, out=out):
        gen, source = generator_class(cfg["generator"]["kind"]).from_package(**settings)
        save_generator(gen, out, source=source)


if __name__ == "__main__":
    main()

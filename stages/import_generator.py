"""Bring a user's pretrained generator (TorchScript or StyleGAN2 checkpoint) into the pipeline's weight file."""
import click

from pipeline_lib.data.generators import import_generator, save_generator
from pipeline_lib.util.torchscript import file_sha256
from stages.common import cfg_option, log_option, source_option, stage


@click.command()
@log_option
@cfg_option
@source_option
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, source, out, log_path):
    settings = {k: v for k, v in cfg["generator"].items() if k not in ("kind", "path")}
    kind = cfg["generator"]["kind"]
    with stage("import_generator", cfg, settings.get("mean_seed", 0), log=log_path, source=source, out=out) as device:
        gen = import_generator(kind, source, device, **settings)
        save_generator(gen.cpu(), out, source={"path": source, "sha256": file_sha256(source)})


if __name__ == "__main__":
    main()

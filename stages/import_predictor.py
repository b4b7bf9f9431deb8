"""Bring a user's TorchScript attribute predictor into the pipeline's weight file.

Its evaluation file records no held-out error (the pipeline has no labels for it): null per attribute.
"""
import json

import click

from pipeline_lib.util.atomic import write_text
from pipeline_lib.attributes.scripted_predictor import import_scripted, save_scripted
from pipeline_lib.util.torchscript import file_sha256
from stages.common import cfg_option, log_option, source_option, stage


@click.command()
@log_option
@cfg_option
@source_option
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--out-eval", required=True, type=click.Path(dir_okay=False))
def main(cfg, source, out, out_eval, log_path):
    settings = {k: v for k, v in cfg["predictor"].items() if k not in ("kind", "path")}
    with stage("import_predictor", cfg, 0, log=log_path, source=source, out=out) as device:
        model = import_scripted(source, device=device, **settings)
        save_scripted(model, out, source={"path": source, "sha256": file_sha256(source)})
        errors = {name: None for name in model.schema.names}
        write_text(out_eval, json.dumps({"held_out_error": errors, "loss_history": []}, indent=2))


if __name__ == "__main__":
    main()

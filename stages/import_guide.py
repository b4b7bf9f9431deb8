"""Bring a user's TorchScript attribute predictor into the pipeline's weight file, as the guide (or the judge).

Its evaluation file records no held-out error (the pipeline has no labels for it): null per attribute.
"""
import json

import click

from pipeline_lib.util.atomic import write_text
from pipeline_lib.attributes.scripted_predictor import import_scripted, save_scripted
from pipeline_lib.util.torchscript import file_sha256
from stages.common import cfg_option, log_option, source_option, stage


def import_command(role: str) -> click.Command:
    @click.command(name=f"import_{role}")
    @log_option
    @cfg_option
    @source_option
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    @click.option("--out-eval", required=True, type=click.Path(dir_okay=False))
    def main(cfg, source, out, out_eval, log_path):
        settings = {k: v for k, v in cfg["reader"].items() if k not in ("kind", "path")}
        with stage(f"import_{role}", cfg, 0, log=log_path, source=source, out=out) as device:
            model = import_scripted(source, device=device, **settings)
            save_scripted(model, out, source={"path": source, "sha256": file_sha256(source)})
            errors = {name: None for name in model.schema.names}
            write_text(out_eval, json.dumps({"held_out_error": errors, "loss_history": [],
                                             "architecture": {"kind": "torchscript"}}, indent=2))
    return main


main = import_command("guide")

if __name__ == "__main__":
    main()

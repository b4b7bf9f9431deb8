"""Fit SGF's auxiliary mapping F(z, c) with c the caption predictor's condition of G(z)."""
import json

import click
import torch

from pipeline_lib.util.atomic import write_text
from pipeline_lib.data.generators import load_generator
import pipeline_lib.methods.sgf  # noqa: F401  (the kind this stage fits, imported by name so its code digest covers it)
from pipeline_lib.methods import build_method, save_method
from pipeline_lib.data.tables import codes_from, read_table
from pipeline_lib.text.predictor import load_caption_predictor
from stages.common import cfg_option, input_file, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@input_file("--generator", "generator_path")
@input_file("--caption-predictor", "predictor_path")
@input_file("--latents")
@output_file("--out")
@output_file("--out-summary")
def main(cfg, generator_path, predictor_path, latents, out, out_summary, log_path):
    hyper = cfg["sgf"]
    with stage("fit_text_sgf", cfg, hyper["seed"], log=log_path, latents=latents, out=out) as device:
        gen, pred = load_generator(generator_path, device), load_caption_predictor(predictor_path, device)
        codes = read_table(latents)
        z = codes_from(codes[codes["split"] == "fit"]).to(device)
        with torch.no_grad():
            c = torch.cat([pred(gen(chunk)) for chunk in z.split(1024)])  # (N, k)
        model = build_method(**hyper).fit(z, c)
        save_method(model, out)
        write_text(out_summary, json.dumps({"condition_dim": c.shape[1], **model.summary()}, indent=1))


if __name__ == "__main__":
    main()

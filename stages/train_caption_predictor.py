"""Train the caption predictor on rendered images and the cached embeddings of their captions."""
import json

import click

from pipeline_lib.data.generators import load_generator
from pipeline_lib.data.tables import read_table
from pipeline_lib.text.predictor import save_caption_predictor
from pipeline_lib.text.workflow import fit_caption_predictor
from pipeline_lib.util.atomic import write_text
from stages.common import cfg_option, input_file, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@input_file("--generator", "generator_path")
@input_file("--captions")
@output_file("--out")
@output_file("--out-eval")
def main(cfg, generator_path, captions, out, out_eval, log_path):
    p = cfg["predictor"]
    with stage("train_caption_predictor", cfg, p["seed"], log=log_path, captions=captions, out=out,
               out_eval=out_eval) as device:
        gen = load_generator(generator_path, device)
        if not gen.has_oracle:
            raise click.UsageError(f"text editing needs a generator with an oracle; {gen.kind!r} has none")
        model, scores, history = fit_caption_predictor(gen, read_table(captions), p, device)
        save_caption_predictor(model, out)
        write_text(out_eval, json.dumps({"held_out": scores, "loss_history": history}, indent=2))


if __name__ == "__main__":
    main()

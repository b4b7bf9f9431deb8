"""Edit every held-out code toward captions with one or two facts changed, by SGF or gradient steps."""
import click

from pipeline_lib.data.generators import load_generator
from pipeline_lib.data.tables import codes_from, read_table, write_parquet
from pipeline_lib.methods import build_method, load_method
from pipeline_lib.text.predictor import load_caption_predictor
from pipeline_lib.text.workflow import edit_toward_captions
from stages.common import cfg_option, input_file, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@click.option("--method", required=True, type=click.Choice(["sgf", "gradient"]))
@input_file("--fitted", required=False, help="The fitted SGF (for --method sgf).")
@input_file("--generator", "generator_path")
@input_file("--caption-predictor", "predictor_path")
@input_file("--latents")
@input_file("--captions")
@output_file("--out")
def main(cfg, method, fitted, generator_path, predictor_path, latents, captions, out, log_path):
    e = cfg["edit"]
    if method == "sgf" and not fitted:
        raise click.UsageError("--method sgf needs --fitted, the fitted SGF weight file")
    with stage(f"text_edit[{method}]", cfg, e["seed"], log=log_path, latents=latents, out=out) as device:
        gen, pred = load_generator(generator_path, device), load_caption_predictor(predictor_path, device)
        editor = load_method(fitted, **cfg["sgf"]) if method == "sgf" else build_method("gradient")
        codes = read_table(latents)
        z = codes_from(codes[codes["split"] == "edit"])
        frame = edit_toward_captions(editor, gen, pred, z, read_table(captions), e, device)
        write_parquet(frame, out)


if __name__ == "__main__":
    main()

"""Edit every held-out code toward captions with one or two facts changed, by SGF or gradient steps."""
import click
import torch

from pipeline_lib.editing import strength_schedule
from pipeline_lib.generators import load_generator
from pipeline_lib.methods import build_method, load_method
from pipeline_lib.runtime import seeded
from pipeline_lib.tables import codes_from, read_table, write_parquet
from pipeline_lib.text.captions import TEMPLATES
from pipeline_lib.text.edits import draw_targets, edit_frame, edit_paths, target_embeddings
from pipeline_lib.text.embedder import embeddings_from
from pipeline_lib.text.facts import facts_from_attributes
from pipeline_lib.text.predictor import load_caption_predictor
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
        editor = load_method(fitted) if method == "sgf" else build_method("gradient")
        codes, table = read_table(latents), read_table(captions)
        z = codes_from(codes[codes["split"] == "edit"])
        with torch.no_grad():
            source = facts_from_attributes(gen.attributes(z.to(device))).cpu()  # (n, 5)
        kinds = e["kinds"]
        target = draw_targets(source, kinds, e["seed"])  # (n * K, 5)
        source = source.repeat_interleave(len(kinds), dim=0)
        templates = torch.randint(0, len(TEMPLATES), (len(z),), generator=seeded(e["seed"])).repeat_interleave(len(kinds))
        goal = target_embeddings(embeddings_from(table), target, templates, e["target"])  # (n * K, 384)
        strengths = strength_schedule(e["max_strength"], e["steps"])
        paths = edit_paths(editor, gen, pred, z.repeat_interleave(len(kinds), dim=0).to(device), goal, strengths,
                           e["batch_size"])  # (n * K, P, d)
        with torch.no_grad():
            step_facts = torch.cat([facts_from_attributes(gen.attributes(c.to(device))).cpu()
                                    for c in paths.reshape(-1, paths.shape[-1]).split(e["batch_size"])])
        frame = edit_frame(paths, step_facts.view(*paths.shape[:2], -1), source, target, kinds, templates,
                           table["caption"], strengths)
        write_parquet(frame, out)


if __name__ == "__main__":
    main()

"""Edit the held-out codes along one method's path for one target attribute or group."""
import click

from pipeline_lib.editing import edit_table, strength_schedule
from pipeline_lib.generators import load_generator
from pipeline_lib.methods import load_method
from pipeline_lib.predictor import load_predictor
from pipeline_lib.tables import codes_from, read_table, values_from, write_parquet
from pipeline_lib.tasks import make_task
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--target", required=True, help="Attribute or group to edit.")
@click.option("--method", "method_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--predictor", "predictor_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--latents", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, target, method_path, generator_path, predictor_path, latents, labels, out, log_path):
    e = cfg["edit"]
    with stage(f"edit[{target}]", cfg, cfg["seed"], log=log_path, method=method_path, out=out) as device:
        gen, pred = load_generator(generator_path, device), load_predictor(predictor_path, device)
        method = load_method(method_path)
        codes, values = read_table(latents), read_table(labels)
        held_out = codes["split"] == "edit"
        z = codes_from(codes[held_out]).to(device)
        start = values_from(values[held_out], pred.schema.names)
        task = make_task(pred.schema, target, start, cfg["delta"], cfg["seed"])
        strengths = strength_schedule(e["max_strength"], e["steps"])
        write_parquet(edit_table(method, gen, pred, z, task, strengths, e["batch_size"]), out)


if __name__ == "__main__":
    main()

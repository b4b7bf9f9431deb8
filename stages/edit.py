"""Edit the held-out codes along one method's path for each target attribute or group: one table per target."""
import logging
import time
from pathlib import Path

import click

from pipeline_lib.methods.editing import edit_table, strength_schedule
from pipeline_lib.data.generators import load_generator
from pipeline_lib.methods import load_method
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.data.tables import codes_from, read_table, values_from, write_parquet
from pipeline_lib.attributes.tasks import make_task, tolerance_map
from stages.common import cfg_option, log_option, stage

log = logging.getLogger("latentbench")


@click.command()
@log_option
@cfg_option
@click.option("--targets", required=True, help="Attributes or groups to edit, comma-separated.")
@click.option("--method", "method_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--guide", "guide_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--latents", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out-dir", required=True, type=click.Path(file_okay=False),
              help="Tables go to <out-dir>/<target>.parquet.")
def main(cfg, targets, method_path, generator_path, guide_path, latents, labels, out_dir, log_path):
    """One process per method: the networks and the method load once for all targets."""
    e = cfg["edit"]
    with stage("edit", cfg, cfg["seed"], log=log_path, method=method_path, targets=targets, out_dir=out_dir) as device:
        gen, pred = load_generator(generator_path, device), load_predictor(guide_path, device)
        method = load_method(method_path, **cfg["method"])  # its kind and edit settings
        codes, values = read_table(latents), read_table(labels)
        held_out = codes["split"] == "edit"
        z = codes_from(codes[held_out]).to(device)
        start = values_from(values[held_out], pred.schema.names, "guide")
        strengths = strength_schedule(e["max_strength"], e["steps"])
        tolerances = tolerance_map(pred.schema, cfg["tolerance"], cfg["tolerances"])
        for target in targets.split(","):
            began = time.perf_counter()
            task = make_task(pred.schema, target, start, cfg["delta"], cfg["seed"], tolerances[target])
            write_parquet(edit_table(method, gen, pred, z, task, strengths, e["batch_size"], e["refine"]),
                          Path(out_dir) / f"{target}.parquet")
            redrawn = 0 if task.redrawn is None else int(task.redrawn.sum())
            log.info("edit[%s]: %.1f s, %d targets redrawn", target, time.perf_counter() - began, redrawn)


if __name__ == "__main__":
    main()

"""The stage body shared by train_guide and train_judge: samples, training, held-out error, the error gate."""
import json
import logging
import time

import click

from pipeline_lib.attributes.judge import load_judge
from pipeline_lib.attributes.predictor import save_predictor
from pipeline_lib.attributes.readers import (DEFAULT_MAX_ERROR, check_errors, fit_reader, image_rows, judged,
                                             rendered)
from pipeline_lib.data.generators import load_generator
from pipeline_lib.data.imagesets import load_image_set
from pipeline_lib.util.atomic import write_text
from stages.common import cfg_option, log_option, stage

log = logging.getLogger("latentbench")


def samples(role: str, cfg: dict, generator_path, images_path, judge_path, device):
    """(train images, train targets, held-out images, held-out targets, schema, a record of the samples)."""
    p = cfg["reader"]
    if judge_path:
        gen, judge = load_generator(generator_path, device), load_judge(judge_path, device)
        x, y, x_held, y_held = judged(gen, judge, p["train_samples"], p["held_out"], p["seed"], device)
        log.info("%s: the judge read %d of %d training and %d of %d held-out samples", role, len(x),
                 p["train_samples"], len(x_held), p["held_out"])
        return x, y, x_held, y_held, judge.schema, {"kind": "judged renders", "seed": p["seed"], "count": len(x)}
    if generator_path:
        gen = load_generator(generator_path, device)
        x, y, x_held, y_held = rendered(gen, p["train_samples"], p["held_out"], p["seed"], device)
        return x, y, x_held, y_held, gen.schema, {"kind": "renders", "seed": p["seed"], "count": p["train_samples"]}
    data = load_image_set(images_path)
    rows = image_rows(data.held_out, role, cfg["share"], cfg["split_seed"])
    record = {"kind": "images", "rows": rows.nonzero().squeeze(1).tolist()}
    return data.rgb(rows), data.targets[rows], data.rgb(data.held_out), data.targets[data.held_out], data.schema, record


def reader_command(role: str) -> click.Command:
    @click.command(name=f"train_{role}")
    @log_option
    @cfg_option
    @click.option("--generator", "generator_path", type=click.Path(exists=True, dir_okay=False),
                  help="Train on images rendered by this procedural generator (it has an oracle).")
    @click.option("--images", "images_path", type=click.Path(exists=True, dir_okay=False),
                  help="Train on this real image set's training rows of this reader instead.")
    @click.option("--judge", "judge_path", type=click.Path(exists=True, dir_okay=False),
                  help="Label the generator's images with this judge (faces) instead of its oracle.")
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    @click.option("--out-eval", required=True, type=click.Path(dir_okay=False))
    def main(cfg, generator_path, images_path, judge_path, out, out_eval, log_path):
        if (generator_path is None) == (images_path is None):
            raise click.UsageError("give exactly one of --generator and --images")
        if judge_path and not generator_path:
            raise click.UsageError("--judge labels a generator's images: give --generator too")
        p = cfg["reader"]
        with stage(f"train_{role}", cfg, p["seed"], log=log_path, source=generator_path or images_path, out=out,
                   out_eval=out_eval) as device:
            x, y, x_held, y_held, schema, record = samples(role, cfg, generator_path, images_path, judge_path, device)
            began = time.perf_counter()
            model, history = fit_reader(schema, x, y, p, device)
            seconds = time.perf_counter() - began
            errors = model.errors(x_held.to(device), y_held.to(device))
            log.info("%s: %d epochs (best %s, rate dropped after %s) in %.1f s; held-out error %s", role,
                     len(history["loss"]), history["best_epoch"], history["annealed_at"], seconds, {k: round(v, 4) for k, v in errors.items()})
            check_errors(role, errors, p.get("max_error", DEFAULT_MAX_ERROR))
            save_predictor(model, out)
            write_text(out_eval, json.dumps({
                "held_out_error": errors, "loss_history": history["loss"], "val_loss_history": history["val_loss"],
                "best_epoch": history["best_epoch"], "annealed_at": history["annealed_at"], "train_seconds": round(seconds, 2),
                "architecture": {"kind": "cnn", "width": model.width, "depth": model.depth}, "samples": record,
            }, indent=2))
    return main

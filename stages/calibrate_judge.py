"""Calibrate the faces judge on generated samples: MTCNN's weights plus each measure's CDF table in one file."""
import json
import logging
import time

import click
import torch

from pipeline_lib.attributes.face_judge import build_judge, calibrate, save_judge
from pipeline_lib.data.generators import load_generator
from pipeline_lib.util.atomic import write_text
from stages.common import cfg_option, input_file, log_option, output_file, stage

log = logging.getLogger("latentbench")


@click.command()
@log_option
@cfg_option
@input_file("--generator", "generator_path")
@output_file("--out")
@output_file("--out-eval")
def main(cfg, generator_path, out, out_eval, log_path):
    j = cfg["judge"]
    settings = {k: v for k, v in j.items() if k not in ("kind", "samples", "seed")}
    with stage("calibrate_judge", cfg, j["seed"], log=log_path, generator=generator_path, out=out) as device:
        gen = load_generator(generator_path, device)
        judge = build_judge(**settings).to(device)
        with torch.no_grad():
            images = torch.cat([gen(c.to(device)) for c in gen.sample(j["samples"], j["seed"]).split(256)])
        began = time.perf_counter()
        found = calibrate(judge, images)
        log.info("calibrate_judge: %.2f ms per image; detection rate %.3f",
                 (time.perf_counter() - began) * 1000 / len(images), found["detection_rate"])
        save_judge(judge.cpu(), out)
        write_text(out_eval, json.dumps({  # no held-out error: nothing here knows the true attributes
            **found, "held_out_error": {name: None for name in judge.schema.names}, "loss_history": [],
            "architecture": {"kind": "mtcnn", **judge.config()},
            "samples": {"kind": "renders", "seed": j["seed"], "count": len(images)}}, indent=2))


if __name__ == "__main__":
    main()

"""What every stage shares: its JSON config slice, a seeded runtime, and a log of its run."""
from __future__ import annotations

import contextlib
import gc
import json
import logging
import time
from pathlib import Path

import click

from pipeline_lib.util.runtime import make_deterministic, pick_device

log = logging.getLogger("latentbench")


class JsonParam(click.ParamType):
    """A JSON object on the command line: the slice of params.yaml a rule passes its stage."""

    name = "json"

    def convert(self, value, param, ctx):
        if isinstance(value, dict):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            self.fail(f"not valid JSON: {exc}", param, ctx)
        if not isinstance(parsed, dict):
            self.fail("expected a JSON object", param, ctx)
        return parsed


cfg_option = click.option("--cfg", type=JsonParam(), required=True, help="JSON slice of params.yaml.")
log_option = click.option("--log", "log_path", type=click.Path(dir_okay=False), help="Also log to this file.")
source_option = click.option("--source", required=True, type=click.Path(exists=True, dir_okay=False),
                             help="The user's file a generator or predictor is imported from (its params path).")


@contextlib.contextmanager
def stage(name: str, cfg: dict, seed: int, **paths):
    """Seed and set up torch from ``cfg['runtime']``, log inputs/outputs and wall time; yields the device.

    Outputs are written atomically (pipeline_lib.util.atomic), which creates their folders.
    """
    handlers = [logging.StreamHandler()]
    if paths.get("log"):
        Path(paths["log"]).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(paths["log"], mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", handlers=handlers)
    runtime = cfg.get("runtime", {})
    make_deterministic(seed, runtime.get("threads"))
    device = pick_device(runtime.get("device", "auto"))
    log.info("%s: start on %s; %s", name, device, ", ".join(f"{k}={v}" for k, v in paths.items()))
    start = time.perf_counter()
    yield device
    log.info("%s: done in %.1f s", name, time.perf_counter() - start)
    # The process ends next. Frozen objects are skipped by the collections of interpreter shutdown,
    # which otherwise walk torch's object graph: 0.4 s -> 0.1 s of exit per stage process here.
    gc.freeze()


def input_file(flag: str, dest: str | None = None, required: bool = True, **kwargs):
    """An option naming an existing file, e.g. ``--generator``."""
    return click.option(flag, *([dest] if dest else []), required=required,
                        type=click.Path(exists=True, dir_okay=False), **kwargs)


def output_file(flag: str):
    """A required option naming a file a stage writes."""
    return click.option(flag, required=True, type=click.Path(dir_okay=False))

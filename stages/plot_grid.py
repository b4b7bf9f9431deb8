"""Render an edit grid: rows are source codes, columns strengths along the method's path."""
from pathlib import Path

import click
import numpy as np
import pandas as pd
import torch

from pipeline_lib.generators import load_generator
from pipeline_lib.tables import codes_from
from pipeline_lib.plots import edit_grid_figure
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--edits", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def main(cfg, edits, generator_path, out, log_path):
    with stage("plot_grid", cfg, 0, log=log_path, edits=edits, out=out):
        table = pd.read_parquet(edits).sort_values(["code", "step"])
        n_steps = table["step"].nunique()
        steps = np.unique(np.linspace(0, n_steps - 1, cfg["plot"]["grid_strengths"]).round().astype(int))
        rows = table[(table["code"] < cfg["plot"]["grid_codes"]) & table["step"].isin(steps)]
        gen = load_generator(generator_path)
        with torch.no_grad():
            images = gen(codes_from(rows))
        images = images.view(-1, len(steps), *images.shape[1:])
        title = f"{Path(edits).parent.name} -> {Path(edits).stem}"
        edit_grid_figure(images, rows["strength"].to_numpy()[: len(steps)], title).savefig(
            out, dpi=110, metadata={"Software": None})


if __name__ == "__main__":
    main()

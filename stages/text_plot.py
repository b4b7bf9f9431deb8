"""A figure of text edits: per edit kind one source, its path under each method, the captions above."""
from pathlib import Path

import click
import numpy as np
import torch

from pipeline_lib.util.atomic import save_figure
from pipeline_lib.data.generators import load_generator
from pipeline_lib.report.plots import text_edit_figure
from pipeline_lib.data.tables import codes_from, read_table
from stages.common import cfg_option, input_file, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@input_file("--generator", "generator_path")
@output_file("--out-figure")
@click.argument("edits", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def main(cfg, generator_path, out_figure, edits, log_path):
    """EDITS are files named .../<method>.parquet; kind j is shown on source code j."""
    p = cfg["plot"]
    with stage("text_plot", cfg, 0, log=log_path, out_figure=out_figure):
        gen = load_generator(generator_path)
        tables = {Path(path).stem: read_table(path).sort_values(["item", "step"]) for path in edits}
        first = next(iter(tables.values()))
        kinds = list(dict.fromkeys(first["edit"]))
        steps = np.unique(np.linspace(0, first["step"].max(), p["strengths"]).round().astype(int))
        n_codes = first["code"].max() + 1
        rows, titles, labels = [], [], []
        for j, kind in enumerate(kinds):
            item = (j % n_codes) * len(kinds) + j
            for method, table in tables.items():
                path = table[(table["item"] == item) & table["step"].isin(steps)]
                rows.append(codes_from(path))
                head = path.iloc[0]
                titles.append(f"{head['source_caption']}\n-> {head['target_caption']}  ({head['instruction']})")
                labels.append(method)
        with torch.no_grad():
            images = gen(torch.cat(rows)).view(len(rows), len(steps), 3, gen.resolution, gen.resolution)
        strengths = first.loc[first["item"] == 0, "strength"].to_numpy()[steps]
        save_figure(text_edit_figure(images, strengths, titles, labels), out_figure)


if __name__ == "__main__":
    main()

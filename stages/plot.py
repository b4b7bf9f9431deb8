"""Plot a dataset: MDC curves, the MDS table (markdown and HTML), the guide's and judge's fits, one edit grid per edit table."""
import json
from pathlib import Path

import click
import numpy as np
import pandas as pd
import torch

from pipeline_lib.util.atomic import save_figure, write_text
from pipeline_lib.data.generators import load_generator
from pipeline_lib.report.pages import mds_html
from pipeline_lib.report.plots import edit_grid_figure, mdc_figure, mds_markdown, readers_figure
from pipeline_lib.data.tables import codes_from, edit_tables, read_table
from stages.common import cfg_option, log_option, stage


def save_grid(table: pd.DataFrame, generator, codes: int, strengths: int, title: str, out: Path,
              device: torch.device) -> None:
    """Rows: the first ``codes`` source codes; columns: ``strengths`` evenly spaced steps."""
    table = table.sort_values(["code", "step"])
    steps = np.unique(np.linspace(0, table["step"].max(), strengths).round().astype(int))
    rows = table[(table["code"] < codes) & table["step"].isin(steps)]
    with torch.no_grad():
        images = generator(codes_from(rows).to(device)).cpu()
    images = images.view(-1, len(steps), *images.shape[1:])
    save_figure(edit_grid_figure(images, rows["strength"].to_numpy()[: len(steps)], title), out)


@click.command()
@log_option
@cfg_option
@click.option("--mdc", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--mds", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--guide-eval", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The guide's training curve and held-out error (JSON).")
@click.option("--judge-eval", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The judge's training curve and held-out error (JSON).")
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out-figure", required=True, type=click.Path(dir_okay=False))
@click.option("--out-table", required=True, type=click.Path(dir_okay=False))
@click.option("--out-table-html", required=True, type=click.Path(dir_okay=False))
@click.option("--out-readers", required=True, type=click.Path(dir_okay=False))
@click.option("--grid-dir", required=True, type=click.Path(file_okay=False),
              help="Grids go to <grid-dir>/<method>/<target>.png.")
@click.argument("edits", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def main(cfg, mdc, mds, guide_eval, judge_eval, generator_path, out_figure, out_table, out_table_html, out_readers,
         grid_dir, edits, log_path):
    """EDITS are method folders .../edits/<method> holding <target>.parquet tables."""
    p = cfg["plot"]
    with stage("plot", cfg, 0, log=log_path, mds=mds, out_figure=out_figure, out_table=out_table) as device:
        scores = read_table(mds)
        save_figure(mdc_figure(read_table(mdc), scores), out_figure)
        write_text(out_table, mds_markdown(scores))
        write_text(out_table_html, mds_html(scores))
        evaluations = {role: json.loads(Path(path).read_text()) for role, path in (("guide", guide_eval),
                                                                                   ("judge", judge_eval))}
        save_figure(readers_figure(evaluations), out_readers)
        generator = load_generator(generator_path, device)
        for (method, target), path in edit_tables(edits).items():
            save_grid(read_table(path), generator, p["grid_codes"], p["grid_strengths"],
                      f"{method} -> {target}", Path(grid_dir) / method / f"{target}.png", device)


if __name__ == "__main__":
    main()

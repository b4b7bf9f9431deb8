"""Across datasets: mean MDS per method x dataset as a markdown table and a heat map."""
import click
import pandas as pd

from pipeline_lib.util.atomic import save_figure, write_text
from pipeline_lib.report.pages import cross_dataset_html
from pipeline_lib.report.plots import cross_dataset_figure, cross_dataset_markdown
from pipeline_lib.scoring.bounds import bound_methods
from pipeline_lib.data.tables import read_table
from pipeline_lib.scoring.rows import task_rows
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--out-table", required=True, type=click.Path(dir_okay=False))
@click.option("--out-html", required=True, type=click.Path(dir_okay=False))
@click.option("--out-figure", required=True, type=click.Path(dir_okay=False))
@click.argument("scores", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def main(cfg, out_table, out_html, out_figure, scores, log_path):
    """SCORES are the datasets' mds.parquet files."""
    with stage("summarize", cfg, 0, log=log_path, out_table=out_table, out_figure=out_figure):
        table = task_rows(pd.concat([read_table(p) for p in scores]))
        means = (table[table["source"] == "judge"].pivot_table(index="method", columns="dataset", values="mds",
                                                              aggfunc="mean", sort=True))
        bounds = bound_methods(table)
        write_text(out_table, cross_dataset_markdown(means, bounds))
        write_text(out_html, cross_dataset_html(means, bounds))
        save_figure(cross_dataset_figure(means, bounds), out_figure)


if __name__ == "__main__":
    main()

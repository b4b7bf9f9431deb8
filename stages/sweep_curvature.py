"""Collect the MDS of the datasets of a sweep: mean MDS per method and source against the knob."""
import click
import pandas as pd

from pipeline_lib.util.atomic import save_figure
from pipeline_lib.report.plots import sweep_figure
from pipeline_lib.data.tables import read_table, write_parquet
from pipeline_lib.scoring.rows import task_rows
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--out-table", required=True, type=click.Path(dir_okay=False))
@click.option("--out-figure", required=True, type=click.Path(dir_okay=False))
@click.argument("scores", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def main(cfg, out_table, out_figure, scores, log_path):
    """SCORES are the sweep datasets' mds.parquet files, in the order of cfg['values']."""
    knob, values = cfg["knob"], cfg["values"]
    with stage(f"sweep[{knob}]", cfg, 0, log=log_path, out_table=out_table, out_figure=out_figure):
        frames = [task_rows(read_table(p)).assign(**{knob: v}) for p, v in zip(scores, values)]
        table = (pd.concat(frames).groupby(["method", "source", knob, "bound"], as_index=False)["mds"].mean()
                 .rename(columns={"mds": "mean_mds"}))  # bound: an upper bound, not a method
        write_parquet(table, out_table)
        save_figure(sweep_figure(table, knob), out_figure)


if __name__ == "__main__":
    main()

"""Collect a sweep's datasets: mean scores per method, source and seed against the knob, their spread over seeds,
and the verdict of one method against the best of others."""
import click
import pandas as pd

from pipeline_lib.data.tables import read_table, write_parquet
from pipeline_lib.report.plots import sweep_figure
from pipeline_lib.scoring.sweep import point_means, spread, sweep_markdown, verdicts
from pipeline_lib.util.atomic import save_figure, write_text
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--out-table", required=True, type=click.Path(dir_okay=False))
@click.option("--out-summary", required=True, type=click.Path(dir_okay=False))
@click.option("--out-figure", required=True, type=click.Path(dir_okay=False))
@click.argument("scores", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def main(cfg, out_table, out_summary, out_figure, scores, log_path):
    """SCORES are the sweep datasets' mds.parquet files, in the order of cfg['points'] ([value, seed] pairs)."""
    knob, verdict = cfg["knob"], cfg["verdict"]
    with stage(f"sweep[{knob}]", cfg, 0, log=log_path, out_table=out_table, out_figure=out_figure):
        points = pd.concat([point_means(read_table(p), knob, v, s) for p, (v, s) in zip(scores, cfg["points"])])
        points = points[points["method"].isin(cfg["methods"])]  # the base dataset runs the whole benchmark
        write_parquet(points.reset_index(drop=True), out_table)
        summary = spread(points, knob)
        decided = verdicts(points, knob, verdict["method"], verdict["against"])
        write_text(out_summary, sweep_markdown(summary, decided, knob))
        save_figure(sweep_figure(summary, knob), out_figure)


if __name__ == "__main__":
    main()

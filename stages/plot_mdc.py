"""Plot a dataset's MDC curves and write its MDS table as markdown."""
from pathlib import Path

import click
import pandas as pd

from pipeline_lib.plots import mdc_figure, mds_markdown
from stages.common import log_option, stage


@click.command()
@log_option
@click.option("--mdc", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--mds", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out-figure", required=True, type=click.Path(dir_okay=False))
@click.option("--out-table", required=True, type=click.Path(dir_okay=False))
def main(mdc, mds, out_figure, out_table, log_path):
    with stage("plot_mdc", {}, 0, log=log_path, mds=mds, out_figure=out_figure, out_table=out_table):
        scores = pd.read_parquet(mds)
        mdc_figure(pd.read_parquet(mdc), scores).savefig(out_figure, dpi=110, metadata={"Software": None})
        Path(out_table).write_text(mds_markdown(scores))


if __name__ == "__main__":
    main()

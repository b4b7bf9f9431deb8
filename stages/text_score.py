"""Score the text edits of every method with the oracle: MDS per method and edit kind, and the MDC."""
from pathlib import Path

import click

from pipeline_lib.data.tables import read_table, write_parquet
from pipeline_lib.text.scoring import text_scores
from stages.common import cfg_option, log_option, output_file, stage


@click.command()
@log_option
@cfg_option
@output_file("--out-mds")
@output_file("--out-mdc")
@click.argument("edits", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def main(cfg, out_mds, out_mdc, edits, log_path):
    """EDITS are files named .../<method>.parquet."""
    m = cfg["metric"]
    with stage("text_score", cfg, m["seed"], log=log_path, out_mds=out_mds, out_mdc=out_mdc):
        tables = {Path(p).stem: read_table(p) for p in edits}
        scores, curves = text_scores(tables, m["bootstrap"], m["seed"])
        write_parquet(scores, out_mds)
        write_parquet(curves, out_mdc)


if __name__ == "__main__":
    main()

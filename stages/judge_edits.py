"""Read one method's edit tables with the judge, after the edit job: the same rows plus judge_<attr> columns.

The method never runs here and its edit job never sees the judge (rules/methods.smk has no judge input).
"""
import logging
from pathlib import Path

import click

from pipeline_lib.attributes.judge import judge_table, load_judge
from pipeline_lib.data.generators import load_generator
from pipeline_lib.data.tables import edit_tables, read_table, write_parquet
from stages.common import cfg_option, log_option, stage

log = logging.getLogger("latentbench")


@click.command()
@log_option
@cfg_option
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--judge", "judge_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--edits", required=True, type=click.Path(exists=True, file_okay=False),
              help="A method's folder of edit tables, <edits>/<target>.parquet.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False),
              help="Judged tables go to <out-dir>/<target>.parquet.")
def main(cfg, generator_path, judge_path, edits, out_dir, log_path):
    with stage("judge_edits", cfg, 0, log=log_path, edits=edits, out_dir=out_dir) as device:
        gen, judge = load_generator(generator_path, device), load_judge(judge_path, device)
        for (_, target), path in edit_tables([edits]).items():
            table = judge_table(read_table(path), gen, judge, cfg["batch_size"])
            failed = int(table.filter(regex="^judge_").isna().any(axis=1).sum())
            if failed:
                log.info("judge_edits[%s]: the judge could not read %d of %d images (failed edits)", target,
                         failed, len(table))
            write_parquet(table, Path(out_dir) / f"{target}.parquet")


if __name__ == "__main__":
    main()

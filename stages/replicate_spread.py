"""Score a dataset's replicates together: MDS per replicate, spread, two-level intervals, rank stability."""
import re
from pathlib import Path

import click

from pipeline_lib.attributes.tasks import tolerance_map
from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.data.tables import edit_tables, read_table, write_parquet
from pipeline_lib.scoring.replicates import replicate_scores, stability_markdown
from pipeline_lib.util.atomic import write_text
from pipeline_lib.util.weights import load_checkpoint
from stages.common import cfg_option, log_option, stage


def replicate_of(folder: str) -> int:
    """data/<dataset>/judged/<method> -> the replicate its dataset is (``shapes_rep2``: 2; the base: 0)."""
    found = re.search(r"_rep(\d+)$", Path(folder).parent.parent.name)
    return int(found.group(1)) if found else 0


@click.command()
@log_option
@cfg_option
@click.option("--judge", "judge_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The base dataset's judge file (its attribute schema).")
@click.option("--bounds", default="", help="Methods that are upper bounds, comma-separated: listed, never ranked.")
@click.option("--out-table", required=True, type=click.Path(dir_okay=False))
@click.option("--out-summary", required=True, type=click.Path(dir_okay=False))
@click.argument("judged", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def main(cfg, judge_path, bounds, out_table, out_summary, judged, log_path):
    """JUDGED are the judged method folders of the base dataset and of each of its replicates."""
    m = cfg["metric"]
    with stage("replicate_spread", cfg, m["seed"], log=log_path, judged=len(judged), out_table=out_table):
        schema = AttributeSchema.from_dict(load_checkpoint(judge_path, required=("schema",))["schema"])
        runs = {}
        for folder in judged:
            runs.setdefault(replicate_of(folder), {}).update(
                {key: read_table(path) for key, path in edit_tables([folder]).items()})
        columns = next(iter(next(iter(runs.values())).values())).columns
        sources = ["judge"] + (["oracle"] if any(c.startswith("oracle_") for c in columns) else []) + ["guide"]
        scores = replicate_scores(runs, schema, sources, delta=m["delta"], n_boot=m["bootstrap"], seed=m["seed"],
                                  tolerances=tolerance_map(schema, m["tolerance"], m["tolerances"]))
        write_parquet(scores, out_table)
        chosen = set(filter(None, bounds.split(",")))
        write_text(out_summary, "\n".join(stability_markdown(scores, chosen, s) for s in sources))


if __name__ == "__main__":
    main()

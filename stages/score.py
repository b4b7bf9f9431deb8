"""Score every judged edit table of a dataset: MDC points, MDS with bootstrap intervals, DVC metrics.

Sources: the judge (the headline), the oracle where the generator has one, the guide (a diagnostic).
"""
import json
from pathlib import Path

import click

from pipeline_lib.config.attribute_schema import AttributeSchema
from pipeline_lib.util.atomic import write_text
from pipeline_lib.attributes.tasks import tolerance_map
from pipeline_lib.util.weights import load_checkpoint
from pipeline_lib.scoring.mds import metrics_json, score_runs
from pipeline_lib.data.tables import edit_tables, read_table, write_parquet
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--dataset", required=True)
@click.option("--judge", "judge_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The judge's weight file (its attribute schema).")
@click.option("--judge-eval", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--guide-eval", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--bounds", default="", help="Methods that are upper bounds (read the oracle), comma-separated.")
@click.option("--out-mds", required=True, type=click.Path(dir_okay=False))
@click.option("--out-mdc", required=True, type=click.Path(dir_okay=False))
@click.option("--out-metrics", required=True, type=click.Path(dir_okay=False))
@click.argument("judged", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def main(cfg, dataset, judge_path, judge_eval, guide_eval, bounds, out_mds, out_mdc, out_metrics, judged, log_path):
    """JUDGED are method folders .../judged/<method> holding <target>.parquet tables."""
    m = cfg["metric"]
    with stage("score", cfg, m["seed"], log=log_path, judged=len(judged), out_mds=out_mds,
               out_mdc=out_mdc, out_metrics=out_metrics):
        schema = AttributeSchema.from_dict(load_checkpoint(judge_path, required=("schema",))["schema"])
        tables = {key: read_table(path) for key, path in edit_tables(judged).items()}
        columns = next(iter(tables.values())).columns
        sources = ["judge"] + (["oracle"] if any(c.startswith("oracle_") for c in columns) else []) + ["guide"]
        curves, scores = score_runs(tables, schema, sources, delta=m["delta"], n_boot=m["bootstrap"], seed=m["seed"],
                                    tolerances=tolerance_map(schema, m["tolerance"], m["tolerances"]))
        errors = {role: json.loads(Path(path).read_text())["held_out_error"]
                  for role, path in (("judge", judge_eval), ("guide", guide_eval))}
        scores.insert(0, "dataset", dataset)
        curves.insert(0, "dataset", dataset)
        members = lambda a: schema.groups.get(a, (a,))  # noqa: E731  a group's error: its members' mean
        tasks = scores["task_type"] != "summary"
        for role, table in errors.items():
            error = lambda m: float("nan") if table[m] is None else table[m]  # noqa: E731  None: an imported reader
            scores.loc[tasks, f"{role}_error"] = scores.loc[tasks, "attribute"].map(
                lambda a: sum(map(error, members(a))) / len(members(a)))
        scores["bound"] = scores["method"].isin(bounds.split(","))  # upper bounds: marked, never ranked
        write_parquet(scores, out_mds)
        write_parquet(curves, out_mdc)
        write_text(out_metrics, json.dumps(metrics_json(scores, errors["judge"], errors["guide"]), indent=2,
                                           sort_keys=True) + "\n")


if __name__ == "__main__":
    main()

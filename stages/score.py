"""Score every edit table of a dataset: MDC points, MDS with bootstrap intervals, DVC metrics."""
import json
from pathlib import Path

import click

from pipeline_lib.util.atomic import write_text
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.attributes.tasks import tolerance_map
from pipeline_lib.scoring.mds import metrics_json, score_runs
from pipeline_lib.data.tables import edit_tables, read_table, write_parquet
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--dataset", required=True)
@click.option("--predictor", "predictor_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--predictor-eval", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--bounds", default="", help="Methods that are upper bounds (read the oracle), comma-separated.")
@click.option("--out-mds", required=True, type=click.Path(dir_okay=False))
@click.option("--out-mdc", required=True, type=click.Path(dir_okay=False))
@click.option("--out-metrics", required=True, type=click.Path(dir_okay=False))
@click.argument("edits", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def main(cfg, dataset, predictor_path, predictor_eval, bounds, out_mds, out_mdc, out_metrics, edits, log_path):
    """EDITS are method folders .../edits/<method> holding <target>.parquet tables."""
    m = cfg["metric"]
    with stage("score", cfg, m["seed"], log=log_path, edits=len(edits), out_mds=out_mds,
               out_mdc=out_mdc, out_metrics=out_metrics):
        schema = load_predictor(predictor_path).schema
        tables = {key: read_table(path) for key, path in edit_tables(edits).items()}
        sources = ["pred"] + (["oracle"] if any(c.startswith("oracle_") for c in next(iter(tables.values()))) else [])
        curves, scores = score_runs(tables, schema, sources, delta=m["delta"], n_boot=m["bootstrap"], seed=m["seed"],
                                    tolerances=tolerance_map(schema, m["tolerance"], m["tolerances"]))
        errors = json.loads(Path(predictor_eval).read_text())["held_out_error"]
        scores.insert(0, "dataset", dataset)
        curves.insert(0, "dataset", dataset)
        members = lambda a: schema.groups.get(a, (a,))  # noqa: E731  a group's error: its members' mean
        error = lambda m: float("nan") if errors[m] is None else errors[m]  # noqa: E731  None: an imported predictor
        tasks = scores["task_type"] != "summary"
        scores.loc[tasks, "predictor_error"] = scores.loc[tasks, "attribute"].map(
            lambda a: sum(map(error, members(a))) / len(members(a)))
        scores["bound"] = scores["method"].isin(bounds.split(","))  # upper bounds: marked, never ranked
        write_parquet(scores, out_mds)
        write_parquet(curves, out_mdc)
        write_text(out_metrics, json.dumps(metrics_json(scores, errors), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()

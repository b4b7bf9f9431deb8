"""The Disentangled Manifolds centroid-loss ablation on ``shapes``, over seeds.

Fits the ``manifold`` entry of the workspace's params with its centroid loss on (as params set it)
and off (``centroid_weight: 0``) at each seed, on the workspace's shapes artifacts, then prints
per run: the best |corr(eps, change of the true factor)| over directions for every factor
(``discovery_oracle.factor_correlations``) and the MDS over every benchmark target, predictor and
oracle, each edited and scored as the pipeline does (``edit_table``, ``score_runs``); then each
variant's mean and standard deviation over the seeds.

    python -m bench.dm_ablation [--workspace .] [--seeds 24,25,26] [--iterations N]
"""
from __future__ import annotations

import time
from pathlib import Path

import click
import pandas as pd
from bench.common import networks
from bench.discovery_oracle import factor_correlations
from pipeline_lib.attributes.tasks import make_task, tolerance_map
from pipeline_lib.config.definitions import resolve
from pipeline_lib.config.params import benchmark_targets
from pipeline_lib.data.tables import codes_from, read_table, values_from
from pipeline_lib.methods import build_method, load_method, save_method
from pipeline_lib.methods.editing import edit_table, strength_schedule
from pipeline_lib.scoring.mds import score_runs
from pipeline_lib.util.runtime import make_deterministic


def fit_and_score(params: dict, data: Path, gen, pred, name: str, hyper: dict, scratch: Path):
    """Fit ``hyper`` ({kind, settings}) as the fit stage does, edit every benchmark target of the dataset in
    ``data`` as the edit stage does (the method reloaded with its edit settings), score them -> (method,
    MDS rows, fit seconds)."""
    codes, values = read_table(data / "latents.parquet"), read_table(data / "labels.parquet")
    fit, held_out = codes["split"] == "fit", codes["split"] == "edit"
    make_deterministic(hyper.get("seed", 0), params.get("threads"))
    start = time.perf_counter()
    method = build_method(**hyper).fit(codes_from(codes[fit]), values_from(values[fit], pred.schema.names, "guide"), gen, pred)
    seconds = time.perf_counter() - start
    save_method(method, scratch / f"{name}.pt")
    edit = {k: v for k, v in resolve(name, hyper, "edit").items() if k != "kind"}
    editor = load_method(scratch / f"{name}.pt", **edit)
    m, e = params["metric"], params["edit"]
    make_deterministic(m["seed"], params.get("threads"))
    z, start_values = codes_from(codes[held_out]), values_from(values[held_out], pred.schema.names, "guide")
    tables, tolerances = {}, tolerance_map(pred.schema, m["tolerance"], m["tolerances"])
    for target in benchmark_targets(params, data.name):
        task = make_task(pred.schema, target, start_values, m["delta"], m["seed"], tolerances[target])
        tables[(name, target)] = edit_table(editor, gen, pred, z, task, strength_schedule(e["max_strength"], e["steps"]),
                                            e["batch_size"], e["refine"])
    sources = ["guide"] + (["oracle"] if gen.has_oracle else [])  # a bench: the guide and the oracle, no judge
    _, scores = score_runs(tables, pred.schema, sources, delta=m["delta"], n_boot=m["bootstrap"], seed=m["seed"],
                           tolerances=tolerances)
    return method, scores, seconds


@click.command()
@click.option("--workspace", default=".", show_default=True, type=click.Path(exists=True, file_okay=False))
@click.option("--seeds", default="24,25,26", show_default=True, help="Comma-separated fit seeds.")
@click.option("--iterations", default=None, type=int, help="Override the training iterations of params.yaml.")
@click.option("--scratch", default="/tmp/dm_ablation", show_default=True, type=click.Path(file_okay=False),
              help="Where the fitted methods are saved for their edits.")
def main(workspace, seeds, iterations, scratch):
    workspace, scratch = Path(workspace), Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    params, gen, pred = networks(workspace, "shapes")
    data = workspace / "data" / "shapes"
    fit_codes = codes_from(read_table(data / "latents.parquet").query("split == 'fit'"))
    entry = resolve("manifold", params["methods"]["manifold"])
    rows = []
    for seed in map(int, seeds.split(",")):
        for label, weight in (("centroid on", entry["centroid_weight"]), ("centroid off", 0.0)):
            hyper = {**entry, "seed": seed, "centroid_weight": weight, **({"iterations": iterations} if iterations else {})}
            method, scores, seconds = fit_and_score(params, data, gen, pred, "manifold", hyper, scratch)
            corr = factor_correlations(method, gen, fit_codes[:512], hyper["eps_max"]).max(0).values
            mds = scores.groupby("source")["mds"].mean()
            rows.append({"variant": label, "seed": seed, **dict(zip(gen.schema.names, corr.tolist())),
                         "corr mean": corr.mean().item(), "MDS guide": mds["guide"], "MDS oracle": mds["oracle"],
                         "fit s": seconds})
            print(f"{label}, seed {seed}: fit {seconds:.0f} s, corr mean {rows[-1]['corr mean']:.3f}, "
                  f"MDS {mds['guide']:.3f} (oracle {mds['oracle']:.3f})", flush=True)
    frame = pd.DataFrame(rows)
    print("\nbest |corr(eps, factor change)| over directions per true factor; mean MDS over the targets")
    print(frame.round(3).to_markdown(index=False))
    summary = frame.drop(columns="seed").groupby("variant", sort=False).agg(["mean", "std"])
    summary.columns = [f"{a} {b}" for a, b in summary.columns]
    print(f"\nmean and standard deviation over {frame['seed'].nunique()} seeds")
    print(summary[[c for c in summary if c.startswith(("corr mean", "MDS", "fit s"))]].round(3).to_markdown())


if __name__ == "__main__":
    main()

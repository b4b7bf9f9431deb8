"""Fit one editing method on the fit split labeled by the guide (the only reader it sees) and save its state."""
import json

import click

from pipeline_lib.util.atomic import save_figure, write_text
from pipeline_lib.data.generators import load_generator
from pipeline_lib.methods import build_method, save_method
from pipeline_lib.report.plots import fit_figure
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.data.tables import codes_from, read_table, values_from
from stages.common import cfg_option, log_option, stage


@click.command()
@log_option
@cfg_option
@click.option("--method", required=True)
@click.option("--generator", "generator_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--guide", "guide_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--latents", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--out-summary", required=True, type=click.Path(dir_okay=False))
@click.option("--out-figure", required=True, type=click.Path(dir_okay=False))
def main(cfg, method, generator_path, guide_path, latents, labels, out, out_summary, out_figure,
         log_path):
    hyper = cfg["method"]  # {kind, fit settings}
    with stage(f"fit_method[{method}]", cfg, hyper.get("seed", 0), log=log_path, latents=latents, out=out,
               out_summary=out_summary, out_figure=out_figure) as device:
        gen, pred = load_generator(generator_path, device), load_predictor(guide_path, device)
        codes, values = read_table(latents), read_table(labels)
        fit = codes["split"] == "fit"
        z = codes_from(codes[fit]).to(device)
        y = values_from(values[fit], pred.schema.names, "guide").to(device)
        model = build_method(**hyper).fit(z, y, gen, pred)
        save_method(model, out)
        summary = {"method": method, "kind": hyper["kind"], "attributes": pred.schema.names, **model.summary()}
        write_text(out_summary, json.dumps(summary, indent=1))
        save_figure(fit_figure(summary), out_figure)


if __name__ == "__main__":
    main()

"""Do unsupervised directions find the true factors? An oracle check on ``shapes``.

Fits ``manifold`` (with and without the centroid loss) and ``voynov_linear`` on the pipeline's
shapes artifacts, then, for each direction, shifts probe codes by random ``eps`` and correlates
``eps`` with the change of every true factor. Prints, per factor, the best |correlation| over
directions (1: some direction controls the factor alone and linearly).

    python bench/discovery_oracle.py [--data data/shapes] [--iterations 1500]
"""
from __future__ import annotations

import time
from pathlib import Path

import click
import pandas as pd
import torch
from torch.nn import functional as F

from pipeline_lib.data.generators import load_generator
from pipeline_lib.config.definitions import resolve
from pipeline_lib.methods import build_method
from pipeline_lib.config.params import load_params
from pipeline_lib.attributes.predictor import load_predictor
from pipeline_lib.util.runtime import make_deterministic, seeded
from pipeline_lib.data.tables import codes_from


def factor_correlations(method, generator, probe: torch.Tensor, eps_max: float) -> torch.Tensor:
    """(K, n_factors) |corr(eps, change of the factor)| over (P, d) probe codes."""
    shifter, k_total = method.shifter_, method.hyper["n_directions"]
    eps = (2 * torch.rand(len(probe), generator=seeded(1)) - 1) * eps_max
    rows = []
    with torch.no_grad():
        before = generator.attributes(probe)
        for k in range(k_total):
            onehot = F.one_hot(torch.full((len(probe),), k), k_total).float()
            change = generator.attributes(probe + shifter(probe, onehot, eps)) - before  # (P, n_factors)
            x = (eps - eps.mean()) / eps.std()
            y = (change - change.mean(0)) / change.std(0).clamp_min(1e-12)
            rows.append((x[:, None] * y).mean(0).abs())
    return torch.stack(rows)


@click.command()
@click.option("--data", default="data/shapes", show_default=True, type=click.Path(exists=True, file_okay=False))
@click.option("--iterations", default=None, type=int, help="Override the training iterations of params.yaml.")
def main(data, iterations):
    make_deterministic(0, 2)
    params = load_params()["methods"]
    data = Path(data)
    gen, pred = load_generator(data / "generator.pt"), load_predictor(data / "guide.pt")
    latents = pd.read_parquet(data / "latents.parquet")
    z = codes_from(latents[latents["split"] == "fit"])
    variants = {
        "manifold (centroid loss)": ("manifold", {}),
        "manifold (no centroid loss)": ("manifold", {"centroid_weight": 0.0}),
        "voynov_linear": ("voynov_linear", {}),
    }
    table = {}
    for label, (name, override) in variants.items():
        hyper = {**resolve(name, params[name]), **override, **({"iterations": iterations} if iterations else {})}
        start = time.perf_counter()
        method = build_method(**hyper).fit(z, None, gen, pred)
        corr = factor_correlations(method, gen, z[:512], hyper["eps_max"])
        table[label] = corr.max(0).values.numpy()
        print(f"{label}: fit {time.perf_counter() - start:.0f} s, reconstructor accuracy {method.accuracy_:.2f}")
    frame = pd.DataFrame(table, index=gen.schema.names).T
    frame["mean"] = frame.mean(axis=1)
    print("\nbest |corr(eps, factor change)| over directions, per true factor")
    print(frame.round(3).to_markdown())


if __name__ == "__main__":
    main()

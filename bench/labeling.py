"""Labeling throughput: the label_latents computation against the raw batched G + C loop.

Both label the same codes with the same batch size in one process; the ratio is
raw-loop time over labeling time (target at least 0.9).

    python -m bench.labeling [--workspace .] [--dataset shapes] [--codes 4200]
"""
from __future__ import annotations

from pathlib import Path

import click
import torch

from bench.common import best_time, networks
from pipeline_lib.attributes.measure import measure


@click.command()
@click.option("--workspace", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dataset", default="shapes")
@click.option("--codes", default=4200, show_default=True)
def main(workspace, dataset, codes):
    params, gen, pred = networks(workspace, dataset)
    batch = params["edit"]["batch_size"]
    z = gen.sample(codes, 0)

    def raw():
        with torch.no_grad():
            for chunk in z.split(batch):
                pred(gen(chunk))

    raw_s, label_s = best_time(raw), best_time(lambda: measure(gen, pred, z, batch))
    print(f"| labeling throughput ({dataset}) | {codes / label_s:.0f} codes/s | raw loop {codes / raw_s:.0f} "
          f"codes/s | ratio {raw_s / label_s:.2f} (target >= 0.9) |")


if __name__ == "__main__":
    main()

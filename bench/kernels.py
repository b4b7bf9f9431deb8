"""What the CPU kernel path costs and changes: one workload under each path torch can be pinned to.

torch picks its kernels per instruction set: ATen's vectorised ops (``ATEN_CPU_CAPABILITY``), oneDNN's
convolutions and matmuls (``ONEDNN_MAX_CPU_ISA``) and MKL's BLAS (``MKL_ENABLE_INSTRUCTIONS``;
``MKL_CBWR=COMPATIBLE`` makes its results CPU-independent). Each path runs the same seeded workload
in a fresh process, interleaved over ``--repeats`` rounds: the shapes predictor trained for a few
epochs on rendered images, then ``C(G(z))`` on held-out codes. Prints, per path, the best wall time,
its ratio to the native path, and the largest difference of the trained predictor's outputs from
the native path's (0: bit-identical).

    python -m bench.kernels [--samples 2000] [--epochs 3] [--repeats 2]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import click
import torch

PATHS = {
    "native": {},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "baseline": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_CBWR": "COMPATIBLE"},
}


def workload(samples: int, epochs: int) -> list[list[float]]:
    """Train the shapes predictor on ``samples`` renders; its outputs (256, 6) on held-out codes."""
    from pipeline_lib.attributes.predictor import AttributePredictor, train_predictor
    from pipeline_lib.data.generators import build_generator
    from pipeline_lib.util.runtime import make_deterministic

    make_deterministic(0, threads=1)
    gen = build_generator("shapes", seed=11)
    z = gen.sample(samples + 256, seed=1)
    with torch.no_grad():
        images, targets = gen(z), gen.attributes(z)
    model = AttributePredictor(gen.schema, gen.resolution)
    train_predictor(model, images[:samples], targets[:samples], epochs=epochs, batch_size=128, lr=0.002, seed=2)
    with torch.no_grad():
        return model(images[samples:]).tolist()


@click.command()
@click.option("--samples", default=2000, show_default=True, help="Rendered training images.")
@click.option("--epochs", default=3, show_default=True)
@click.option("--repeats", default=2, show_default=True, help="Interleaved rounds; the best time counts.")
@click.option("--worker", is_flag=True, hidden=True)
def main(samples, epochs, repeats, worker):
    if worker:
        start = time.perf_counter()
        outputs = workload(samples, epochs)
        print(json.dumps({"seconds": time.perf_counter() - start, "outputs": outputs}))
        return
    times, outputs = {p: [] for p in PATHS}, {}
    cmd = [sys.executable, "-m", "bench.kernels", "--worker", "--samples", str(samples), "--epochs", str(epochs)]
    for _ in range(repeats):
        for path, env in PATHS.items():
            done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            times[path].append(result["seconds"])
            outputs[path] = torch.tensor(result["outputs"])
    native = min(times["native"])
    print(f"{'path':<10} {'seconds':>8} {'ratio':>6} {'max |diff| vs native':>22}")
    for path in PATHS:
        diff = (outputs[path] - outputs["native"]).abs().max().item()
        print(f"{path:<10} {min(times[path]):>8.2f} {min(times[path]) / native:>6.2f} {diff:>22.2e}")


if __name__ == "__main__":
    main()

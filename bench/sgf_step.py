"""SGF editor cost and exactness, measured within one run on one batch.

Prints (1) one closed-loop SGF step (re-measure c = C(G(z)), then the Neumann-series step)
over one G + C forward, for K in {1, 3, 5}; (2) our batched forward-mode editor against a
full-Jacobian re-implementation (torch.autograd.functional.jacobian per code) and a
finite-difference one: speed ratio and max deviation of the resulting codes, at latent
dimensions 32, 128 and 512. Networks have random weights: cost does not depend on training.
F is used as the editor uses it, its spectral normalisation baked in (``frozen``).

    python -m bench.sgf_step [--batch 64] [--repeats 5]
"""
from __future__ import annotations

import click
import torch

from bench.common import best_time
from pipeline_lib.data.generators import build_generator
from pipeline_lib.methods.sgf import AuxiliaryMapping, frozen, neumann_step
from pipeline_lib.methods.sgf_reference import full_jacobian_step
from pipeline_lib.attributes.predictor import AttributePredictor


def finite_difference_step(mapping, z, c, dc, terms, eps=1e-3):
    """The other approach we replace: J v ~ (F(x + eps v) - F(x)) / eps, batched."""
    base = mapping(z, c)
    v = (mapping(z, c + eps * dc) - base) / eps
    u = v
    for _ in range(terms):
        u = (mapping(z + eps * u, c) - base) / eps
        v = v + u
    return v


@click.command()
@click.option("--batch", default=64, show_default=True)
@click.option("--repeats", default=5, show_default=True)
@click.option("--width", default=256, show_default=True, help="F's hidden width (params.yaml: methods.sgf.width).")
@click.option("--depth", default=4, show_default=True)
def main(batch, repeats, width, depth):
    torch.manual_seed(0)
    torch.set_num_threads(torch.get_num_threads())
    print(f"threads={torch.get_num_threads()} batch={batch} F={depth}x{width}")
    print("\n(1) one SGF step / one G + C forward, latent dim 32")
    gen = build_generator("shapes", latent_dim=32).eval()
    pred = AttributePredictor(gen.schema, gen.resolution).eval().requires_grad_(False)
    mapping = frozen(AuxiliaryMapping(32, 6, width, depth))
    z = gen.sample(batch, 1)
    with torch.no_grad():
        forward = best_time(lambda: pred(gen(z)), repeats)
        c = pred(gen(z))
        dc = 0.05 * torch.randn_like(c)
        for k in (1, 3, 5):
            step = best_time(lambda: (pred(gen(z)), neumann_step(mapping, z, c, dc, k)), repeats)
            print(f"  K={k}: step {step * 1e3:7.2f} ms  forward {forward * 1e3:7.2f} ms  ratio {step / forward:5.2f}")

    print("\n(2) editor vs full Jacobian vs finite differences (K=3; time for the batch, max |code difference|)")
    print(f"  {'dim':>5} {'ours ms':>9} {'jacobian ms':>12} {'speed-up':>9} {'max dev':>9} {'fin.diff ms':>12} {'fd max dev':>11}")
    for d in (32, 128, 512):
        mapping = frozen(AuxiliaryMapping(d, 6, width, depth))
        z, c = torch.randn(batch, d), torch.rand(batch, 6)
        dc = 0.05 * torch.randn(batch, 6)
        with torch.no_grad():
            ours_t = best_time(lambda: neumann_step(mapping, z, c, dc, 3), repeats)
            fd_t = best_time(lambda: finite_difference_step(mapping, z, c, dc, 3), repeats)
            ours, fd = neumann_step(mapping, z, c, dc, 3), finite_difference_step(mapping, z, c, dc, 3)
        full_t = best_time(lambda: full_jacobian_step(mapping, z, c, dc, 3), max(1, repeats // 3))
        full = full_jacobian_step(mapping, z, c, dc, 3)
        print(f"  {d:>5} {ours_t * 1e3:9.2f} {full_t * 1e3:12.1f} {full_t / ours_t:8.1f}x "
              f"{(ours - full).abs().max().item():9.2e} {fd_t * 1e3:12.2f} {(fd - full).abs().max().item():11.2e}")


if __name__ == "__main__":
    main()

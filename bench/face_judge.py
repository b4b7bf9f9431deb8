"""How the faces judge finds landmarks: the full MTCNN cascade against ONet alone on the frame.

On ``--samples`` generated faces (seed ``--seed``) each variant reports its detection rate
(probability >= 0.7), landmark agreement with the reference cascade (on the image upsampled to
160 px, as facenet-pytorch would be run), its repeatability (the same image shifted by 2 px right
and 1 px down, the shift taken back: landmark change), both as the mean landmark distance over the
eye distance (NME), and its cost per image, batched, on ``--threads`` threads.

    python -m bench.face_judge [--samples 200] [--threads 1]
"""
from __future__ import annotations

import time

import click
import torch
from torch.nn import functional as F

from pipeline_lib.attributes.face_judge import build_judge
from pipeline_lib.data.generators.face_dcgan import FILE, PACKAGE, packaged_file, read_packaged_weights

SHIFT = (2, 1)  # pixels right, down


def _shifted(images: torch.Tensor) -> torch.Tensor:
    dx, dy = SHIFT
    return F.pad(images, (dx, 0, dy, 0), mode="replicate")[..., : images.shape[-2], : images.shape[-1]]


def _nme(a: torch.Tensor, b: torch.Tensor, ok: torch.Tensor) -> float:
    eye = (b[:, 1] - b[:, 0]).norm(dim=1)
    return ((a - b).norm(dim=2).mean(1) / eye)[ok].mean().item()


@click.command()
@click.option("--samples", default=200, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--threads", default=1, show_default=True)
def main(samples, seed, threads):
    torch.set_num_threads(threads)
    gen = read_packaged_weights(packaged_file(PACKAGE, FILE))
    with torch.no_grad():
        images = gen(gen.sample(samples, seed))
    big = F.interpolate(images, size=160, mode="bilinear", align_corners=False)
    ref_prob, _, ref_marks = build_judge("cascade").detect(big)
    ref_marks = ref_marks * 64 / 160
    variants = {"cascade 160 px": ("cascade", {}, big, 64 / 160), "cascade 64 px": ("cascade", {}, images, 1.0),
                **{f"onet, refine {r}": ("onet", {"refine": r}, images, 1.0) for r in (0, 1, 2)}}
    print(f"| variant | detected | NME vs cascade 160 | NME under a shift | ms / image ({threads} thread) |")
    print("|---|---|---|---|---|")
    for name, (mode, config, x, unit) in variants.items():
        judge = build_judge(mode, **config)
        times = []
        for _ in range(3):  # the best of three: the machine is shared
            start = time.perf_counter()
            prob, _, marks = _chunked(judge, x)
            times.append(time.perf_counter() - start)
        ms = min(times) * 1000 / samples
        marks = marks * unit
        ok = prob >= judge.threshold
        shifted = _shifted(x)
        _, _, marks_s = _chunked(judge, shifted)
        marks_s = (marks_s - torch.tensor(SHIFT, dtype=torch.float32)) * unit
        both = ok & (ref_prob >= 0.7)
        print(f"| {name} | {int(ok.sum())} / {samples} | {_nme(marks, ref_marks, both):.4f} | "
              f"{_nme(marks_s, marks, ok & ~marks_s.isnan().any(2).any(1)):.4f} | {ms:.2f} |")


@torch.no_grad()
def _chunked(judge, x):
    """``judge.detect`` in the judge's batches of ``chunk`` images."""
    outs = [judge.detect(c) for c in x.split(judge.chunk)]
    return tuple(torch.cat(v) for v in zip(*outs))


if __name__ == "__main__":
    main()

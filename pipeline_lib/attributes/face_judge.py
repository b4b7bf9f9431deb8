"""The faces judge: MTCNN's box and five landmarks, turned into attributes in [0, 1].

``forward(images (n, 3, H, W) in [0, 1]) -> (n, n_attr)``; a row of NaN where no face is found
(face probability below ``threshold``). How the landmarks are found is ``mode``:

- ``onet`` (the default): MTCNN's output network alone on the whole frame, then once more on the
  square around the box it regressed (``refine`` passes). The generator's faces fill a centred
  frame, so PNet's search is not needed; see ``bench/face_judge.py`` for the measurement.
- ``cascade``: the full PNet -> RNet -> ONet cascade (minimum face ``min_face`` pixels), the most
  probable face of each image.

Raw measures from the box ``(x1, y1, x2, y2)`` and landmarks (left eye, right eye, nose, left and
right mouth corner, left/right as seen), coordinates in units of the image side:

- ``yaw``: the nose's offset from the eye midpoint along the eye line, over the eye distance;
- ``roll``: the eye line's angle (radians, positive when the right eye sits lower);
- ``pitch``: eye-midpoint-to-nose over nose-to-mouth-midpoint distance (a proxy);
- ``mouth``: mouth width over eye distance; ``scale``: eye distance; ``centre_x``, ``centre_y``: the box centre;
- ``face_brightness``, ``background_brightness``: mean intensity inside and outside the box.

Each maps to [0, 1] through its empirical CDF on generated samples (``cdf``: (n_measures, knots),
calibrated by :func:`calibrate`; a monotone piecewise-linear map, so a sign flip of yaw or roll
mirrors about the median only when the calibration samples are symmetric). The ``landmarks`` group
holds the ten landmark coordinates in units of the side (x then y per point), clamped to the frame
(ONet regresses a landmark of a face pushed to the edge slightly outside it, e.g. 1.01).
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from pipeline_lib.attributes import mtcnn
from pipeline_lib.config.catalog import MTCNN_MEASURES, MTCNN_SCHEMA
from pipeline_lib.data.generators.face_dcgan import packaged_file
from pipeline_lib.util.weights import WeightFileError, check_state_dict, load_checkpoint, save_checkpoint

NETWORKS = {"pnet": mtcnn.PNet, "rnet": mtcnn.RNet, "onet": mtcnn.ONet}
PACKAGE = "facenet_pytorch"
KIND = "mtcnn"


def read_packaged_networks() -> dict[str, dict[str, torch.Tensor]]:
    """The three state dicts bundled in the installed facenet-pytorch wheel, each checked key by key."""
    out = {}
    for name, cls in NETWORKS.items():
        path = packaged_file(PACKAGE, f"data/{name}.pt")
        state = torch.load(path, map_location="cpu", weights_only=True)
        check_state_dict(cls().state_dict(), state, f"{path} does not fit MTCNN's {name}")
        out[name] = state
    return out


def raw_measures(images: torch.Tensor, boxes: torch.Tensor, marks: torch.Tensor) -> torch.Tensor:
    """(n, 3, H, W), boxes (n, 4) and landmarks (n, 5, 2) in pixels -> (n, len(MTCNN_MEASURES)) raw measures."""
    side = images.shape[-1]
    eye_l, eye_r, nose, m_l, m_r = marks.unbind(1)
    eyes, mouth = (eye_l + eye_r) / 2, (m_l + m_r) / 2
    axis = eye_r - eye_l
    eye_dist = axis.norm(dim=1).clamp_min(1e-6)
    yaw = ((nose - eyes) * axis).sum(1) / eye_dist ** 2
    roll = torch.atan2(axis[:, 1], axis[:, 0])
    pitch = (nose - eyes).norm(dim=1) / (mouth - nose).norm(dim=1).clamp_min(1e-6)
    mouth_ratio = (m_r - m_l).norm(dim=1) / eye_dist
    ys = torch.arange(images.shape[-2], device=images.device, dtype=images.dtype)[None, :, None] + 0.5
    xs = torch.arange(side, device=images.device, dtype=images.dtype)[None, None, :] + 0.5
    b = boxes[:, :, None, None]
    inside = ((xs >= b[:, 0]) & (xs <= b[:, 2]) & (ys >= b[:, 1]) & (ys <= b[:, 3])).to(images.dtype)
    grey = images.mean(1)
    face = (grey * inside).sum((1, 2)) / inside.sum((1, 2)).clamp_min(1)
    background = (grey * (1 - inside)).sum((1, 2)) / (1 - inside).sum((1, 2)).clamp_min(1)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2 / side
    return torch.stack([yaw, roll, pitch, mouth_ratio, eye_dist / side, centre[:, 0], centre[:, 1], face, background], 1)


def cdf_map(values: torch.Tensor, knots: torch.Tensor) -> torch.Tensor:
    """(n, m) raw values -> [0, 1] through each column's quantile knots (m, k): piecewise linear, clamped."""
    k = knots.shape[1]
    levels = torch.linspace(0, 1, k, dtype=values.dtype, device=values.device)
    out = torch.empty_like(values)
    for j in range(values.shape[1]):
        x = values[:, j].contiguous()
        i = torch.searchsorted(knots[j].contiguous(), x).clamp(1, k - 1)
        lo, hi = knots[j, i - 1], knots[j, i]
        t = ((x - lo) / (hi - lo).clamp_min(1e-12)).clamp(0, 1)
        out[:, j] = levels[i - 1] + t * (levels[i] - levels[i - 1])
    return out


class FaceJudge(nn.Module):
    """MTCNN-based judge; ``cdf`` (len(MTCNN_MEASURES), knots) maps raw measures to [0, 1]."""

    kind = KIND

    def __init__(self, cdf: torch.Tensor | None = None, mode: str = "onet", refine: int = 1, threshold: float = 0.7,
                 min_face: float = 20.0, chunk: int = 64):
        super().__init__()
        if mode not in ("onet", "cascade"):
            raise ValueError(f"judge mode must be 'onet' or 'cascade', got {mode!r}")
        self.mode, self.refine, self.threshold, self.min_face, self.chunk = mode, refine, threshold, min_face, chunk
        self.nets = nn.ModuleDict({name: cls() for name, cls in NETWORKS.items()})
        self.register_buffer("cdf", cdf if cdf is not None else torch.empty(len(MTCNN_MEASURES), 0))
        self.schema = MTCNN_SCHEMA

    def config(self) -> dict:
        return {"mode": self.mode, "refine": self.refine, "threshold": self.threshold, "min_face": self.min_face}

    def detect(self, images: torch.Tensor):
        """(n, 3, H, W) in [0, 1] -> face prob (n,), box (n, 4), landmarks (n, 5, 2) in pixels."""
        if self.mode == "cascade":
            return mtcnn.cascade(self.nets, images, self.min_face)
        h, w = images.shape[-2:]
        frame = images.new_tensor([0.0, 0.0, w, h]).expand(len(images), 4)
        prob, box, marks = mtcnn.output_net(self.nets["onet"], images, frame)
        for _ in range(self.refine):
            prob, box, marks = mtcnn.output_net(self.nets["onet"], images, mtcnn.square(box))
        return prob, box, marks

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat([self._judge(c) for c in images.split(self.chunk)])

    def _judge(self, images: torch.Tensor) -> torch.Tensor:
        prob, box, marks = self.detect(images)
        if self.cdf.shape[1] == 0:
            raise RuntimeError("the judge is not calibrated: build it with calibrate() or load_face_judge()")
        values = torch.cat([cdf_map(raw_measures(images, box, marks), self.cdf),
                            (marks.flatten(1) / images.shape[-1]).clamp(0, 1)], 1)
        values[prob < self.threshold] = math.nan
        return values


def build_judge(mode: str = "onet", **config) -> FaceJudge:
    """An uncalibrated judge holding the packaged MTCNN weights."""
    judge = FaceJudge(mode=mode, **config)
    for name, state in read_packaged_networks().items():
        judge.nets[name].load_state_dict(state)
    return judge.eval().requires_grad_(False)


@torch.no_grad()
def calibrate(judge: FaceJudge, images: torch.Tensor, knots: int = 101) -> dict[str, float]:
    """Set ``judge.cdf`` to the quantiles of the raw measures on ``images`` (the detected faces); return
    the detection rate."""
    found, raw = [], []
    for chunk in images.split(judge.chunk):
        prob, box, marks = judge.detect(chunk)
        ok = prob >= judge.threshold
        found.append(ok)
        raw.append(raw_measures(chunk, box, marks)[ok])
    raw = torch.cat(raw)
    if len(raw) < 2:
        raise RuntimeError(f"the judge found a face in {len(raw)} of {len(images)} calibration images; "
                           "cannot calibrate (is the generator a face GAN?)")
    knots_ = torch.quantile(raw.double(), torch.linspace(0, 1, knots, dtype=torch.float64), dim=0).T.float()
    judge.cdf = knots_.contiguous()
    return {"detection_rate": torch.cat(found).float().mean().item()}


def save_judge(judge: FaceJudge, path: str | Path, **info) -> None:
    save_checkpoint({"kind": KIND, "config": judge.config(), "schema": MTCNN_SCHEMA.to_dict(), "cdf": judge.cdf,
                     "state_dict": {k: v for k, v in judge.nets.state_dict().items()}, **info}, path)


def load_face_judge(path: str | Path, device: torch.device | str = "cpu") -> FaceJudge:
    """The calibrated judge from its file, every network key checked."""
    ckpt = load_checkpoint(path, required=("kind", "config", "cdf", "state_dict"))
    if ckpt["kind"] != KIND:
        raise WeightFileError(f"judge file {path} holds kind {ckpt['kind']!r}, expected {KIND!r}")
    judge = FaceJudge(ckpt["cdf"], **ckpt["config"])
    check_state_dict(judge.nets.state_dict(), ckpt["state_dict"], f"judge file {path} does not fit MTCNN")
    judge.nets.load_state_dict(ckpt["state_dict"])
    return judge.to(device).eval().requires_grad_(False)

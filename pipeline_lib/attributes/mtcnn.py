"""MTCNN (Zhang et al. 2016) on image batches: the three networks and the cascade, NMS in torch.

The networks' layer names and shapes are those of ``facenet-pytorch==2.6.0``'s bundled state dicts
(``facenet_pytorch/data/{pnet,rnet,onet}.pt``, MIT), so those files load into these modules with
every key checked. Images are (n, 3, H, W) in [0, 1]; boxes are ``(x1, y1, x2, y2)`` in pixels of
the input (the image spans [0, W] x [0, H]); landmarks (n, 5, 2) are ``(x, y)`` of the left eye, right
eye, nose, left and right mouth corner (left and right as seen in the image).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

THRESHOLDS = (0.6, 0.7, 0.7)   # face probability kept after PNet, RNet, ONet (MTCNN's defaults)
PYRAMID_FACTOR = 0.709         # scale step of PNet's image pyramid


def _normalise(images: torch.Tensor) -> torch.Tensor:
    """[0, 1] -> the networks' input range, (255 x - 127.5) / 128."""
    return (images * 255 - 127.5) * 0.0078125


def _flat(x: torch.Tensor) -> torch.Tensor:
    """(n, c, h, w) -> (n, w*h*c) in the (w, h, c) order the converted dense weights expect."""
    return x.permute(0, 3, 2, 1).flatten(1)


class PNet(nn.Module):
    """Fully convolutional proposal net: (n, 3, H, W) -> box offsets (n, 4, h, w), face prob (n, h, w)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 10, 3), nn.PReLU(10)
        self.conv2, self.prelu2 = nn.Conv2d(10, 16, 3), nn.PReLU(16)
        self.conv3, self.prelu3 = nn.Conv2d(16, 32, 3), nn.PReLU(32)
        self.conv4_1, self.conv4_2 = nn.Conv2d(32, 2, 1), nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = F.max_pool2d(self.prelu1(self.conv1(x)), 2, 2, ceil_mode=True)
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        return self.conv4_2(x), self.conv4_1(x).softmax(1)[:, 1]


class RNet(nn.Module):
    """Refinement net on 24x24 crops: -> box offsets (n, 4), face prob (n,)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 28, 3), nn.PReLU(28)
        self.conv2, self.prelu2 = nn.Conv2d(28, 48, 3), nn.PReLU(48)
        self.conv3, self.prelu3 = nn.Conv2d(48, 64, 2), nn.PReLU(64)
        self.dense4, self.prelu4 = nn.Linear(576, 128), nn.PReLU(128)
        self.dense5_1, self.dense5_2 = nn.Linear(128, 2), nn.Linear(128, 4)

    def forward(self, x):
        x = F.max_pool2d(self.prelu1(self.conv1(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.prelu2(self.conv2(x)), 3, 2, ceil_mode=True)
        x = self.prelu4(self.dense4(_flat(self.prelu3(self.conv3(x)))))
        return self.dense5_2(x), self.dense5_1(x).softmax(1)[:, 1]


class ONet(nn.Module):
    """Output net on 48x48 crops: -> box offsets (n, 4), landmarks (n, 10: 5 x then 5 y, in units of
    the crop), face prob (n,)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.prelu1 = nn.Conv2d(3, 32, 3), nn.PReLU(32)
        self.conv2, self.prelu2 = nn.Conv2d(32, 64, 3), nn.PReLU(64)
        self.conv3, self.prelu3 = nn.Conv2d(64, 64, 3), nn.PReLU(64)
        self.conv4, self.prelu4 = nn.Conv2d(64, 128, 2), nn.PReLU(128)
        self.dense5, self.prelu5 = nn.Linear(1152, 256), nn.PReLU(256)
        self.dense6_1, self.dense6_2, self.dense6_3 = nn.Linear(256, 2), nn.Linear(256, 4), nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(self.prelu1(self.conv1(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.prelu2(self.conv2(x)), 3, 2, ceil_mode=True)
        x = F.max_pool2d(self.prelu3(self.conv3(x)), 2, 2, ceil_mode=True)
        x = self.prelu5(self.dense5(_flat(self.prelu4(self.conv4(x)))))
        return self.dense6_2(x), self.dense6_3(x), self.dense6_1(x).softmax(1)[:, 1]


def crop(images: torch.Tensor, index: torch.Tensor, boxes: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear crops (k, 3, size, size) of ``images[index]`` inside ``boxes`` (k, 4); black outside the image."""
    h, w = images.shape[-2:]
    theta = boxes.new_zeros(len(boxes), 2, 3)
    theta[:, 0, 0] = (boxes[:, 2] - boxes[:, 0]) / w
    theta[:, 0, 2] = (boxes[:, 0] + boxes[:, 2]) / w - 1
    theta[:, 1, 1] = (boxes[:, 3] - boxes[:, 1]) / h
    theta[:, 1, 2] = (boxes[:, 1] + boxes[:, 3]) / h - 1
    grid = F.affine_grid(theta, [len(boxes), 3, size, size], align_corners=False)
    return F.grid_sample(images[index], grid, align_corners=False, padding_mode="zeros")


def square(boxes: torch.Tensor) -> torch.Tensor:
    """(k, 4) -> the squares with the same centres and the longer side."""
    centre, side = (boxes[:, :2] + boxes[:, 2:]) / 2, (boxes[:, 2:] - boxes[:, :2]).amax(1, keepdim=True)
    return torch.cat([centre - side / 2, centre + side / 2], 1)


def regress(boxes: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Apply the networks' box offsets (k, 4), in units of the box's width and height."""
    wh = (boxes[:, 2:] - boxes[:, :2]).repeat(1, 2)
    return boxes + offsets * wh


def nms(boxes: torch.Tensor, scores: torch.Tensor, index: torch.Tensor, threshold: float, by_min: bool = False) -> torch.Tensor:
    """Indices kept by greedy non-maximum suppression within each image ``index``: a box goes when its
    overlap with a better-scoring kept box (IoU, or intersection over the smaller area) exceeds ``threshold``."""
    order = scores.argsort(descending=True, stable=True)
    boxes, index = boxes[order], index[order]
    lo, hi = torch.maximum(boxes[:, None, :2], boxes[None, :, :2]), torch.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = (hi - lo).clamp_min(0).prod(-1)
    area = (boxes[:, 2:] - boxes[:, :2]).prod(-1)
    denom = torch.minimum(area[:, None], area[None]) if by_min else area[:, None] + area[None] - inter
    clash = (inter / denom.clamp_min(1e-9) > threshold) & (index[:, None] == index[None])
    alive = torch.ones(len(boxes), dtype=torch.bool, device=boxes.device)
    keep = []
    while alive.any():
        i = int(alive.nonzero()[0])
        keep.append(i)
        alive &= ~clash[i]
        alive[i] = False
    return order[torch.tensor(keep, dtype=torch.long, device=boxes.device)]


def _proposals(pnet: PNet, images: torch.Tensor, min_face: float):
    """PNet over the image pyramid: candidate boxes (k, 4), scores (k,), image index (k,)."""
    h, w = images.shape[-2:]
    scale, side = 12.0 / min_face, min(h, w) * 12.0 / min_face
    boxes, scores, index = [], [], []
    while side >= 12:
        scaled = F.interpolate(images, size=(math.ceil(h * scale), math.ceil(w * scale)), mode="area")
        offsets, prob = pnet(_normalise(scaled))
        img, row, col = (prob >= THRESHOLDS[0]).nonzero(as_tuple=True)
        cell = torch.stack([col, row], 1).to(images.dtype) * 2
        b = torch.cat([cell, cell + 12], 1) / scale
        b = regress(b, offsets[img, :, row, col])
        s = prob[img, row, col]
        keep = nms(b, s, img, 0.5)
        boxes.append(b[keep]), scores.append(s[keep]), index.append(img[keep])
        scale, side = scale * PYRAMID_FACTOR, side * PYRAMID_FACTOR
    return torch.cat(boxes), torch.cat(scores), torch.cat(index)


def cascade(nets: dict[str, nn.Module], images: torch.Tensor, min_face: float = 20.0):
    """The full MTCNN cascade, one face per image (the most probable).

    Returns prob (n,) (0 where no face passed), boxes (n, 4) and landmarks (n, 5, 2) (NaN where none).
    """
    n = len(images)
    boxes, scores, index = _proposals(nets["pnet"], images, min_face)
    keep = nms(boxes, scores, index, 0.7)
    boxes, index = square(boxes[keep]), index[keep]
    if len(boxes):
        offsets, prob = nets["rnet"](_normalise(crop(images, index, boxes, 24)))
        ok = prob > THRESHOLDS[1]
        boxes, prob, index, offsets = boxes[ok], prob[ok], index[ok], offsets[ok]
        keep = nms(boxes, prob, index, 0.7)
        boxes, index = square(regress(boxes[keep], offsets[keep])), index[keep]
    out_prob, out_box = images.new_zeros(n), images.new_full((n, 4), math.nan)
    out_marks = images.new_full((n, 5, 2), math.nan)
    if len(boxes):
        offsets, marks, prob = nets["onet"](_normalise(crop(images, index, boxes, 48)))
        ok = prob > THRESHOLDS[2]
        boxes, prob, index, offsets, marks = boxes[ok], prob[ok], index[ok], offsets[ok], marks[ok]
        marks = boxes[:, None, :2] + torch.stack([marks[:, :5], marks[:, 5:]], -1) * (boxes[:, None, 2:] - boxes[:, None, :2])
        boxes = regress(boxes, offsets)
        # the best box of each image: scatter in ascending probability, so the last (best) write wins
        order = prob.argsort(stable=True)
        out_prob[index[order]], out_box[index[order]], out_marks[index[order]] = prob[order], boxes[order], marks[order]
    return out_prob, out_box, out_marks


def output_net(onet: ONet, images: torch.Tensor, frame: torch.Tensor):
    """ONet alone on one box per image ``frame`` (n, 4): prob (n,), regressed boxes (n, 4), landmarks (n, 5, 2)."""
    offsets, marks, prob = onet(_normalise(crop(images, torch.arange(len(images), device=images.device), frame, 48)))
    size = frame[:, None, 2:] - frame[:, None, :2]
    marks = frame[:, None, :2] + torch.stack([marks[:, :5], marks[:, 5:]], -1) * size
    return prob, regress(frame, offsets), marks

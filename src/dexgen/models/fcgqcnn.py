"""FC-GQ-CNN: the GQ-CNN's fully connected layers as convolutions, scoring every crop at once.

``DexNetFCGQCNN`` maps a (B, 1, H, W) normalised depth image and one pose per image to a (B, 2, h, w)
logit heatmap; cell (i, j) scores the ``im_size`` crop whose top-left corner is
``(i * stride, j * stride)``, i.e. the grasp centred at pixel ``(j * stride + im_size / 2,
i * stride + im_size / 2)`` (x, y). ``fakeFCGQCNN`` computes the same map by cutting every such crop
and running the GQ-CNN on it: the slow reference.

The stride is the network's pool stride (4, or 2 without the second pool) by default; any divisor of
it, down to 1 (a score for every pixel), is computed exactly from the same weights by running the
later pools at stride 1 and dilating what follows (:meth:`ConvStack.dense`), rather than Dex-Net
5.0's HighResFCGQCNN, which approximates it by upsampling (0.013 from its own sliding window).

With VALID padding and floor pooling the two are equal to float rounding (``reference/dexnet.md``
§7): each crop's receptive field sees exactly the pixels the FC network's cell sees. With SAME
padding crop borders see zeros per crop but real context in the full image, so the map only
approximates the sliding window (Dex-Net 5.0's 0.135 maximum difference).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dexgen.errors import InputError
from dexgen.params.models import GQCNNConfig, feature_size
from dexgen.models.gqcnn import ConvStack, DexNetGQCNN


def heatmap_size(cfg: GQCNNConfig, height: int, width: int, stride: int | None = None) -> tuple[int, int]:
    """(h, w) of the heatmap for an H x W image: the number of crop positions at ``stride`` (default:
    the FC network's pool stride)."""
    s = cfg.stride if stride is None else stride
    return ((height - cfg.im_size) // s + 1, (width - cfg.im_size) // s + 1)


class DexNetFCGQCNN(nn.Module):
    """Fully convolutional GQ-CNN. ``forward(depth (B, 1, H, W), pose (B, P))`` -> logits (B, 2, h, w)."""

    def __init__(self, cfg: GQCNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.trunk = ConvStack(cfg)
        fd = feature_size(cfg)
        self.fc3 = nn.Conv2d(cfg.filters, cfg.fc3_size, fd)
        self.fc4_im = nn.Conv2d(cfg.fc3_size, cfg.fc4_size, 1)
        if cfg.use_pose:
            self.pc1 = nn.Linear(cfg.pose_dim, cfg.pose_fc_size)
            self.fc4_pose = nn.Linear(cfg.pose_fc_size, cfg.fc4_size, bias=False)
        self.fc5 = nn.Conv2d(cfg.fc4_size, 2, 1)

    def image_features(self, depth: torch.Tensor, stride: int | None = None) -> torch.Tensor:
        """fc4's image term (B, fc4, h, w) at ``stride`` (default: the pool stride), before the pose."""
        if min(depth.shape[-2:]) < self.cfg.im_size:
            raise ValueError(
                f"image {tuple(depth.shape[-2:])} is smaller than the {self.cfg.im_size}-pixel crop"
            )
        if stride is None or stride == self.cfg.stride:
            x = self.fc3(self.trunk(depth))
        else:
            features, dilation = self.trunk.dense(depth, stride)
            x = F.conv2d(features, self.fc3.weight, self.fc3.bias, dilation=dilation)
        h, w = heatmap_size(self.cfg, *depth.shape[-2:], stride)
        return self.fc4_im(F.relu(x[:, :, :h, :w]))  # SAME padding yields extra cells with no full crop

    def forward(self, depth: torch.Tensor, pose: torch.Tensor, stride: int | None = None) -> torch.Tensor:
        x = self.image_features(depth, stride)
        if self.cfg.use_pose:
            x = x + self.fc4_pose(F.relu(self.pc1(pose)))[:, :, None, None]  # one pose per image
        return self.fc5(F.relu(x))  # (B, 2, h, w)


class fakeFCGQCNN(DexNetGQCNN):  # lower-case f: the name Dex-Net 5.0 users know
    """The sliding-window reference: a DexNetGQCNN (same state dict) run on every crop.

    ``forward(depth (B, 1, H, W), pose (B, P), stride)`` -> logits (B, 2, h, w), like DexNetFCGQCNN.
    ``chunk`` bounds how many crops go through the network at once.
    """

    chunk = 4096

    def forward(self, depth: torch.Tensor, pose: torch.Tensor, stride: int | None = None) -> torch.Tensor:
        b = depth.shape[0]
        c, s = self.cfg.im_size, self.cfg.stride if stride is None else stride
        h, w = heatmap_size(self.cfg, *depth.shape[-2:], s)
        crops = depth.unfold(2, c, s).unfold(3, c, s)[:, :, :h, :w]  # (B, 1, h, w, c, c)
        crops = crops.permute(0, 2, 3, 1, 4, 5).reshape(b * h * w, 1, c, c)
        poses = pose.repeat_interleave(h * w, dim=0)
        out = torch.cat(
            [
                super(fakeFCGQCNN, self).forward(crops[i : i + self.chunk], poses[i : i + self.chunk])
                for i in range(0, len(crops), self.chunk)
            ]
        )
        return out.reshape(b, h, w, 2).permute(0, 3, 1, 2)


def gqcnn_to_fcgqcnn(state: dict[str, torch.Tensor], cfg: GQCNNConfig) -> dict[str, torch.Tensor]:
    """DexNetGQCNN weights -> DexNetFCGQCNN weights for architecture ``cfg``.

    fc3 ``(out, C*fd*fd)`` becomes the conv kernel ``(out, C, fd, fd)`` (PyTorch flattens C, H, W, so a
    reshape is exact); fc4_im and fc5 become 1x1 convs; conv, pc1 and fc4_pose are copied. Every key
    and shape is checked first; a mismatch raises :class:`InputError` naming the key.
    """
    source_shapes = {k: tuple(v.shape) for k, v in DexNetGQCNN(cfg).state_dict().items()}
    target = DexNetFCGQCNN(cfg).state_dict()
    missing = sorted(set(source_shapes) - set(state))
    unexpected = sorted(set(state) - set(source_shapes))
    if missing:
        raise InputError(f"GQ-CNN weights lack key {missing[0]!r} (missing: {missing})")
    if unexpected:
        raise InputError(
            f"GQ-CNN weights have unexpected key {unexpected[0]!r} for this architecture: {unexpected}"
        )
    for key, shape in source_shapes.items():
        if tuple(state[key].shape) != shape:
            raise InputError(f"GQ-CNN weight {key!r} has shape {tuple(state[key].shape)}, expected {shape}")
    out = {}
    for key, value in target.items():
        out[key] = state[key].reshape(value.shape).clone()
    return out

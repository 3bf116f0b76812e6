"""EfficientNet: torchvision ``efficientnet_b0`` (untrained, nothing downloaded) with a linear head.

Dex-Net 5.0's variant: the 32x32 depth crop is resized to ``input_size`` (224 there) and repeated to
three channels; the 1,280 pooled features go through one linear layer to 2 logits. Unlike Dex-Net
5.0 (which stacked ``Linear(1000, 2)`` on the ImageNet classifier and took softmax column 0) the head
replaces the classifier, and with ``use_pose`` the normalised pose is concatenated to the features
so the gripper depth reaches the decision.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dexgen.params.models import EfficientNetConfig


class EfficientNet(nn.Module):
    """``forward(depth (B, 1, h, w), pose (B, P))`` -> logits (B, 2); inputs normalised."""

    def __init__(self, cfg: EfficientNetConfig) -> None:
        super().__init__()
        try:
            from torchvision.models import efficientnet_b0
        except ImportError as exc:  # optional at import time, required when used
            raise ImportError(f"EfficientNet needs torchvision: {exc}") from exc
        self.cfg = cfg
        backbone = efficientnet_b0(weights=None)
        self.features = backbone.features
        self.avgpool = backbone.avgpool
        width = backbone.classifier[-1].in_features  # 1280
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(width + (cfg.pose_dim if cfg.use_pose else 0), 2)

    def forward(self, depth: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        size = self.cfg.input_size
        x = depth if depth.shape[-1] == size else F.interpolate(depth, size=(size, size), mode="bilinear")
        x = self.avgpool(self.features(x.expand(-1, 3, -1, -1))).flatten(1)  # (B, 1280)
        if self.cfg.use_pose:
            x = torch.cat([x, pose], dim=1)
        return self.head(self.dropout(x))

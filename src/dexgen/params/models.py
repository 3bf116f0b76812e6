"""Architecture configs of the grasp-quality networks (``params.yaml: models.<name>.arch``).

Declarations and shape arithmetic only, no torch: the params tree types every section when a stage
starts, so this module stays light. The networks live in :mod:`dexgen.models.gqcnn`,
:mod:`dexgen.models.efficientnet` and :mod:`dexgen.models.fcgqcnn`; :mod:`dexgen.models.registry`
maps names to them.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

TRAINABLE = ("DexNetGQCNN", "EfficientNet")  # crop classifiers; the FC models come from conversion


@dataclasses.dataclass(frozen=True)
class GQCNNConfig:
    """Architecture of DexNetGQCNN, DexNetFCGQCNN and fakeFCGQCNN (they share weights)."""

    pose_dim: int = 1  # pose columns fed to the net; set from the task (1: depth; suction 2: depth, angle)
    use_pose: bool = True  # false: image only (Dex-Net 5.0's variant)
    padding: Literal["valid", "same"] = "valid"  # valid: FC conversion is exact; same: gqcnn's original
    lrn: bool = True  # local response norm after conv1_2 and conv2_2, as gqcnn
    pool2: bool = True  # 2x2 pool after conv2_2 (gqcnn since 2018); false: the paper's single pool
    filters: int = 64  # channels of every conv layer
    fc3_size: int = 1024
    pose_fc_size: int = 16  # pc1 width: 16 (Dex-Net 2.0), 128 (3.0)
    fc4_size: int = 1024
    im_size: int = 32  # training crop, pixels

    def __post_init__(self) -> None:
        if self.pose_dim < 1 or self.im_size < 16 or min(self.filters, self.fc3_size, self.fc4_size) < 1:
            raise ValueError("pose_dim >= 1, im_size >= 16 and positive layer sizes are required")
        if feature_size(self) < 1:
            raise ValueError(
                f"im_size {self.im_size} is too small for the conv stack with padding {self.padding}"
            )

    @property
    def stride(self) -> int:
        """Output stride of the FC network: the product of the pool strides."""
        return 4 if self.pool2 else 2


# (name, kernel, pool after, lrn after)
CONVS = (
    ("conv1_1", 7, False, False),
    ("conv1_2", 5, True, True),
    ("conv2_1", 3, False, False),
    ("conv2_2", 3, None, True),
)


def conv_layers(cfg: GQCNNConfig) -> list[tuple[str, int, bool, bool]]:
    """The conv stack with ``pool2`` resolved."""
    return [(n, k, cfg.pool2 if pool is None else pool, lrn) for n, k, pool, lrn in CONVS]


def feature_size(cfg: GQCNNConfig) -> int:
    """Side of the last conv map for an ``im_size`` crop (gqcnn's ``fd``)."""
    size = cfg.im_size
    for _, k, pool, _ in conv_layers(cfg):
        if cfg.padding == "valid":
            size = size - k + 1
            size = size // 2 if pool else size
        else:
            size = math.ceil(size / 2) if pool else size
    return size


@dataclasses.dataclass(frozen=True)
class EfficientNetConfig:
    pose_dim: int = 1  # set from the task
    use_pose: bool = True  # concatenate the pose to the pooled features
    input_size: int = 224  # crops are resized to this (Dex-Net 5.0: 224; smaller trains much faster)
    dropout: float = 0.2  # torchvision's classifier dropout

    def __post_init__(self) -> None:
        if self.input_size < 32 or self.pose_dim < 1 or not 0 <= self.dropout < 1:
            raise ValueError("input_size >= 32, pose_dim >= 1 and 0 <= dropout < 1 are required")

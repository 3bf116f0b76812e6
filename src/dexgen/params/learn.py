"""Typed configs of the learning stages (``params.yaml``: ``model``, ``models.<name>``, ``tasks.<task>``).

Declarations only, no torch. Section defaults are the committed ``params.yaml`` values (CPU-sized:
32 filters, 64 px EfficientNet input); the comments say what Dex-Net used.
:func:`dexgen.learn.setup.train_setup` turns these sections into what one task's training needs.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from dexgen.errors import ConfigError
from dexgen.params.models import TRAINABLE, EfficientNetConfig, GQCNNConfig
from dexgen.params.tasks import TASK_NAMES

Device = str  # "auto", "cpu", "cuda" or "cuda:<n>"


@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """gqcnn's defaults; ``enabled: false`` turns everything off (evaluation always runs without)."""

    enabled: bool = True
    gamma_shape: float = 1000.0  # multiplicative noise ~ Gamma(k, 1/k): mean 1, std 1/sqrt(k); 0 disables
    # The Gamma factor is a depth-scale error of the camera, so it scales the gripper depth read from
    # the same image too; gqcnn scaled the image only, moving it ~2 cm against the gripper at 0.7 m.
    gamma_scales_pose: bool = True
    gp_prob: float = 0.5  # probability of adding correlated Gaussian noise to an image
    gp_sigma: float = 0.005  # metres, std of the coarse noise grid
    gp_grid: int = 8  # coarse grid size, bicubic-upsampled to the image size
    symmetrize: bool = True  # random 180-degree rotation, left-right and up-down flips, p = 0.5 each

    def __post_init__(self) -> None:
        if self.gamma_shape < 0 or self.gp_sigma < 0 or not 0 <= self.gp_prob <= 1 or self.gp_grid < 2:
            raise ValueError(
                "gamma_shape >= 0, gp_sigma >= 0, 0 <= gp_prob <= 1 and gp_grid >= 2 are required"
            )


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    """Optimiser, schedule, batch and epochs of one model (defaults: gqcnn's Dex-Net 2.0 recipe)."""

    optimizer: Literal["sgd", "adam", "adamw"] = "sgd"
    lr: float = 0.01
    momentum: float = 0.9  # sgd only
    weight_decay: float = 5e-4  # on every parameter, biases included (gqcnn's L2)
    schedule: Literal["step", "exponential", "constant"] = "step"
    decay_rate: float = 0.95  # lr factor per decay period
    decay_every_epochs: float = 0.66  # step: staircase period in epochs; exponential decays every epoch
    batch_size: int = 64
    epochs: int = 50
    eval_batch_size: int = 1024  # inference batch for validation and evaluation

    def __post_init__(self) -> None:
        if self.lr <= 0 or self.batch_size < 1 or self.epochs < 1 or self.eval_batch_size < 1:
            raise ValueError("lr > 0, batch_size >= 1, eval_batch_size >= 1 and epochs >= 1 are required")
        if not 0 < self.decay_rate <= 1 or self.decay_every_epochs <= 0 or self.weight_decay < 0:
            raise ValueError("0 < decay_rate <= 1, decay_every_epochs > 0 and weight_decay >= 0 are required")


@dataclasses.dataclass(frozen=True)
class GQCNNSection:
    """``models.DexNetGQCNN``: architecture (``pose_dim`` comes from the task) and training recipe."""

    arch: GQCNNConfig = GQCNNConfig(filters=32)  # Dex-Net 2.0 had 64 filters (use them on a GPU)
    # Adam, not gqcnn's SGD (lr 0.01, momentum 0.9), which needs millions of points: on ~10k it sat at the
    # prior for epochs. gqcnn: 50 (2.0) / 25 (3.0) epochs on millions of points.
    train: OptimConfig = OptimConfig(optimizer="adam", lr=1e-3, epochs=8)


@dataclasses.dataclass(frozen=True)
class EfficientNetSection:
    """``models.EfficientNet``: Dex-Net 5.0's recipe (Adam, exponential decay) at a CPU-sized input."""

    arch: EfficientNetConfig = EfficientNetConfig(input_size=64)  # Dex-Net 5.0 used 224
    train: OptimConfig = OptimConfig(
        optimizer="adam", lr=1e-3, weight_decay=0.0, schedule="exponential", epochs=4, eval_batch_size=256
    )


# What each fully convolutional model is converted from (convert-weights), for its inference settings.
CONVERTED_FROM = {"DexNetFCGQCNN": "DexNetGQCNN", "fakeFCGQCNN": "DexNetGQCNN"}


@dataclasses.dataclass(frozen=True)
class ModelsConfig:
    """``models``: one section per trainable architecture, named as ``model.name`` names them."""

    DexNetGQCNN: GQCNNSection = GQCNNSection()
    EfficientNet: EfficientNetSection = EfficientNetSection()

    def section(self, name: str) -> GQCNNSection | EfficientNetSection:
        if name not in TRAINABLE:
            raise ConfigError(f"model.name {name!r} is not trainable; choose one of {list(TRAINABLE)}")
        return getattr(self, name)

    def eval_batch_size(self, model_name: str) -> int:
        """The inference batch of a checkpoint's model: a converted FC model's is its GQ-CNN's."""
        return self.section(CONVERTED_FROM.get(model_name, model_name)).train.eval_batch_size


@dataclasses.dataclass(frozen=True)
class ModelChoice:
    """``model``: the architecture every task trains (``dvc exp run -S model.name=EfficientNet``)."""

    name: Literal["DexNetGQCNN", "EfficientNet"] = "DexNetGQCNN"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    """``tasks.<task>``: labels, split and augmentation of one Dex-Net task."""

    threshold: float  # label = metric > threshold (2.0: 0.002 robust Ferrari-Canny; 3.0: 0.2)
    # The field the label is read from; None = the release's metric (robust_ferrari_canny for
    # parallel_jaw, robust_suction_wrench_resistance for suction). Synthesized parallel-jaw data
    # also has sim_success / sim_score, physics labels from our simulator.
    label_field: str | None = None
    split: Literal["image_wise", "object_wise", "pose_wise"] = "image_wise"
    train_fraction: float = 0.6  # of the objects (object_wise): 58 of the default 144 held out
    augment: AugmentConfig = AugmentConfig()
    num_examples: int = 10  # example crops per TP/FP/TN/FN grid in evaluation

    def __post_init__(self) -> None:
        if not 0 < self.train_fraction < 1:
            raise ValueError(f"train_fraction must be in (0, 1), got {self.train_fraction}")


def default_tasks() -> dict[str, TaskConfig]:
    """The committed ``tasks`` section: our physics label for parallel jaw, Dex-Net 3.0's for suction."""
    return {
        "parallel_jaw": TaskConfig(threshold=0.5, label_field="sim_success", split="object_wise"),
        "suction": TaskConfig(
            threshold=0.2,
            label_field="robust_suction_wrench_resistance",
            split="object_wise",
            augment=AugmentConfig(gp_prob=0.0),  # the noise hides the curvature a seal depends on
        ),
    }


def check_tasks(tasks: dict[str, TaskConfig]) -> None:
    unknown = sorted(set(tasks) - set(TASK_NAMES))
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; tasks are {sorted(TASK_NAMES)}")

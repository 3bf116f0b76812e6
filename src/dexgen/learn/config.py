"""Typed configs of the learning stages, built by stage scripts from ``params.yaml``.

Params layout (each section becomes one of these dataclasses)::

    seed: 0
    device: auto
    model: {name: DexNetGQCNN}
    models:
      DexNetGQCNN: {arch: {...GQCNNConfig}, train: {...OptimConfig}}
      EfficientNet: {arch: {...EfficientNetConfig}, train: {...}}
    tasks:
      parallel_jaw: {...TaskConfig}
      suction: {...}
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from dexgen.config import from_mapping
from dexgen.dexnet.augment import AugmentConfig
from dexgen.dexnet.fields import task_spec
from dexgen.errors import ConfigError

Device = str  # "auto", "cpu", "cuda" or "cuda:<n>"


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
class ModelSection:
    """``models.<name>``: architecture args (pose_dim comes from the task) and training recipe."""

    arch: dict[str, Any] = dataclasses.field(default_factory=dict)
    train: OptimConfig = OptimConfig()


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    """``tasks.<task>``: labels, split and augmentation of one Dex-Net task."""

    threshold: float  # label = metric > threshold (2.0: 0.002 robust Ferrari-Canny; 3.0: 0.2)
    # The field the label is read from; None = the release's metric (robust_ferrari_canny for
    # parallel_jaw, robust_suction_wrench_resistance for suction). Synthesized parallel-jaw data
    # also has sim_success / sim_score, physics labels from our simulator.
    label_field: str | None = None
    split: Literal["image_wise", "object_wise", "pose_wise"] = "image_wise"
    train_fraction: float = 0.8
    augment: AugmentConfig = AugmentConfig()
    num_examples: int = 10  # example crops per TP/FP/TN/FN grid in evaluation

    def __post_init__(self) -> None:
        if not 0 < self.train_fraction < 1:
            raise ValueError(f"train_fraction must be in (0, 1), got {self.train_fraction}")


@dataclasses.dataclass(frozen=True)
class TrainSetup:
    """Everything the train loop needs besides data and model; hashed into checkpoints."""

    task: str
    model_name: str
    model_args: Any  # the architecture dataclass
    optim: OptimConfig
    task_cfg: TaskConfig
    seed: int
    device: str  # resolved ("cpu", "cuda:0")


def _section(params: dict, *keys: str, path: str) -> Any:
    value: Any = params
    for i, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            where = ".".join(keys[:i]) or "top level"
            have = sorted(value) if isinstance(value, dict) else []
            raise ConfigError(f"{path}: no '{'.'.join(keys[: i + 1])}' key; {where} has {have}")
        value = value[key]
    return value


def setup_from_params(params: dict, task: str, *, path: str = "params.yaml") -> TrainSetup:
    """The :class:`TrainSetup` of ``task`` from the loaded params (``seed``, ``device``, ``model``,
    ``models.<model.name>``, ``tasks.<task>``); the device stays unresolved (``auto``)."""
    from dexgen.models import TRAINABLE, model_config

    spec = task_spec(task)
    seed = _section(params, "seed", path=path)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"{path}: seed must be an integer, got {seed!r}")
    device = _section(params, "device", path=path)
    if not isinstance(device, str):
        raise ConfigError(f"{path}: device must be a string (auto, cpu, cuda, cuda:<n>), got {device!r}")
    name = _section(params, "model", "name", path=path)
    model_config(name, {}, where=f"{path}:model.name")  # unknown names fail here, listing the valid ones
    if name not in TRAINABLE:
        raise ConfigError(f"{path}: model.name {name!r} is not trainable; choose one of {list(TRAINABLE)}")
    where = f"{path}:models.{name}"
    section = from_mapping(ModelSection, _section(params, "models", name, path=path), where=where)
    return TrainSetup(
        task=task,
        model_name=name,
        model_args=model_config(name, section.arch, where=f"{where}.arch", pose_dim=spec.pose_dim),
        optim=section.train,
        task_cfg=from_mapping(
            TaskConfig, _section(params, "tasks", task, path=path), where=f"{path}:tasks.{task}"
        ),
        seed=seed,
        device=device,
    )

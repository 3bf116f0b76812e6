"""Grasp-quality networks by name: ``get_model(name, cfg)``; ``model.name`` in params picks one.

Every model maps normalised ``depth`` (B, 1, H, W) and ``pose`` (B, P) to logits: (B, 2) for crop
classifiers, (B, 2, h, w) heatmaps for the fully convolutional ones. Adding a model is one module
plus one line in ``MODELS`` (and its config in :mod:`.config`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from torch import nn

from dexgen.config import from_mapping
from dexgen.errors import ConfigError
from dexgen.params.models import EfficientNetConfig, GQCNNConfig
from dexgen.models.efficientnet import EfficientNet
from dexgen.models.fcgqcnn import DexNetFCGQCNN, fakeFCGQCNN
from dexgen.models.gqcnn import DexNetGQCNN

# name -> (module class, config dataclass, output is a heatmap)
MODELS: dict[str, tuple[type[nn.Module], type, bool]] = {
    "DexNetGQCNN": (DexNetGQCNN, GQCNNConfig, False),
    "EfficientNet": (EfficientNet, EfficientNetConfig, False),
    "DexNetFCGQCNN": (DexNetFCGQCNN, GQCNNConfig, True),
    "fakeFCGQCNN": (fakeFCGQCNN, GQCNNConfig, True),
}


def _entry(name: str) -> tuple[type[nn.Module], type, bool]:
    if name not in MODELS:
        raise ConfigError(f"unknown model name {name!r}; valid names are {sorted(MODELS)}")
    return MODELS[name]


def model_config(name: str, mapping: Mapping[str, Any] | None, *, where: str, **overrides: Any) -> Any:
    """The architecture dataclass of model ``name`` from a params mapping, with ``overrides`` (pose_dim)."""
    cfg = from_mapping(_entry(name)[1], mapping, where=where)
    try:
        return dataclasses.replace(cfg, **overrides)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def get_model(name: str, cfg: Any) -> nn.Module:
    """An untrained model ``name`` built from its config dataclass ``cfg``."""
    cls, cfg_cls, _ = _entry(name)
    if not isinstance(cfg, cfg_cls):
        raise ConfigError(f"model {name} takes a {cfg_cls.__name__}, got {type(cfg).__name__}")
    return cls(cfg)


def is_heatmap(name: str) -> bool:
    return _entry(name)[2]

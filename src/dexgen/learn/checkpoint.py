"""Checkpoints: weights plus everything needed to rebuild and trust them.

A checkpoint is a ``torch.save`` dict (nanoGPT's shape, ``reference/style.md`` §5)::

    format, model_name, model_args (architecture mapping), config (the TrainSetup mapping),
    state_dict, stats (NormStats mapping), params_hash, seed, code_version, task, epoch,
    data_fingerprint, history (per-epoch metrics); resume checkpoints add optimizer

Models never open files; this module does, and checks the architecture before loading weights.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

from dexgen import __version__, atomic
from dexgen.config import to_mapping
from dexgen.dexnet.stats import NormStats
from dexgen.errors import InputError
from dexgen.models.registry import MODELS, get_model, model_config
from dexgen.seeding import derive_seed

FORMAT_VERSION = 1


def build_model(name: str, args: Any, *, seed: int, key: str) -> nn.Module:
    """An untrained model with weights drawn from ``seed`` and ``key`` (the task)."""
    torch.manual_seed(derive_seed(seed, "init", key))
    return get_model(name, args)


def canonical(value: Any) -> Any:
    """``value`` rebuilt from fresh containers with every string interned.

    Pickle writes an object it has seen before as a back-reference, so its bytes depend on which equal
    strings happen to be one object: a history read back from a resume checkpoint shares its key
    strings differently from one built in this process. With fresh containers and interned strings
    the sharing, and so the bytes, depend on the values alone (resumed or not, ``test_resume_bytes``).
    Tensors, numbers and other leaves are kept as they are.
    """
    if isinstance(value, dict):
        out = {canonical(k): canonical(v) for k, v in value.items()}
        if type(value) is not dict:  # an OrderedDict state_dict keeps its type and its _metadata
            out = type(value)(out)
            out.__dict__.update(canonical(vars(value)))
        return out
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, tuple):
        return tuple(canonical(v) for v in value)
    if type(value) is str:
        return sys.intern(value)
    return value


def save_checkpoint(path: str | Path, **fields: Any) -> None:
    """Write a checkpoint atomically; ``fields`` as in the module docstring. Equal fields give equal
    bytes, however they were built (:func:`canonical`)."""
    record = {"format": FORMAT_VERSION, "code_version": __version__, **fields}
    record["model_args"] = to_mapping(record["model_args"])
    buffer = io.BytesIO()
    torch.save(canonical(record), buffer)
    atomic.write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path, *, expected_model: str | None = None) -> dict:
    """Read a checkpoint on the CPU; refuse one of another architecture than ``expected_model``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found")
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a corrupt file
        raise InputError(f"{path}: not a readable checkpoint ({exc})") from None
    if not isinstance(record, dict) or "model_name" not in record or "state_dict" not in record:
        raise InputError(f"{path}: not a dexgen checkpoint (no model_name / state_dict)")
    weights = record["state_dict"]
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise InputError(f"{path}: not a dexgen checkpoint (state_dict is not a mapping of tensors)")
    if record.get("format") != FORMAT_VERSION:
        raise InputError(
            f"{path}: checkpoint format {record.get('format')}, this code reads {FORMAT_VERSION}"
        )
    name = record["model_name"]
    if name not in MODELS:
        raise InputError(f"{path}: checkpoint model {name!r} is not one of {sorted(MODELS)}")
    if expected_model is not None and name != expected_model:
        raise InputError(f"{path}: checkpoint holds a {name}, expected a {expected_model}")
    return record


def model_from_checkpoint(record: dict, *, path: str | Path = "checkpoint") -> tuple[nn.Module, NormStats]:
    """The model (weights loaded, eval mode) and normalisation stats stored in ``record``."""
    name = record["model_name"]
    args = model_config(name, record["model_args"], where=f"{path}:model_args")
    model = get_model(name, args)
    try:
        model.load_state_dict(record["state_dict"])
    except RuntimeError as exc:
        raise InputError(
            f"{path}: weights do not fit a {name} with args {record['model_args']}: {exc}"
        ) from None
    return model.eval(), checked_stats(record.get("stats"), where=str(path))


def checked_stats(stats: Any, *, where: str) -> NormStats:
    """The normalisation stats of a checkpoint, refused unless every mean is finite and every std
    finite and positive: ``(x - mean) / 0`` turns every score into NaN without an error."""
    if not isinstance(stats, dict) or any(
        k not in stats for k in ("im_mean", "im_std", "pose_mean", "pose_std")
    ):
        raise InputError(f"{where}: stats must hold im_mean, im_std, pose_mean and pose_std")
    means = {"im_mean": [stats["im_mean"]], "pose_mean": stats["pose_mean"]}
    stds = {"im_std": [stats["im_std"]], "pose_std": stats["pose_std"]}
    for key, values in (means | stds).items():
        try:
            numbers = [float(v) for v in values]
        except (TypeError, ValueError):
            raise InputError(f"{where}: stats.{key} must be numbers, got {values!r}") from None
        if not all(math.isfinite(v) for v in numbers):
            raise InputError(f"{where}: stats.{key} is not finite ({numbers}); the checkpoint is corrupt")
        if key in stds and any(v <= 0 for v in numbers):
            raise InputError(
                f"{where}: stats.{key} must be positive, got {numbers}; normalising divides by it"
            )
    if len(stats["pose_mean"]) != len(stats["pose_std"]):
        raise InputError(f"{where}: stats.pose_mean and stats.pose_std differ in length")
    return NormStats.from_dict(stats)

"""GraspGen's combined inference config from a generator and a discriminator training run.

What GraspGen's ``tutorials/generate_model_inference_config.py`` does (graspgen-format.md §12), with the
checks it leaves to an ``assert`` at inference time: the discriminator's ``config.yaml`` is the base,
the generator's ``diffusion`` section replaces its own, ``eval.checkpoint: gen.pth``, ``eval.model_name:
diffusion-discriminator`` and ``discriminator.checkpoint: dis.pth`` point at copies of each run's
``last.pth`` beside the config. GraspGen's ``load_grasp_cfg`` resolves the checkpoints against the
config's folder and asserts ``data.gripper_name == diffusion.gripper_name == discriminator.gripper_name``;
here a missing file or a gripper name that differs anywhere is refused before anything is written.
So are runs given the wrong way round (``train.model_name``), a ``last.pth`` that is not a PyTorch
checkpoint of a model, and a gripper name that is not a file name (it names the config file).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import yaml

from dexgen.atomic import make_dir, write_text
from dexgen.errors import InputError
from dexgen.names import safe_name

GEN_CHECKPOINT, DIS_CHECKPOINT = "gen.pth", "dis.pth"
# train.model_name of each role, as GraspGen's runs/train_graspgen_*_{gen,dis}.sh set it
MODEL_NAMES = {"generator": "diffusion", "discriminator": "discriminator"}
FLAGS = {"generator": "--gen", "discriminator": "--dis"}


def _config(log_dir: Path, role: str) -> dict[str, Any]:
    path = log_dir / "config.yaml"
    if not path.is_file():
        raise InputError(
            f"{path}: the {role} run's config.yaml is missing; is {log_dir} a GraspGen log folder?"
        )
    if not (log_dir / "last.pth").is_file():
        raise InputError(
            f"{log_dir / 'last.pth'}: the {role} run's last checkpoint is missing; has it trained?"
        )
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(config, dict):
        raise InputError(f"{path}: expected a mapping of config sections")
    _check_role(config, role, path)
    check_checkpoint(log_dir / "last.pth")
    return config


def _check_role(config: dict[str, Any], role: str, path: Path) -> None:
    """Refuse a run of the other role (``--gen`` and ``--dis`` swapped), naming its model."""
    model = (config.get("train") or {}).get("model_name")
    if model is None or model == MODEL_NAMES[role]:
        return
    other = next((r for r, m in MODEL_NAMES.items() if m == model), None)
    hint = "; swap --gen and --dis" if other else f"; expected '{MODEL_NAMES[role]}'"
    raise InputError(f"{path}: train.model_name is {model!r}, not the {role} run {FLAGS[role]} needs{hint}")


def check_checkpoint(path: Path) -> None:
    """Refuse a ``last.pth`` that is not a PyTorch checkpoint holding a ``model`` state dict.

    GraspGen saves ``{"epoch", "model", "optimizer"[, "batch_idx"]}`` with ``torch.save`` (a zip);
    ``mmap`` reads the pickle and leaves the tensors on disk, so a 900 MB generator costs little.
    """
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a PyTorch checkpoint (torch.save writes a zip archive)")
    import torch

    try:
        record = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # torch raises many types for a corrupt or foreign file
        raise InputError(f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {exc})") from None
    model = record.get("model") if isinstance(record, dict) else None
    if (
        not isinstance(model, dict)
        or not model
        or not all(isinstance(v, torch.Tensor) for v in model.values())
    ):
        raise InputError(f"{path}: not a GraspGen checkpoint (no 'model' state dict of tensors)")


def _gripper_names(config: dict[str, Any], sections: tuple[str, ...], where: Path) -> dict[str, Any]:
    names = {}
    for section in sections:
        value = (config.get(section) or {}).get("gripper_name")
        if value is None:
            raise InputError(f"{where}: no {section}.gripper_name")
        names[f"{where}: {section}.gripper_name"] = value
        safe_name(value, what=f"{section}.gripper_name", source=str(where))
    return names


def inference_config(gen_dir: str | Path, dis_dir: str | Path) -> dict[str, Any]:
    """The merged config of the two runs' log folders (see the module docstring)."""
    gen_dir, dis_dir = Path(gen_dir), Path(dis_dir)
    gen, dis = _config(gen_dir, "generator"), _config(dis_dir, "discriminator")
    if not isinstance(gen.get("diffusion"), dict):
        raise InputError(f"{gen_dir / 'config.yaml'}: no diffusion section; is it a generator run?")
    if not isinstance(dis.get("discriminator"), dict):
        raise InputError(f"{dis_dir / 'config.yaml'}: no discriminator section; is it a discriminator run?")
    names = _gripper_names(gen, ("data", "diffusion"), gen_dir / "config.yaml")
    names |= _gripper_names(dis, ("data", "discriminator"), dis_dir / "config.yaml")
    if len(set(names.values())) != 1:
        listed = "; ".join(f"{k} = {v!r}" for k, v in names.items())
        raise InputError(
            f"the runs were trained for different grippers, so GraspGen's inference would abort: {listed}"
        )
    config = dict(dis)
    config["diffusion"] = gen["diffusion"]
    config["eval"] = {
        **(config.get("eval") or {}),
        "checkpoint": GEN_CHECKPOINT,
        "model_name": "diffusion-discriminator",
    }
    config["discriminator"] = {**config["discriminator"], "checkpoint": DIS_CHECKPOINT}
    return config


def _copy(src: Path, dst: Path) -> None:
    """Copy through a temporary sibling and rename: a checkpoint is never half there."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def write_inference_config(gen_dir: str | Path, dis_dir: str | Path, out_dir: str | Path) -> Path:
    """Write ``<out_dir>/graspgen_<gripper>.yml`` with ``gen.pth`` and ``dis.pth`` beside it; returns the
    config's path. The checkpoints go first and the config last, so a config always has its checkpoints."""
    gen_dir, dis_dir, out_dir = Path(gen_dir), Path(dis_dir), Path(out_dir)
    config = inference_config(gen_dir, dis_dir)
    name = f"graspgen_{config['data']['gripper_name']}.yml"
    make_dir(out_dir)
    _copy(gen_dir / "last.pth", out_dir / GEN_CHECKPOINT)
    _copy(dis_dir / "last.pth", out_dir / DIS_CHECKPOINT)
    header = f"# GraspGen inference config, merged by dexgen from {gen_dir} (generator) and {dis_dir} (discriminator)\n"
    write_text(out_dir / name, header + yaml.safe_dump(config, default_flow_style=False, sort_keys=False))
    return out_dir / name
